"""From stored responses to assigned themes and daily sums: after capture, and in bulk."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import transaction

from dashboards.themes.models import CommentAnalysis
from surveys.models import Answer, Item

from .analysis import affected_days, comments_analyse
from .assignment import comment_days_recompute, comment_days_recompute_organisation, comments_assign

BATCH = 2000


@transaction.atomic
def response_comment_process(*, response_id: int) -> bool:
    """Analyse one response's comment, assign its themes, update its day's sums.

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


def commented_response_ids(*, organisation_id: int | None = None) -> list[int]:
    """Ids of the responses that carry a non-empty comment, oldest first."""
    answers = Answer.objects.filter(item__kind=Item.Kind.COMMENT).exclude(text="")
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
