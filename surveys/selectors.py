"""Reads for capture: the active survey of a touchpoint, a customer's responses, local days."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate

from touchpoints.models import Journey, Organisation, Phase, Touchpoint

from .models import Answer, Item, Response, Survey


def item_list_active_for_key(*, public_key: str) -> list[Item]:
    """Items of the active survey of an active touchpoint, with survey, touchpoint and organisation.

    For rendering the survey; an empty list means "not found, inactive or no active survey".
    """
    return list(
        Item.objects.select_related("survey__touchpoint__phase__journey__organisation")
        .filter(
            survey__touchpoint__public_key=public_key,
            survey__touchpoint__is_active=True,
            survey__is_active=True,
        )
        .order_by("order", "id")
    )


@dataclass(frozen=True)
class ItemSpec:
    id: int
    kind: str
    required: bool


@dataclass(frozen=True)
class ActiveSurvey:
    """What capture needs to validate and store an answer, read in one query."""

    touchpoint_id: int
    survey_id: int
    scale_min: int
    scale_max: int
    time_zone: str
    items: tuple[ItemSpec, ...]


def _active_survey_sql() -> str:
    # Written out once: building and compiling the equivalent six-table ORM query cost more CPU
    # than everything else on the capture path together.
    q = connection.ops.quote_name
    item, survey = Item._meta.db_table, Survey._meta.db_table
    touchpoint, phase = Touchpoint._meta.db_table, Phase._meta.db_table
    journey, organisation = Journey._meta.db_table, Organisation._meta.db_table
    return (
        f"SELECT i.id, i.kind, i.required, s.id, s.scale_min, s.scale_max, t.id, o.time_zone "
        f"FROM {q(item)} i "
        f"JOIN {q(survey)} s ON s.id = i.survey_id "
        f"JOIN {q(touchpoint)} t ON t.id = s.touchpoint_id "
        f"JOIN {q(phase)} p ON p.id = t.phase_id "
        f"JOIN {q(journey)} j ON j.id = p.journey_id "
        f"JOIN {q(organisation)} o ON o.id = j.organisation_id "
        f"WHERE t.public_key = %s AND t.is_active = %s AND s.is_active = %s "
        f"ORDER BY i.{q('order')}, i.id"
    )


def survey_active_for_key(*, public_key: str) -> ActiveSurvey | None:
    """The active survey of an active touchpoint with its items, or None.

    One query on the hot capture path; None means "unknown, inactive or no active survey (or one
    without questions)" and the caller tells those apart with a second, rare query.
    """
    with connection.cursor() as cursor:
        cursor.execute(_active_survey_sql(), [public_key, True, True])
        rows = cursor.fetchall()
    if not rows:
        return None
    _, _, _, survey_id, scale_min, scale_max, touchpoint_id, time_zone = rows[0]
    return ActiveSurvey(
        touchpoint_id=touchpoint_id,
        survey_id=survey_id,
        scale_min=scale_min,
        scale_max=scale_max,
        time_zone=time_zone,
        items=tuple(ItemSpec(id=r[0], kind=r[1], required=bool(r[2])) for r in rows),
    )


def response_get_by_submission(*, touchpoint_id: int, submission_id: str) -> Response | None:
    """The response stored under an idempotency key, or None."""
    return Response.objects.filter(touchpoint_id=touchpoint_id, submission_id=submission_id).first()


def response_list_for_customer(*, customer_key: str) -> QuerySet[Response]:
    """Every response linked to one pseudonymous customer key, answers prefetched, oldest first."""
    return (
        Response.objects.filter(customer_key=customer_key)
        .select_related("touchpoint__phase__journey__organisation", "survey")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("item")))
        .order_by("submitted_at", "id")
    )


def origin_allowed_anywhere(*, origin: str) -> bool:
    """True when the origin is listed by any active touchpoint that has an active survey.

    Used for CORS preflights, which do not say which touchpoint the request will be for.
    """
    wanted = origin.strip().lower()
    if not wanted:
        return False
    rows = (
        Survey.objects.filter(is_active=True, touchpoint__is_active=True)
        .exclude(touchpoint__allowed_origins="")
        .values_list("touchpoint__allowed_origins", flat=True)
    )
    return any(
        line.strip().lower() == wanted for text in rows for line in text.splitlines() if line
    )


# Used by the dashboards' follow-up queue (detractors who consented to be contacted).
def response_list_consented(
    *, submitted_from: datetime, submitted_to: datetime
) -> QuerySet[Response]:
    """Responses with consent to be contacted, submitted in [from, to), answers prefetched."""
    return (
        Response.objects.filter(
            contact_consent=True,
            submitted_at__gte=submitted_from,
            submitted_at__lt=submitted_to,
        )
        .select_related("touchpoint__department", "touchpoint__phase__journey__organisation")
        .prefetch_related(Prefetch("answers", queryset=Answer.objects.select_related("item")))
        .order_by("submitted_at", "id")
    )


# --- Dashboards: comments and segment sums ------------------------------------------------
# The analysis page's two reads of raw answers (everything else there reads daily statistics):
# a paginated comment list and one bounded GROUP BY per period, which the page caches.

NPS_CLASSES = {"detractor": (0, 6), "passive": (7, 8), "promoter": (9, 10)}


@dataclass(frozen=True)
class CommentRow:
    """One free-text comment with its response's NPS answer (None if not given)."""

    response_id: int
    submitted_at: datetime
    touchpoint_id: int
    text: str
    nps: int | None
    language: str
    channel: str


