"""Capture: validate a submission against the active survey, store it once, schedule aggregation.

Every channel (survey page, embed, kiosk, QR, link, public API) goes through `response_submit`.
"""

import functools
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError
from rest_framework import status

from cxmonitor.aggregation_contract import AGGREGATE_TOUCHPOINT_DAY_TASK, aggregation_pending_key
from cxmonitor.celery import app as celery_app
from cxmonitor.days import day_in_time_zone
from cxmonitor.errors import ApplicationError
from touchpoints.models import Language
from touchpoints.selectors import touchpoint_get_public

from .models import Answer, Item, Response
from .privacy import customer_key_from_id
from .selectors import (
    ItemSpec,
    response_get_by_submission,
    response_list_for_customer,
    survey_active_for_key,
)
from .throttling import CacheBreaker, cache_breaker, redis_client

logger = logging.getLogger(__name__)

AGGREGATION_PENDING_TIMEOUT = 300
AGGREGATION_COUNTDOWN = 2
# After a failed publish, skip publishing for a few seconds (the sweep heals those days).
broker_breaker = CacheBreaker()

# Segment attributes a link, embed or API client may attach; anything else is refused.
SEGMENT_KEYS: frozenset[str] = frozenset({"region", "store", "campaign", "device", "source"})
SEGMENT_VALUE_MAX = 64
COMMENT_MAX = 2000
CONTACT_MAX = 200
CUSTOMER_ID_MAX = 200
MAX_ANSWERS = 100
NPS_MIN, NPS_MAX = 0, 10
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_AGE = timedelta(days=30)

SUBMISSION_ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
PUBLIC_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_CUSTOMER_KEY_RE = re.compile(r"[0-9a-f]{64}")
# Control characters other than tab and newlines have no place in customer text.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

VALUE_KINDS = (Item.Kind.NPS, Item.Kind.OVERALL, Item.Kind.EFFORT)


@dataclass(frozen=True)
class AnswerInput:
    item_id: int
    expectation: int | None = None
    satisfaction: int | None = None
    value: int | None = None
    text: str | None = None


@dataclass(frozen=True)
class SubmissionInput:
    public_key: str
    submission_id: str
    answers: list[AnswerInput]
    channel: str
    language: str
    customer_id: str | None = None
    # Already pseudonymised (from a signed customer-link token); used when customer_id is None.
    customer_key: str | None = None
    submitted_at: datetime | None = None
    segment: dict[str, str] = field(default_factory=dict)
    contact_consent: bool = False


@dataclass(frozen=True)
class SubmissionResult:
    response_id: int
    created: bool  # False: an idempotent repeat of an earlier submission


@dataclass(frozen=True)
class _Clean:
    """A validated submission, ready to write."""

    submitted_at: datetime
    customer_key: str | None
    segment: dict[str, str]
    answers: list[AnswerInput]


