"""Item references in a submission: keys (stable across versions) and ids, mapped to one version.

API clients may name an item by its key ("waiting-time") or by its id. Ids of an earlier
version of the same touchpoint are mapped to the item with the same key in the version the
answer is validated against, so an integration written against version 1 keeps working when
version 2 goes live.
"""

import dataclasses
from typing import TYPE_CHECKING

from .models import Item
from .selectors import ActiveSurvey

if TYPE_CHECKING:
    from .services import AnswerInput, SubmissionInput


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _keys_of_other_versions(*, item_ids: set[int], touchpoint_id: int) -> dict[int, str]:
    """The keys of items of other versions of this touchpoint, by id. One query."""
    return dict(
        Item.objects.filter(pk__in=item_ids, survey__touchpoint_id=touchpoint_id).values_list(
            "pk", "key"
        )
    )


def item_references_resolve(
    *, submission: "SubmissionInput", survey: ActiveSurvey
) -> "SubmissionInput":
    """The submission with every answer's item named by an id of this survey version.

    What cannot be resolved is left as it was; validation then names the answer and the reason.
    """
    # Typed as a list, but the service validates whatever a caller passed: check, do not trust.
    answers: object = submission.answers
    if not isinstance(answers, list | tuple):
        return submission
    by_id = {item.id: item for item in survey.items}
    by_key = {item.key: item.id for item in survey.items}
    unknown_ids = {
        reference
        for a in answers
        if isinstance(reference := getattr(a, "item_id", None), int)
        and not isinstance(reference, bool)
        and reference not in by_id
    }
    old_keys = (
        _keys_of_other_versions(item_ids=unknown_ids, touchpoint_id=survey.touchpoint_id)
        if unknown_ids
        else {}
    )
    if not unknown_ids and not any(isinstance(getattr(a, "item_id", 0), str) for a in answers):
        return submission
    resolved: list[AnswerInput] = []
    for answer in answers:
        reference = getattr(answer, "item_id", None)
        target: int | None = None
        if isinstance(reference, str):
            target = by_key.get(reference)
        elif _is_int(reference) and reference not in by_id and reference in old_keys:
            target = by_key.get(old_keys[reference])
        resolved.append(
            dataclasses.replace(answer, item_id=target) if target is not None else answer
        )
    return dataclasses.replace(submission, answers=resolved)
