"""Themes to comments, and the daily sums per theme × touchpoint × day that the pages read.

Assignment is a pure function of a comment's terms and the themes' keywords (no randomness), so
re-running it gives the same themes. Hidden themes take no comments; a merged theme's keywords
and pins count for the theme it was merged into.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast

from dashboards.analytics.themes import PINNED_WEIGHT, assign_themes
from dashboards.themes.models import (
    CommentAnalysis,
    CommentDay,
    CommentTheme,
    Theme,
    ThemeDay,
    ThemeKeyword,
)
from touchpoints.models import Touchpoint

NEGATIVE = -0.05
"""Sentiment at or below this counts as negative (VADER's conventional neutral band is ±0.05)."""
CHUNK = 5000


def _final_target(theme_id: int, merged_into: Mapping[int, int | None]) -> int:
    seen = {theme_id}
    current = theme_id
    while (target := merged_into.get(current)) is not None and target not in seen:
        seen.add(target)
        current = target
    return current


def theme_keywords(*, organisation_id: int) -> dict[int, dict[str, float]]:
    """Per visible theme, its keyword weights: discovered ones, its merged themes', and pins."""
    themes = list(
        Theme.objects.filter(organisation_id=organisation_id).values_list(
            "id", "keywords", "hidden", "merged_into_id"
        )
    )
    merged_into = {tid: target for tid, _, _, target in themes}
    hidden = {tid for tid, _, is_hidden, _ in themes if is_hidden}
    weights: dict[int, dict[str, float]] = {}

    def add(theme_id: int, term: str, weight: float) -> None:
        target = _final_target(theme_id, merged_into)
        if target in hidden:
            return
        bucket = weights.setdefault(target, {})
        bucket[term] = max(bucket.get(term, 0.0), weight)

    for tid, keywords, _, _ in themes:
        for term, weight in (keywords or {}).items():
            add(tid, term, float(weight))
    pins = ThemeKeyword.objects.filter(theme__organisation_id=organisation_id)
    for tid, term in pins.values_list("theme_id", "term"):
        add(tid, term, PINNED_WEIGHT)
    return weights


def _assign_chunk(
    comments: Sequence[tuple[int, str]], keywords: dict[int, dict[str, float]]
) -> list[CommentTheme]:
    return [
        CommentTheme(comment_id=rid, theme_id=theme_id, score=round(score, 4))
        for rid, terms in comments
        for theme_id, score in assign_themes(terms.split(), keywords)
    ]


@transaction.atomic
def comments_assign(*, organisation_id: int, response_ids: Sequence[int] | None = None) -> int:
    """(Re)assign themes to the organisation's comments (all, or these); returns assignments."""
    keywords = theme_keywords(organisation_id=organisation_id)
    comments = CommentAnalysis.objects.filter(organisation_id=organisation_id)
    links = CommentTheme.objects.filter(comment__organisation_id=organisation_id)
    if response_ids is not None:
        comments = comments.filter(response_id__in=response_ids)
        links = links.filter(comment_id__in=response_ids)
    links.delete()
    written = 0
    batch: list[tuple[int, str]] = []
    for row in comments.order_by("response_id").values_list("response_id", "terms").iterator(CHUNK):
        batch.append(row)
        if len(batch) >= CHUNK:
            written += len(CommentTheme.objects.bulk_create(_assign_chunk(batch, keywords)))
            batch = []
    if batch:
        written += len(CommentTheme.objects.bulk_create(_assign_chunk(batch, keywords)))
    return written


def _sums(prefix: str = "") -> dict[str, Any]:
    sat = F(f"{prefix}satisfaction")
    return {
        "comments": Count("pk"),
        "sat_n": Count(f"{prefix}satisfaction"),
        "sat_sum": Sum(sat),
        "sat_sumsq": Sum(Cast(sat, FloatField()) * sat),
        "nps_n": Count(f"{prefix}nps"),
        "promoters": Count("pk", filter=Q(**{f"{prefix}nps__gte": 9})),
        "detractors": Count("pk", filter=Q(**{f"{prefix}nps__lte": 6})),
        "sentiment_sum": Sum(f"{prefix}sentiment"),
        "negative": Count("pk", filter=Q(**{f"{prefix}sentiment__lte": NEGATIVE})),
        "clashes": Count("pk", filter=Q(**{f"{prefix}clash": True})),
    }


SUM_FIELDS = [
    "comments",
    "sat_n",
    "sat_sum",
    "sat_sumsq",
    "nps_n",
    "promoters",
    "detractors",
    "sentiment_sum",
    "negative",
    "clashes",
]


def _clean(row: dict[str, object]) -> dict[str, object]:
    return {name: row[name] or 0 for name in SUM_FIELDS}


@transaction.atomic
def comment_days_recompute(*, touchpoint_days: Iterable[tuple[int, date]]) -> int:
    """Recompute CommentDay and ThemeDay rows of these touchpoint-days; returns rows written."""
    by_touchpoint: dict[int, set[date]] = {}
    for touchpoint_id, day in touchpoint_days:
        by_touchpoint.setdefault(touchpoint_id, set()).add(day)
    written = 0
    for touchpoint_id in sorted(by_touchpoint):
        days = sorted(by_touchpoint[touchpoint_id])
        # Serialise concurrent recomputations of the same touchpoint (delete, then insert).
        Touchpoint.objects.select_for_update().filter(pk=touchpoint_id).first()
        written += _recompute(
            CommentAnalysis.objects.filter(touchpoint_id=touchpoint_id, day__in=days),
            CommentDay.objects.filter(touchpoint_id=touchpoint_id, day__in=days),
            ThemeDay.objects.filter(touchpoint_id=touchpoint_id, day__in=days),
        )
    return written


@transaction.atomic
def comment_days_recompute_organisation(*, organisation_id: int) -> int:
    """Recompute every CommentDay and ThemeDay row of an organisation (backfill, nightly)."""
    touchpoints = Touchpoint.objects.filter(phase__journey__organisation_id=organisation_id)
    list(touchpoints.select_for_update().values_list("pk", flat=True))
    return _recompute(
        CommentAnalysis.objects.filter(organisation_id=organisation_id),
        CommentDay.objects.filter(touchpoint__in=touchpoints),
        ThemeDay.objects.filter(touchpoint__in=touchpoints),
    )


def _recompute(
    comments: QuerySet[CommentAnalysis],
    comment_days: QuerySet[CommentDay],
    theme_days: QuerySet[ThemeDay],
) -> int:
    comment_days.delete()
    theme_days.delete()
    day_rows = [
        CommentDay(touchpoint_id=row["touchpoint_id"], day=row["day"], **_clean(row))
        for row in comments.order_by().values("touchpoint_id", "day").annotate(**_sums())
    ]
    links = CommentTheme.objects.filter(comment__in=comments.values("pk"))
    theme_rows = [
        ThemeDay(
            theme_id=row["theme_id"],
            touchpoint_id=row["comment__touchpoint_id"],
            day=row["comment__day"],
            **_clean(row),
        )
        for row in links.order_by()
        .values("theme_id", "comment__touchpoint_id", "comment__day")
        .annotate(**_sums(prefix="comment__"))
    ]
    CommentDay.objects.bulk_create(day_rows, batch_size=2000)
    ThemeDay.objects.bulk_create(theme_rows, batch_size=2000)
    return len(day_rows) + len(theme_rows)