def _is_int(value: object) -> bool:
    # bool is a subclass of int; True must not count as a score of 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _text_problem(value: object, *, max_length: int) -> str | None:
    """Why a piece of customer text cannot be stored, or None."""
    if not isinstance(value, str):
        return _("Enter text.")
    if len(value) > max_length:
        return _("Enter at most %(max)d characters.") % {"max": max_length}
    if _CONTROL_RE.search(value):
        return _("Remove control characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _("The text is not valid Unicode.")
    return None


def _not_found() -> ApplicationError:
    # The same message whether the key exists elsewhere or not: no hint about other touchpoints.
    return ApplicationError(_("Unknown touchpoint."), status_code=status.HTTP_404_NOT_FOUND)


def _gone() -> ApplicationError:
    return ApplicationError(
        _("This survey is closed."),
        fields={"touchpoint": [_("This touchpoint does not accept answers at the moment.")]},
        status_code=status.HTTP_410_GONE,
    )


def _validate_score(
    errors: dict[str, list[str]], key: str, value: object, low: int, high: int
) -> None:
    if value is None:
        errors.setdefault(key, []).append(_("This field is required."))
    elif not isinstance(value, int) or isinstance(value, bool):
        errors.setdefault(key, []).append(_("Enter a whole number."))
    elif not low <= value <= high:
        errors.setdefault(key, []).append(
            _("Enter a number from %(min)d to %(max)d.") % {"min": low, "max": high}
        )


def _refuse_fields(
    errors: dict[str, list[str]], prefix: str, answer: AnswerInput, *names: str
) -> None:
    for name in names:
        if getattr(answer, name) is not None:
            errors.setdefault(f"{prefix}.{name}", []).append(
                _("This field does not belong to this kind of question.")
            )


def _validate_answers(
    errors: dict[str, list[str]],
    answers: object,
    items: Mapping[int, ItemSpec],
    scale: tuple[int, int],
    contact_consent: bool,
) -> list[AnswerInput]:
    """Check each answer against its item; returns the answers worth storing."""
    if not isinstance(answers, list | tuple) or not answers:
        errors.setdefault("answers", []).append(_("Give at least one answer."))
        return []
    if len(answers) > MAX_ANSWERS:
        errors.setdefault("answers", []).append(_("Too many answers."))
        return []
    keep: list[AnswerInput] = []
    seen: set[int] = set()
    for index, answer in enumerate(answers):
        prefix = f"answers[{index}]"
        if not isinstance(answer, AnswerInput) or not _is_int(answer.item_id):
            errors.setdefault(f"{prefix}.item", []).append(_("Enter a valid question id."))
            continue
        item = items.get(answer.item_id)
        if item is None:
            errors.setdefault(f"{prefix}.item", []).append(
                _("This question does not belong to the survey.")
            )
            continue
        if answer.item_id in seen:
            errors.setdefault(f"{prefix}.item", []).append(_("This question is answered twice."))
            continue
        seen.add(answer.item_id)
        before = len(errors)
        if item.kind == Item.Kind.PAIRED:
            _refuse_fields(errors, prefix, answer, "value", "text")
            _validate_score(errors, f"{prefix}.expectation", answer.expectation, *scale)
            _validate_score(errors, f"{prefix}.satisfaction", answer.satisfaction, *scale)
        elif item.kind in VALUE_KINDS:
            _refuse_fields(errors, prefix, answer, "expectation", "satisfaction", "text")
            low, high = (NPS_MIN, NPS_MAX) if item.kind == Item.Kind.NPS else scale
            _validate_score(errors, f"{prefix}.value", answer.value, low, high)
        else:
            _refuse_fields(errors, prefix, answer, "expectation", "satisfaction", "value")
            limit = COMMENT_MAX if item.kind == Item.Kind.COMMENT else CONTACT_MAX
            problem = _text_problem(answer.text, max_length=limit)
            if problem:
                errors.setdefault(f"{prefix}.text", []).append(problem)
            elif not (answer.text or "").strip():
                # An empty text box is no answer; a required one is reported below as missing.
                seen.discard(answer.item_id)
                continue
            elif item.kind == Item.Kind.CONTACT and not contact_consent:
                errors.setdefault(f"{prefix}.text", []).append(
                    _("Contact details are accepted only with consent to be contacted.")
                )
        if len(errors) == before:
            keep.append(answer)
    for item in items.values():
        if item.required and item.id not in seen:
            errors.setdefault(f"item.{item.id}", []).append(_("This question needs an answer."))
    return keep


def _validate_segment(errors: dict[str, list[str]], segment: object) -> dict[str, str]:
    if segment is None:
        return {}
    if not isinstance(segment, Mapping):
        errors.setdefault("segment", []).append(_("Enter an object of attributes."))
        return {}
    clean: dict[str, str] = {}
    for key, value in segment.items():
        if key not in SEGMENT_KEYS:
            errors.setdefault("segment", []).append(
                _("Unknown segment attribute. Allowed: %(keys)s.")
                % {"keys": ", ".join(sorted(SEGMENT_KEYS))}
            )
            continue
        problem = _text_problem(value, max_length=SEGMENT_VALUE_MAX)
        if problem is None and not value.strip():
            problem = _("This field may not be blank.")
        if problem:
            errors.setdefault(f"segment.{key}", []).append(problem)
        else:
            clean[key] = value.strip()
    return clean


def _validate_submitted_at(errors: dict[str, list[str]], value: object) -> datetime:
    now = timezone.now()
    if value is None:
        return now
    if not isinstance(value, datetime):
        errors.setdefault("submitted_at", []).append(_("Enter a date and time."))
        return now
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    if value > now + FUTURE_TOLERANCE:
        errors.setdefault("submitted_at", []).append(_("The time lies in the future."))
    elif value < now - MAX_AGE:
        errors.setdefault("submitted_at", []).append(
            _("The time lies more than 30 days in the past.")
        )
    return value


def _validate_customer_id(errors: dict[str, list[str]], value: object) -> str | None:
    if value is None:
        return None
    problem = _text_problem(value, max_length=CUSTOMER_ID_MAX)
    if problem or not isinstance(value, str):
        errors.setdefault("customer_id", []).append(problem or _("Enter text."))
        return None
    stripped = value.strip()
    # The raw id goes no further than this line: only its keyed hash is kept.
    return customer_key_from_id(stripped) if stripped else None


def _validated_customer_key(errors: dict[str, list[str]], value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _CUSTOMER_KEY_RE.fullmatch(value):
        errors.setdefault("customer_key", []).append(_("Enter a valid customer key."))
        return None
    return value


def _validate_contact_consent(errors: dict[str, list[str]], value: object) -> bool:
    """The consent flag; anything but a boolean is an error."""
    if not isinstance(value, bool):
        errors["contact_consent"] = [_("Enter true or false.")]
        return False
    return value


def _validate(
    submission: SubmissionInput, items: Mapping[int, ItemSpec], scale: tuple[int, int]
) -> _Clean:
    errors: dict[str, list[str]] = {}
    if submission.language not in Language.values:
        errors["language"] = [_("Choose one of: %(choices)s.") % {"choices": "de, en"}]
    if submission.channel not in Response.Channel.values:
        errors["channel"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Response.Channel.values)}
        ]
    contact_consent = _validate_contact_consent(errors, submission.contact_consent)
    answers = _validate_answers(errors, submission.answers, items, scale, contact_consent)
    segment = _validate_segment(errors, submission.segment)
    submitted_at = _validate_submitted_at(errors, submission.submitted_at)
    customer_key = _validate_customer_id(errors, submission.customer_id)
    if customer_key is None and submission.customer_id is None:
        customer_key = _validated_customer_key(errors, submission.customer_key)
    if errors:
        raise ApplicationError(_("The submission is invalid."), fields=errors)
    return _Clean(
        submitted_at=submitted_at, customer_key=customer_key, segment=segment, answers=answers
    )


