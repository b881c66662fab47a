"""The comment browser: analysed comments (personal data masked) with themes and sentiment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from dashboards.pages.comment_forms import BrowseChoices
from dashboards.pages.filters import Filters
from dashboards.pages.scope import OrgScope
from dashboards.themes.models import CommentAnalysis
from dashboards.themes.selectors import CommentFilter, comment_search

PER_PAGE = 20
EXPORT_LIMIT = 50_000


@dataclass(frozen=True)
class BrowsedComment:
    response_id: int
    touchpoint: str
    submitted_at: datetime
    text: str
    language: str
    sentiment: float
    satisfaction: float | None
    nps: int | None
    clash: bool
    themes: tuple[str, ...]

    @property
    def sentiment_class(self) -> str:
        if self.sentiment <= -0.05:
            return "negative"
        return "positive" if self.sentiment >= 0.05 else "neutral"


@dataclass(frozen=True)
class CommentPage:
    comments: list[BrowsedComment]
    page: int
    has_next: bool


def touchpoint_ids(scope: OrgScope, filters: Filters) -> list[int]:
    """The touchpoints the page filters (touchpoint, phase, channel, department) leave."""
    return [
        t.id
        for t in scope.touchpoints
        if (filters.touchpoint_key is None or t.public_key == filters.touchpoint_key)
        and (filters.phase_id is None or t.phase_id == filters.phase_id)
        and (filters.channel is None or t.channel == filters.channel)
        and (filters.department_id is None or t.department_id == filters.department_id)
    ]


def _browsed(comment: CommentAnalysis, scope: OrgScope, names: dict[int, str]) -> BrowsedComment:
    tz = scope.organisation.tzinfo
    return BrowsedComment(
        response_id=comment.response_id,
        touchpoint=names.get(comment.touchpoint_id, ""),
        submitted_at=comment.submitted_at.astimezone(tz),
        text=comment.text,
        language=comment.language,
        sentiment=comment.sentiment,
        satisfaction=comment.satisfaction,
        nps=comment.nps,
        clash=comment.clash,
        themes=tuple(link.theme.display_name for link in comment.themes.all()),
    )


def comment_filter(scope: OrgScope, filters: Filters, choices: BrowseChoices) -> CommentFilter:
    """The selector's filter from the page filters and the browser's own choices."""
    return CommentFilter(
        start=filters.start,
        end=filters.end,
        query=choices.query,
        theme_id=choices.theme_id,
        touchpoint_ids=touchpoint_ids(scope, filters),
        score=choices.score,
        sentiment=choices.sentiment,
        clash_only=choices.clash_only,
    )


def comment_page(scope: OrgScope, chosen: CommentFilter, *, page: int) -> CommentPage:
    """One page of matching comments, newest first."""
    found = comment_search(organisation_id=scope.organisation.pk, filters=chosen)
    offset = (page - 1) * PER_PAGE
    rows = list(found[offset : offset + PER_PAGE + 1])
    names = {t.id: t.name for t in scope.touchpoints}
    return CommentPage(
        comments=[_browsed(c, scope, names) for c in rows[:PER_PAGE]],
        page=page,
        has_next=len(rows) > PER_PAGE,
    )


def comments_for_export(scope: OrgScope, chosen: CommentFilter) -> Iterator[BrowsedComment]:
    """Every matching comment (up to EXPORT_LIMIT), newest first, in chunks."""
    found = comment_search(organisation_id=scope.organisation.pk, filters=chosen)
    names = {t.id: t.name for t in scope.touchpoints}
    for comment in found[:EXPORT_LIMIT].iterator(chunk_size=2000):
        yield _browsed(comment, scope, names)