def comment_list(
    *,
    touchpoint_ids: list[int],
    submitted_from: datetime,
    submitted_to: datetime,
    nps_class: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> list[CommentRow]:
    """Non-empty comments at the touchpoints submitted in [from, to), newest first. One query.

    Driven by the responses' time index: the newest responses are walked backwards and each is
    checked for a comment (and its NPS class) by its own answers, so a page costs the same
    however many answers lie further back.
    """
    own = Answer.objects.filter(response_id=OuterRef("pk"))
    comment = own.filter(item__kind=Item.Kind.COMMENT).exclude(text="")
    nps = own.filter(item__kind=Item.Kind.NPS, value__isnull=False)
    responses = Response.objects.filter(
        touchpoint_id__in=touchpoint_ids,
        submitted_at__gte=submitted_from,
        submitted_at__lt=submitted_to,
    ).filter(Exists(comment))
    if nps_class is not None:
        low, high = NPS_CLASSES[nps_class]
        responses = responses.filter(Exists(nps.filter(value__gte=low, value__lte=high)))
    rows = (
        responses.annotate(
            comment_text=Subquery(comment.values("text")[:1]),
            nps_value=Subquery(nps.values("value")[:1]),
        )
        .order_by("-submitted_at", "-id")
        .values_list(
            "id",
            "submitted_at",
            "touchpoint_id",
            "comment_text",
            "nps_value",
            "language",
            "channel",
        )[offset : offset + limit]
    )
    return [CommentRow(*row) for row in rows]


@dataclass(frozen=True)
class SegmentSums:
    """Sums of one item kind's answers for one response channel x language.

    Paired answers fill n and the e/s/gap sums (top-two-box on each survey's own scale); NPS
    answers fill n and the value sums with the promoter classes. Field names match the
    dashboards' PairedSums and ValueSums.
    """

    channel: str
    language: str
    kind: str
    responses: int
    n: int
    sum_e: int
    sum_s: int
    sumsq_e: int
    sumsq_s: int
    sum_es: int
    sum_gap: int
    sumsq_gap: int
    top2_e: int
    top2_s: int
    sum_v: int
    sumsq_v: int
    top2_v: int
    promoters: int
    passives: int
    detractors: int


def segment_sums(
    *, touchpoint_ids: list[int], submitted_from: datetime, submitted_to: datetime
) -> list[SegmentSums]:
    """Sums per response channel x language x item kind (paired, NPS) in [from, to). One query.

    Scans the period's answers (one GROUP BY, a handful of result rows); callers cache it.
    """
    e, s, v = F("expectation"), F("satisfaction"), F("value")
    top = F("item__survey__scale_max") - 1
    rows = (
        Answer.objects.filter(
            response__touchpoint_id__in=touchpoint_ids,
            response__submitted_at__gte=submitted_from,
            response__submitted_at__lt=submitted_to,
        )
        .filter(
            Q(item__kind=Item.Kind.PAIRED, expectation__isnull=False, satisfaction__isnull=False)
            | Q(item__kind=Item.Kind.NPS, value__isnull=False)
        )
        .values("response__channel", "response__language", "item__kind")
        .annotate(
            responses=Count("response_id", distinct=True),
            n=Count("id"),
            sum_e=Sum(e),
            sum_s=Sum(s),
            sumsq_e=Sum(e * e),
            sumsq_s=Sum(s * s),
            sum_es=Sum(e * s),
            sum_gap=Sum(s - e),
            sumsq_gap=Sum((s - e) * (s - e)),
            top2_e=Count("id", filter=Q(expectation__gte=top)),
            top2_s=Count("id", filter=Q(satisfaction__gte=top)),
            sum_v=Sum(v),
            sumsq_v=Sum(v * v),
            top2_v=Count("id", filter=Q(value__gte=9)),
            promoters=Count("id", filter=Q(value__gte=9)),
            passives=Count("id", filter=Q(value__gte=7, value__lte=8)),
            detractors=Count("id", filter=Q(value__lte=6)),
        )
        .order_by("response__channel", "response__language", "item__kind")
    )
    return [
        SegmentSums(
            channel=row.pop("response__channel"),
            language=row.pop("response__language"),
            kind=row.pop("item__kind"),
            **{key: int(value or 0) for key, value in row.items()},
        )
        for row in rows
    ]


def touchpoint_days_received_since(*, since: datetime) -> dict[int, dict[date, set[int]]]:
    """Touchpoints per local day of the responses received since `since`, per organisation.

    {organisation id: {day in its time zone: {touchpoint ids}}}; an answer sent late (submitted
    up to 30 days back) is found by when it arrived, not by the day it belongs to.
    """
    recent = Response.objects.filter(received_at__gte=since)
    zones = recent.values_list(
        "touchpoint__phase__journey__organisation_id",
        "touchpoint__phase__journey__organisation__time_zone",
    ).distinct()
    found: dict[int, dict[date, set[int]]] = {}
    for organisation_id, time_zone in zones:
        rows = (
            recent.filter(touchpoint__phase__journey__organisation_id=organisation_id)
            .annotate(day=TruncDate("submitted_at", tzinfo=zoneinfo.ZoneInfo(time_zone)))
            .values_list("day", "touchpoint_id")
            .distinct()
            .order_by()
        )
        days = found.setdefault(organisation_id, {})
        for day, touchpoint_id in rows:
            days.setdefault(day, set()).add(touchpoint_id)
    return found