def _repeat_or(
    error: ApplicationError, *, touchpoint_id: int, submission_id: str
) -> SubmissionResult:
    """The first result when this submission id was stored before; else raise the error."""
    existing = response_get_by_submission(touchpoint_id=touchpoint_id, submission_id=submission_id)
    if existing is None:
        raise error
    return SubmissionResult(response_id=existing.pk, created=False)


def response_submit(*, submission: SubmissionInput) -> SubmissionResult:
    """Validate a submission against the touchpoint's active survey and store it exactly once.

    A repeat of a stored submission id returns the first result and writes nothing, even when its
    payload differs (the first answer counts; the client is retrying, not correcting).
    """
    public_key = submission.public_key
    if not isinstance(public_key, str) or not PUBLIC_KEY_RE.fullmatch(public_key):
        raise _not_found()
    submission_id = submission.submission_id
    if not isinstance(submission_id, str) or not SUBMISSION_ID_RE.fullmatch(submission_id):
        raise ApplicationError(
            _("The submission is invalid."),
            fields={"submission_id": [_("Enter 1 to 64 characters: letters, digits and _ . : -")]},
        )

    active = survey_active_for_key(public_key=public_key)
    if active is None:
        touchpoint = touchpoint_get_public(public_key=public_key)
        if touchpoint is None:
            raise _not_found()
        # Inactive, no active survey, or an active survey without questions: nothing to answer.
        return _repeat_or(_gone(), touchpoint_id=touchpoint.pk, submission_id=submission_id)

    touchpoint_id = active.touchpoint_id
    try:
        clean = _validate(
            submission,
            {item.id: item for item in active.items},
            (active.scale_min, active.scale_max),
        )
    except ApplicationError as error:
        # A retry must get its first result even if the survey changed in between.
        return _repeat_or(error, touchpoint_id=touchpoint_id, submission_id=submission_id)

    day = day_in_time_zone(moment=clean.submitted_at, time_zone=active.time_zone)
    try:
        # Outside a transaction this block is the whole transaction (no savepoint round trips);
        # inside one it is a savepoint, so a duplicate key leaves the caller's transaction usable.
        with transaction.atomic():
            response = Response.objects.create(
                touchpoint_id=touchpoint_id,
                survey_id=active.survey_id,
                submitted_at=clean.submitted_at,
                channel=submission.channel,
                language=submission.language,
                customer_key=clean.customer_key,
                submission_id=submission_id,
                segment=clean.segment,
                contact_consent=submission.contact_consent,
            )
            Answer.objects.bulk_create(
                Answer(
                    response=response,
                    item_id=answer.item_id,
                    expectation=answer.expectation,
                    satisfaction=answer.satisfaction,
                    value=answer.value,
                    text=(answer.text or "").strip(),
                )
                for answer in clean.answers
            )
            transaction.on_commit(
                lambda: aggregation_schedule(touchpoint_id=touchpoint_id, day=day)
            )
    except IntegrityError:
        # Two requests with the same id at the same moment: the unique constraint let one win.
        return _repeat_or(
            ApplicationError(
                _("The survey changed while you answered. Please try again."),
                status_code=status.HTTP_409_CONFLICT,
            ),
            touchpoint_id=touchpoint_id,
            submission_id=submission_id,
        )
    return SubmissionResult(response_id=response.pk, created=True)


