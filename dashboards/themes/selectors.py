"""Reads of the comment themes: themes, their impact from the daily sums, and comment browsing.

Impact and shares read ThemeDay/CommentDay rows only; comment browsing reads analysed comments
(masked text) one page at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from dashboards.analytics.theme_impact import (
    GroupSums,
    ThemeImpact,
    rank_by_contribution,
    theme_impact,
)
from dashboards.themes.models import CommentAnalysis, CommentDay, Theme, ThemeDay

SUM_NAMES = ("comments", "sat_n", "sat_sum", "sat_sumsq", "nps_n", "promoters", "detractors")


@dataclass(frozen=True, slots=True)
class ThemeRow:
    id: int
    display_name: str
    label: str
    hidden: bool
    merged_into_id: int | None
    keywords: tuple[str, ...]
    pins: tuple[str, ...]
    mentions: int


@dataclass(frozen=True, slots=True)
class RankedTheme:
    id: int
    name: str
    impact: ThemeImpact


def theme_list(*, organisation_id: int, include_hidden: bool = False) -> list[ThemeRow]:
    """The organisation's themes (not merged away), most mentioned first."""
    themes = (
        Theme.objects.filter(organisation_id=organisation_id, merged_into__isnull=True)
        .annotate(mentions=Count("comments"))
        .prefetch_related("pins")
        .order_by("-mentions", "id")
    )
    if not include_hidden:
        themes = themes.filter(hidden=False)
    return [
        ThemeRow(
            id=theme.pk,
            display_name=theme.display_name,
            label=theme.label,
            hidden=theme.hidden,
            merged_into_id=theme.merged_into_id,
            keywords=tuple(sorted(theme.keywords, key=lambda t: -theme.keywords[t])),
            pins=tuple(pin.term for pin in theme.pins.all()),
            mentions=theme.mentions,
        )
        for theme in themes
    ]


def _sum_annotations(halves: tuple[date, date] | None = None) -> dict[str, Any]:
    # Prefixed: an annotation may not reuse a field's name.
    sums: dict[str, Any] = {f"s_{name}": Sum(name) for name in SUM_NAMES}
    if halves is not None:
        first_end, _ = halves
        sums["first_comments"] = Sum("comments", filter=Q(day__lte=first_end))
        sums["second_comments"] = Sum("comments", filter=Q(day__gt=first_end))
    return sums


def _group(row: dict[str, Any]) -> GroupSums:
    return GroupSums(*(row[f"s_{name}"] or 0 for name in SUM_NAMES))


def _scoped(
    queryset: QuerySet[Any], *, start: date, end: date, touchpoint_ids: Sequence[int] | None
) -> QuerySet[Any]:
    queryset = queryset.filter(day__gte=start, day__lte=end)
    if touchpoint_ids is not None:
        queryset = queryset.filter(touchpoint_id__in=touchpoint_ids)
    return queryset


