"""Reads for derived importance: the stored nightly result, and the raw input it is built from."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection

from dashboards.statistics.models import TouchpointImportance
from surveys.models import Answer, Item, Response
from touchpoints.models import Journey, Phase, Touchpoint


@dataclass(frozen=True)
class StoredImportance:
    """The stored derived importance of one touchpoint (see services.importance)."""

    touchpoint_id: int
    public_key: str
    name: str
    method: str
    n: int
    linked: int
    r: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    beta: float | None
    performance: float | None
    period_start: date
    period_end: date
    computed_at: datetime


@dataclass(frozen=True)
class LinkedCustomer:
    """A customer's mean satisfaction at one touchpoint and their mean NPS over all touchpoints."""

    touchpoint_id: int
    customer_key: str
    satisfaction: float
    nps: float


def importance_for(*, organisation_ids: list[int]) -> list[StoredImportance]:
    """The stored importance of the organisations' active touchpoints, in journey order."""
    rows = (
        TouchpointImportance.objects.filter(
            organisation_id__in=organisation_ids, touchpoint__is_active=True
        )
        .select_related("touchpoint")
        .order_by("touchpoint__phase__order", "touchpoint__name")
    )
    return [
        StoredImportance(
            touchpoint_id=row.touchpoint_id,
            public_key=row.touchpoint.public_key,
            name=row.touchpoint.name,
            method=row.method,
            n=row.n,
            linked=row.linked,
            r=row.r,
            ci=(row.r_low, row.r_high)
            if row.r_low is not None and row.r_high is not None
            else None,
            p_value=row.p_value,
            beta=row.beta,
            performance=row.performance,
            period_start=row.period_start,
            period_end=row.period_end,
            computed_at=row.computed_at,
        )
        for row in rows
    ]


def linked_satisfaction_nps(
    *, organisation_id: int, lower: datetime, upper: datetime
) -> list[LinkedCustomer]:
    """Per (touchpoint, customer key): mean satisfaction there and the customer's mean NPS.

    Scans raw answers, so it runs in the nightly importance refresh, never on a page view. One
    query over the raw answers submitted in [lower, upper) (UTC) for responses with a
    customer key; customers without an NPS answer in the period are left out. Scans raw answers:
    nightly work only.
    """
    answer = Answer._meta.db_table
    response = Response._meta.db_table
    item = Item._meta.db_table
    touchpoint = Touchpoint._meta.db_table
    phase = Phase._meta.db_table
    journey = Journey._meta.db_table
    sql = f"""
        WITH keyed AS (
            SELECT r.touchpoint_id AS tp, r.customer_key AS customer, i.kind AS kind,
                   a.satisfaction AS satisfaction, a.value AS value
            FROM {answer} a
            JOIN {response} r ON r.id = a.response_id
            JOIN {item} i ON i.id = a.item_id
            JOIN {touchpoint} t ON t.id = r.touchpoint_id
            JOIN {phase} p ON p.id = t.phase_id
            JOIN {journey} j ON j.id = p.journey_id
            WHERE j.organisation_id = %s
              AND r.submitted_at >= %s AND r.submitted_at < %s
              AND r.customer_key IS NOT NULL AND r.customer_key <> ''
              AND i.kind IN (%s, %s)
        ),
        satisfaction AS (
            SELECT tp, customer, AVG(satisfaction * 1.0) AS mean
            FROM keyed WHERE kind = %s AND satisfaction IS NOT NULL
            GROUP BY tp, customer
        ),
        loyalty AS (
            SELECT customer, AVG(value * 1.0) AS mean
            FROM keyed WHERE kind = %s AND value IS NOT NULL
            GROUP BY customer
        )
        SELECT s.tp, s.customer, s.mean, l.mean
        FROM satisfaction s JOIN loyalty l ON l.customer = s.customer
        ORDER BY s.tp, s.customer
    """
    params: list[Any] = [
        organisation_id,
        lower,
        upper,
        Item.Kind.PAIRED.value,
        Item.Kind.NPS.value,
        Item.Kind.PAIRED.value,
        Item.Kind.NPS.value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            LinkedCustomer(touchpoint_id=tp, customer_key=c, satisfaction=float(s), nps=float(n))
            for tp, c, s, n in cursor.fetchall()
        ]
