"""Comments to analysed comments: masked text, terms, sentiment and the response's scores."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction

from dashboards.analytics.masking import mask_personal_data
from dashboards.analytics.sentiment import clashes_with_score, comment_sentiment
from dashboards.analytics.text import comment_terms
from dashboards.themes.models import CommentAnalysis
from surveys.models import Answer, Item

UPDATED_FIELDS = [
    "organisation",
    "touchpoint",
    "day",
    "submitted_at",
    "language",
    "text",
    "terms",
    "sentiment",
    "satisfaction",
    "nps",
    "clash",
]


@dataclass
class _Draft:
    organisation_id: int
    touchpoint_id: int
    submitted_at: datetime
    time_zone: str
    language: str
    scale: tuple[int, int]
    text: str = ""
    satisfactions: list[int] = field(default_factory=list)
    nps: int | None = None


def _drafts(response_ids: Sequence[int]) -> dict[int, _Draft]:
    rows = (
        Answer.objects.filter(
            response_id__in=response_ids,
            item__kind__in=[Item.Kind.PAIRED, Item.Kind.NPS, Item.Kind.COMMENT],
        )
        .values_list(
            "response_id",
            "item__kind",
            "satisfaction",
            "value",
            "text",
            "response__touchpoint_id",
            "response__touchpoint__phase__journey__organisation_id",
            "response__touchpoint__phase__journey__organisation__time_zone",
            "response__submitted_at",
            "response__language",
            "item__survey__scale_min",
            "item__survey__scale_max",
        )
        .order_by("response_id", "item_id")
    )
    drafts: dict[int, _Draft] = {}
    for rid, kind, sat, value, text, tp, org, tz, at, lang, low, high in rows.iterator(2000):
        draft = drafts.get(rid)
        if draft is None:
            draft = drafts[rid] = _Draft(org, tp, at, tz, lang, (low, high))
        if kind == Item.Kind.COMMENT:
            draft.text = (text or "").strip()
        elif kind == Item.Kind.PAIRED and sat is not None:
            draft.satisfactions.append(sat)
        elif kind == Item.Kind.NPS and value is not None:
            draft.nps = value
    return drafts


def _analysed(response_id: int, draft: _Draft) -> CommentAnalysis:
    satisfaction = (
        sum(draft.satisfactions) / len(draft.satisfactions) if draft.satisfactions else None
    )
    sentiment = comment_sentiment(draft.text, draft.language)
    day: date = draft.submitted_at.astimezone(zoneinfo.ZoneInfo(draft.time_zone)).date()
    masked = mask_personal_data(draft.text)
    return CommentAnalysis(
        response_id=response_id,
        organisation_id=draft.organisation_id,
        touchpoint_id=draft.touchpoint_id,
        day=day,
        submitted_at=draft.submitted_at,
        language=draft.language,
        text=masked,
        terms=" ".join(comment_terms(masked, draft.language)),
        sentiment=sentiment,
        satisfaction=satisfaction,
        nps=draft.nps,
        clash=clashes_with_score(
            sentiment=sentiment, satisfaction=satisfaction, nps=draft.nps, scale=draft.scale
        ),
    )


def _search_vectors_update(response_ids: Sequence[int]) -> None:
    """PostgreSQL: each comment's search vector in its language's configuration."""
    if connection.vendor != "postgresql" or not response_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dashboards_commentanalysis SET search = to_tsvector("
            "(CASE WHEN language = 'en' THEN 'english' ELSE 'german' END)::regconfig, text) "
            "WHERE response_id = ANY(%s)",
            [list(response_ids)],
        )


@transaction.atomic
def comments_analyse(*, response_ids: Sequence[int]) -> list[CommentAnalysis]:
    """Analyse the comments of these responses (upsert); responses without one lose theirs."""
    drafts = _drafts(response_ids)
    analysed = [_analysed(rid, draft) for rid, draft in drafts.items() if draft.text]
    kept = {comment.response_id for comment in analysed}
    CommentAnalysis.objects.filter(response_id__in=response_ids).exclude(
        response_id__in=kept
    ).delete()
    if analysed:
        CommentAnalysis.objects.bulk_create(
            analysed,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["response"],
            update_fields=UPDATED_FIELDS,
        )
        _search_vectors_update(sorted(kept))
    return analysed


def affected_days(comments: Sequence[CommentAnalysis]) -> set[tuple[int, date]]:
    """The touchpoint-days whose sums these comments change."""
    return {(comment.touchpoint_id, comment.day) for comment in comments}
