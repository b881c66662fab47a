"""Reads of the answers to "why?" for the analysis page: reasons counted per touchpoint."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from .models import WhyAnswer, WhyReason


@dataclass(frozen=True)
class ReasonCount:
    """How often a reason was picked at a touchpoint (reasons of all versions, by key)."""

    touchpoint_id: int
    key: str
    label_de: str
    label_en: str
    count: int


@dataclass(frozen=True)
class WhySummary:
    """Answers to "why?" at one touchpoint over a period, and the reasons picked."""

    touchpoint_id: int
    asked_answered: int
    with_text: int
    reasons: list[ReasonCount]


def why_summary(
    *, touchpoint_ids: list[int], submitted_from: datetime, submitted_to: datetime
) -> list[WhySummary]:
    """Per touchpoint: answers to "why?" and how often each reason was picked. Two grouped
    queries over the period's second steps (a small share of responses); callers cache it."""
    answered = (
        WhyAnswer.objects.filter(
            response__touchpoint_id__in=touchpoint_ids,
            response__submitted_at__gte=submitted_from,
            response__submitted_at__lt=submitted_to,
        )
        .values("response__touchpoint_id")
        .annotate(total=Count("id"), with_text=Count("id", filter=~Q(text="")))
        .order_by()
    )
    picked = (
        WhyReason.answers.through.objects.filter(
            whyanswer__response__touchpoint_id__in=touchpoint_ids,
            whyanswer__response__submitted_at__gte=submitted_from,
            whyanswer__response__submitted_at__lt=submitted_to,
        )
        .values("whyanswer__response__touchpoint_id", "whyreason__key")
        .annotate(count=Count("id"))
        .order_by()
    )
    labels = {
        (tp, key): (de, en)
        for tp, key, de, en in WhyReason.objects.filter(survey__touchpoint_id__in=touchpoint_ids)
        .order_by("survey__version")
        .values_list("survey__touchpoint_id", "key", "label_de", "label_en")
    }  # the newest version's label wins
    reasons: dict[int, list[ReasonCount]] = {}
    for row in picked:
        tp, key = row["whyanswer__response__touchpoint_id"], row["whyreason__key"]
        de, en = labels.get((tp, key), (key, key))
        reasons.setdefault(tp, []).append(
            ReasonCount(touchpoint_id=tp, key=key, label_de=de, label_en=en, count=row["count"])
        )
    return [
        WhySummary(
            touchpoint_id=row["response__touchpoint_id"],
            asked_answered=row["total"],
            with_text=row["with_text"],
            reasons=sorted(
                reasons.get(row["response__touchpoint_id"], []), key=lambda r: (-r.count, r.key)
            ),
        )
        for row in answered
    ]
