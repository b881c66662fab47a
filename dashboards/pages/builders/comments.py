"""The comments section: a page of comments, newest first, read from answers."""

from dataclasses import dataclass
from datetime import date, datetime

from cxmonitor.days import utc_bounds
from dashboards.analytics.masking import mask_personal_data
from dashboards.pages.scope import OrgScope
from surveys import selectors as surveys_selectors

COMMENTS_PER_PAGE = 10


@dataclass(frozen=True)
class Comment:
    touchpoint: str
    submitted_at: datetime
    text: str
    nps: int | None
    language: str

    @property
    def nps_class(self) -> str | None:
        if self.nps is None:
            return None
        return "promoter" if self.nps >= 9 else ("passive" if self.nps >= 7 else "detractor")


@dataclass(frozen=True)
class CommentsView:
    comments: list[Comment]
    page: int
    has_next: bool


def comments_view(
    scope: OrgScope,
    *,
    touchpoint_ids: list[int],
    start: date,
    end: date,
    nps_class: str | None,
    page: int,
) -> CommentsView:
    """One page of comments, newest first, limited to the period."""
    lower, upper = utc_bounds(tz=scope.organisation.tzinfo, start=start, end=end)
    found = surveys_selectors.comment_list(
        touchpoint_ids=touchpoint_ids,
        submitted_from=lower,
        submitted_to=upper,
        nps_class=nps_class,
        offset=(page - 1) * COMMENTS_PER_PAGE,
        limit=COMMENTS_PER_PAGE + 1,
    )
    names = {t.id: t.name for t in scope.touchpoints}
    tz = scope.organisation.tzinfo
    comments = [
        Comment(
            touchpoint=names.get(row.touchpoint_id, ""),
            submitted_at=row.submitted_at.astimezone(tz),
            text=mask_personal_data(row.text),
            nps=row.nps,
            language=row.language,
        )
        for row in found[:COMMENTS_PER_PAGE]
    ]
    return CommentsView(comments, page, len(found) > COMMENTS_PER_PAGE)
