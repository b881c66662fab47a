"""The "why?" step: after a low score the customer is asked for the reason, in a second step.

The first step (the scores) is already stored when the question appears; the second step is
attached to the same response, found by its submission id, and stored at most once.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
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