def _pending_add(key: str) -> bool:
    """cache.add(key, 1, timeout=300), on Redis without building a new client per call."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        return bool(redis_client(backend).set(full_key, 1, ex=AGGREGATION_PENDING_TIMEOUT, nx=True))
    return cache.add(key, 1, timeout=AGGREGATION_PENDING_TIMEOUT)


def aggregation_schedule(*, touchpoint_id: int, day: date) -> None:
    """Ask the aggregation task to recompute a touchpoint-day; coalesced, never raises.

    The response is already stored: if the cache or the broker fails, the periodic sweep heals.
    """
    key = aggregation_pending_key(touchpoint_id=touchpoint_id, day=day)
    if not cache_breaker.available() or not broker_breaker.available():
        return  # Redis failed moments ago: do not make another customer wait for it
    try:
        if not _pending_add(key):
            return  # a recomputation of this day is already queued
    except Exception:
        cache_breaker.failed()
        logger.warning("aggregation not scheduled: cache unavailable", exc_info=True)
        return
    try:
        if celery_app.conf.task_always_eager:
            _import_task_modules()
        celery_app.signature(
            AGGREGATE_TOUCHPOINT_DAY_TASK,
            kwargs={"touchpoint_id": touchpoint_id, "day": day.isoformat()},
        ).apply_async(countdown=AGGREGATION_COUNTDOWN)
    except (KombuOperationalError, OSError):
        broker_breaker.failed()
        logger.warning("aggregation not scheduled: broker unavailable", exc_info=True)
        _pending_clear(key)
    except Exception:
        # Eager mode runs the task in-process: its failure must not fail the stored answer.
        logger.exception("aggregation task failed")
        _pending_clear(key)


@functools.cache
def _import_task_modules() -> None:
    """Import the apps' task modules once, so eager mode (no Redis) runs the task by its name.

    Celery autodiscovers them only when a worker starts; in the embedded mode the web process
    is the worker, and an unknown name would silently go to the in-memory broker instead.
    """
    celery_app.loader.import_default_modules()


def _pending_clear(key: str) -> None:
    """Let the next response schedule again instead of waiting for the marker to expire."""
    try:
        cache.delete(key)
    except Exception:
        logger.debug("could not clear the pending marker", exc_info=True)


@transaction.atomic
def responses_delete_for_customer(*, customer_key: str) -> list[tuple[int, date]]:
    """Delete one customer's responses and answers; returns the touchpoint-days to recompute."""
    responses = list(response_list_for_customer(customer_key=customer_key))
    days = sorted(
        {
            (
                r.touchpoint_id,
                day_in_time_zone(
                    moment=r.submitted_at,
                    time_zone=r.touchpoint.phase.journey.organisation.time_zone,
                ),
            )
            for r in responses
        }
    )
    ids = [r.pk for r in responses]
    Answer.objects.filter(response_id__in=ids).delete()
    Response.objects.filter(pk__in=ids).delete()
    return days
