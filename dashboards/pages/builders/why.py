"""The "why? and not experienced" section: reasons given after low scores, and the share of
customers who skipped an attribute as not experienced.

Reasons are read from the second steps of the period (one grouped query each for answers and
reasons, a small share of responses); the not-experienced counts come from the daily statistics
already summed for the page.
"""

from dataclasses import dataclass
from datetime import date

from cxmonitor.days import utc_bounds
from dashboards.pages.scope import OrgScope
from dashboards.statistics.selectors.kpis import TouchpointPeriod
from surveys import why_selectors


@dataclass(frozen=True)
class ReasonRow:
    label: str
    count: int
    share: float  # of the touchpoint's answers to "why?"


@dataclass(frozen=True)
class WhyRow:
    """One touchpoint's answers to "why?" in the period, most frequent reason first."""

    touchpoint: str
    answered: int
    with_text: int
    reasons: list[ReasonRow]


@dataclass(frozen=True)
class NotExperiencedRow:
    """One paired item's "not experienced" answers: count and share of all its answers."""

    touchpoint: str
    item: str
    count: int
    answers: int
    share: float


@dataclass(frozen=True)
class WhyView:
    reasons: list[WhyRow]
    not_experienced: list[NotExperiencedRow]


def why_view(
    scope: OrgScope,
    *,
    periods: list[TouchpointPeriod],
    start: date,
    end: date,
    language: str,
) -> WhyView:
    """Reasons per touchpoint and not-experienced shares per item over start..end."""
    names = {tp.touchpoint_id: tp.name for tp in periods}
    lower, upper = utc_bounds(tz=scope.organisation.tzinfo, start=start, end=end)
    summaries = why_selectors.why_summary(
        touchpoint_ids=sorted(names), submitted_from=lower, submitted_to=upper
    )
    reasons = [
        WhyRow(
            touchpoint=names.get(s.touchpoint_id, ""),
            answered=s.asked_answered,
            with_text=s.with_text,
            reasons=[
                ReasonRow(
                    label=r.label_de if language == "de" else r.label_en,
                    count=r.count,
                    share=r.count / s.asked_answered,
                )
                for r in s.reasons
            ],
        )
        for s in summaries
        if s.asked_answered
    ]
    reasons.sort(key=lambda row: (-row.answered, row.touchpoint))
    skipped = [
        NotExperiencedRow(
            touchpoint=tp.name,
            item=item.label_de if language == "de" else item.label_en,
            count=item.not_experienced,
            answers=item.not_experienced + (item.paired.n if item.paired else 0),
            share=item.not_experienced_share or 0.0,
        )
        for tp in periods
        for item in tp.items
        if item.not_experienced
    ]
    skipped.sort(key=lambda row: (-row.share, row.touchpoint, row.item))
    return WhyView(reasons=reasons, not_experienced=skipped)
