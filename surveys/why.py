"""The "why?" step: after a low score the customer is asked for the reason, in a second step.

The first step (the scores) is already stored when the question appears; the second step is
attached to the same response, found by its submission id, and stored at most once.
"""

import re
from collections.abc import Sequence

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status

from cxmonitor.errors import ApplicationError

from .models import Item, Response, Survey, WhyAnswer, WhyReason
from .services import COMMENT_MAX, AnswerInput

NPS_DETRACTOR_MAX = 6
# The second step must follow the first within this time; the token in its form says so.
WHY_TOKEN_MAX_AGE = 60 * 60
_WHY_SALT = "surveys.page.why"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def why_is_asked(*, survey: Survey, answers: Sequence[AnswerInput], kinds: dict[int, str]) -> bool:
    """Whether the survey's rule asks "why?" after these answers (kinds: item id -> kind)."""
    limit = survey.why_satisfaction_max
    for answer in answers:
        kind = kinds.get(int(answer.item_id))
        if (
            kind == Item.Kind.PAIRED
            and limit is not None
            and answer.satisfaction is not None
            and answer.satisfaction <= limit
        ):
            return True
        if (
            kind == Item.Kind.NPS
            and survey.why_on_detractor
            and answer.value is not None
            and answer.value <= NPS_DETRACTOR_MAX
        ):
            return True
    return False


def why_token_new(*, public_key: str, submission_id: str) -> str:
    """A signed ticket for the second step of one stored submission."""
    return signing.dumps([public_key, submission_id], salt=_WHY_SALT)


def why_token_valid(*, token: str, public_key: str, submission_id: str) -> bool:
    try:
        signed = signing.loads(token, salt=_WHY_SALT, max_age=WHY_TOKEN_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return False
    return bool(signed == [public_key, submission_id])


def _response_qualifies(response: Response) -> bool:
    answers = [
        AnswerInput(item_id=a.item_id, satisfaction=a.satisfaction, value=a.value)
        for a in response.answers.all()
    ]
    kinds = {a.item_id: a.item.kind for a in response.answers.all()}
    return why_is_asked(survey=response.survey, answers=answers, kinds=kinds)


@transaction.atomic
def why_answer_submit(
    *, touchpoint_id: int, submission_id: str, text: str, reason_keys: Sequence[str]
) -> WhyAnswer:
    """Attach the answer to "why?" to a stored response; a repeat returns the first answer."""
    response = (
        Response.objects.select_related("survey")
        .prefetch_related("answers__item")
        .filter(touchpoint_id=touchpoint_id, submission_id=submission_id)
        .first()
    )
    if response is None or not _response_qualifies(response):
        raise ApplicationError(
            _("There is no question to answer here."), status_code=status.HTTP_404_NOT_FOUND
        )
    existing = WhyAnswer.objects.filter(response=response).first()
    if existing is not None:
        return existing
    clean = text.strip()
    if len(clean) > COMMENT_MAX or _CONTROL_RE.search(clean):
        raise ApplicationError(
            _("The submission is invalid."),
            fields={"why_text": [_("Enter at most %(max)d characters.") % {"max": COMMENT_MAX}]},
        )
    reasons = list(WhyReason.objects.filter(survey_id=response.survey_id, key__in=reason_keys))
    if len(reasons) != len(set(reason_keys)):
        raise ApplicationError(
            _("The submission is invalid."), fields={"why_reasons": [_("Unknown reason.")]}
        )
    try:
        with transaction.atomic():
            answer = WhyAnswer.objects.create(response=response, text=clean)
            answer.reasons.set(reasons)
    except IntegrityError:
        # The same second step sent twice at once: the first one stored counts.
        return WhyAnswer.objects.get(response=response)
    return answer