def theme_impacts(
    *,
    organisation_id: int,
    start: date,
    end: date,
    touchpoint_ids: Sequence[int] | None = None,
    by_touchpoint: bool = False,
) -> dict[int | None, list[RankedTheme]]:
    """Ranked theme impacts for the period: {None: all touchpoints} or {touchpoint id: ...}."""
    half = (start + timedelta(days=(end - start).days // 2), end)
    key = ["touchpoint_id"] if by_touchpoint else []
    days = _scoped(
        CommentDay.objects.filter(touchpoint__phase__journey__organisation_id=organisation_id),
        start=start, end=end, touchpoint_ids=touchpoint_ids,
    )  # fmt: skip
    totals: dict[int | None, dict[str, Any]] = (
        {
            row["touchpoint_id"]: row
            for row in days.order_by().values(*key).annotate(**_sum_annotations(half))
        }
        if by_touchpoint
        else {None: days.aggregate(**_sum_annotations(half))}
    )
    if not any(row["s_comments"] for row in totals.values()):
        return {}  # no comments in the period: nothing to read further
    theme_days = _scoped(
        ThemeDay.objects.filter(theme__organisation_id=organisation_id, theme__hidden=False),
        start=start, end=end, touchpoint_ids=touchpoint_ids,
    )  # fmt: skip
    result: dict[int | None, list[RankedTheme]] = {}
    grouped = theme_days.order_by().values("theme_id", "theme__name", "theme__label", *key)
    for row in grouped.annotate(**_sum_annotations(half)):
        scope = row["touchpoint_id"] if by_touchpoint else None
        total = totals.get(scope)
        if total is None:
            continue
        impact = theme_impact(
            row["theme_id"],
            _group(row),
            _group(total),
            first_half=(row["first_comments"] or 0, total["first_comments"] or 0),
            second_half=(row["second_comments"] or 0, total["second_comments"] or 0),
        )
        result.setdefault(scope, []).append(
            RankedTheme(
                id=row["theme_id"],
                name=row["theme__name"] or row["theme__label"],
                impact=impact,
            )
        )
    return {
        scope: [
            next(r for r in rows if r.impact is impact)
            for impact in rank_by_contribution([r.impact for r in rows])
        ]
        for scope, rows in result.items()
    }


@dataclass(frozen=True, slots=True)
class CommentFilter:
    """What the comment browser filters by; None means "any"."""

    start: date
    end: date
    query: str = ""
    theme_id: int | None = None
    touchpoint_ids: Sequence[int] | None = None
    score: str | None = None  # "low" (1-3), "mid" (4), "high" (5-7) on a 1..7 scale
    sentiment: str | None = None  # "negative", "neutral", "positive"
    clash_only: bool = False


SCORE_RANGES = {"low": (None, 3.5), "mid": (3.5, 4.5), "high": (4.5, None)}
SENTIMENT_RANGES = {"negative": (None, -0.05), "neutral": (-0.05, 0.05), "positive": (0.05, None)}


def _text_search(comments: QuerySet[CommentAnalysis], query: str) -> QuerySet[CommentAnalysis]:
    query = query.strip()
    if not query:
        return comments
    if connection.vendor == "postgresql":
        # Both configurations: a German query finds German stems, an English one English stems.
        german = SearchQuery(query, config="german", search_type="websearch")
        english = SearchQuery(query, config="english", search_type="websearch")
        return comments.filter(search=german | english)
    for word in query.split()[:10]:
        comments = comments.filter(text__icontains=word)
    return comments


def comment_search(*, organisation_id: int, filters: CommentFilter) -> QuerySet[CommentAnalysis]:
    """Analysed comments matching the filters, newest first, with touchpoint and themes."""
    comments = CommentAnalysis.objects.filter(
        organisation_id=organisation_id, day__gte=filters.start, day__lte=filters.end
    )
    if filters.touchpoint_ids is not None:
        comments = comments.filter(touchpoint_id__in=filters.touchpoint_ids)
    if filters.theme_id is not None:
        comments = comments.filter(themes__theme_id=filters.theme_id)
    if filters.score in SCORE_RANGES:
        low, high = SCORE_RANGES[filters.score]
        comments = comments.filter(satisfaction__isnull=False)
        comments = comments.filter(satisfaction__gte=low) if low is not None else comments
        comments = comments.filter(satisfaction__lt=high) if high is not None else comments
    if filters.sentiment in SENTIMENT_RANGES:
        low, high = SENTIMENT_RANGES[filters.sentiment]
        comments = comments.filter(sentiment__gt=low) if low is not None else comments
        comments = comments.filter(sentiment__lt=high) if high is not None else comments
    if filters.clash_only:
        comments = comments.filter(clash=True)
    comments = _text_search(comments, filters.query)
    return (
        comments.select_related("touchpoint__phase")
        .prefetch_related("themes__theme")
        .order_by("-submitted_at", "-response_id")
    )


def comment_values(
    *, organisation_id: int, touchpoint_ids: Sequence[int] | None = None
) -> list[tuple[float, float]]:
    """(sentiment, satisfaction) of every analysed comment with a satisfaction score."""
    comments = CommentAnalysis.objects.filter(
        organisation_id=organisation_id, satisfaction__isnull=False
    )
    if touchpoint_ids is not None:
        comments = comments.filter(touchpoint_id__in=touchpoint_ids)
    rows = comments.order_by("response_id").values_list("sentiment", "satisfaction")
    return [(sentiment, score) for sentiment, score in rows if score is not None]
