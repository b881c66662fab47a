"""From stored responses to assigned themes and daily sums: after capture, and in bulk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from django.db import transaction

from cxmonitor.days import utc_bounds
from dashboards.themes.models import CommentAnalysis
from surveys.models import Answer, Item
from touchpoints.models import Touchpoint

from .analysis import affected_days, comments_analyse
from .assignment import comment_days_recompute, comment_days_recompute_organisation, comments_assign

BATCH = 2000


@transaction.atomic
def response_comment_process(*, response_id: int) -> bool:
    """Analyse one response's comment, assign its themes, update its day's sums (by hand).

    Returns False when the response has no comment (or is gone): nothing to do, safe to repeat.
    """
    before = list(
        CommentAnalysis.objects.filter(response_id=response_id).values_list("touchpoint_id", "day")
    )
    analysed = comments_analyse(response_ids=[response_id])
    days = affected_days(analysed) | set(before)
    for comment in analysed:
        comments_assign(organisation_id=comment.organisation_id, response_ids=[response_id])
    if days:
        comment_days_recompute(touchpoint_days=days)
    return bool(analysed)


@transaction.atomic
def touchpoint_day_comments_process(*, touchpoint_id: int, day: date) -> int:
    """Analyse the comments of a touchpoint-day that are not analysed yet; themes, day's sums.

    Runs after the day's aggregation (one task per burst of answers); returns how many comments
    it analysed. Safe to repeat: analysed comments are skipped.
    """
    touchpoint = (
        Touchpoint.objects.select_related("phase__journey__organisation")
        .filter(pk=touchpoint_id)
        .first()
    )
    if touchpoint is None:
        return 0
    organisation = touchpoint.phase.journey.organisation
    lower, upper = utc_bounds(tz=organisation.tzinfo, start=day, end=day)
    ids = list(
        Answer.objects.filter(
            item__kind=Item.Kind.COMMENT,
            response__touchpoint_id=touchpoint_id,
            response__submitted_at__gte=lower,
            response__submitted_at__lt=upper,
            response__comment_analysis__isnull=True,
        )
        .exclude(text="")
        .values_list("response_id", flat=True)
    )
    if not ids:
        return 0
    analysed = comments_analyse(response_ids=ids)
    comments_assign(organisation_id=organisation.pk, response_ids=ids)
    comment_days_recompute(touchpoint_days=affected_days(analysed))
    return len(analysed)


def commented_response_ids(
    *, organisation_id: int | None = None, only_new: bool = False
) -> list[int]:
    """Ids of the responses that carry a non-empty comment (only_new: not analysed yet)."""
    answers = Answer.objects.filter(item__kind=Item.Kind.COMMENT).exclude(text="")
    if only_new:
        answers = answers.filter(response__comment_analysis__isnull=True)
    if organisation_id is not None:
        answers = answers.filter(
            response__touchpoint__phase__journey__organisation_id=organisation_id
        )
    return list(answers.order_by("response_id").values_list("response_id", flat=True))


def comments_backfill(
    *,
    organisation_id: int,
    response_ids: Sequence[int],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Analyse these responses' comments in batches, then assign all and recompute the sums."""
    done = 0
    for start in range(0, len(response_ids), BATCH):
        chunk = response_ids[start : start + BATCH]
        done += len(comments_analyse(response_ids=chunk))
        if progress is not None:
            progress(len(chunk))
    comments_assign(organisation_id=organisation_id)
    comment_days_recompute_organisation(organisation_id=organisation_id)
    return done
