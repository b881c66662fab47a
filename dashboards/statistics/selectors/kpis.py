"""Reads for dashboards and the KPI API: sums of daily statistics, never raw answers.

Every function here issues a fixed, small number of queries whatever the number of touchpoints
and days: the database sums the daily rows per touchpoint x item, Python only builds dataclasses.
Long periods read single days only at their ends and aligned blocks of days in between.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Max, Model, Q, QuerySet, Sum
from django.utils import timezone

from dashboards.analytics import PairedSums, ValueSums
from dashboards.statistics.block_calendar import PeriodUnits, period_units
from dashboards.statistics.models import (
    DailyStat,
    StatBlock,
    TouchpointBlock,
    TouchpointDay,
    WorkerHeartbeat,
)
from surveys.models import Item
from touchpoints.models import Touchpoint

PAIRED_COLUMNS = tuple(f for f in PairedSums.__dataclass_fields__ if f != "n")
VALUE_COLUMNS = tuple(f for f in ValueSums.__dataclass_fields__ if f != "n")
VALUE_KINDS = (Item.Kind.NPS, Item.Kind.OVERALL, Item.Kind.EFFORT)
SUM_COLUMNS = ("n", *PAIRED_COLUMNS, *VALUE_COLUMNS)


@dataclass(frozen=True)
class ItemPeriod:
    """One item's sums over a period: paired items fill `paired`, value items `value`."""

    item_id: int
    label_de: str
    label_en: str
    kind: str
    paired: PairedSums | None
    value: ValueSums | None


@dataclass(frozen=True)
class TouchpointPeriod:
    """One touchpoint's sums over a period; `paired` pools its paired items, `nps` its NPS items."""

    touchpoint_id: int
    public_key: str
    name: str
    phase_id: int
    phase_order: int
    phase_name_de: str
    phase_name_en: str
    channel: str
    department_id: int
    department_name: str
    responses: int
    paired: PairedSums
    nps: ValueSums
    items: list[ItemPeriod]

    def phase_name_in(self, language: str) -> str:
        return self.phase_name_de if language == "de" else self.phase_name_en


@dataclass(frozen=True)
class DaySums:
    """One touchpoint-day: responses, pooled paired sums and NPS sums (zeros without data)."""

    day: date
    responses: int
    paired: PairedSums
    nps: ValueSums


def _sum_columns() -> dict[str, Sum]:
    return {column: Sum(column) for column in SUM_COLUMNS}


def _paired(row: dict[str, Any]) -> PairedSums:
    return PairedSums(n=int(row["n"]), **{c: int(row[c]) for c in PAIRED_COLUMNS})


def _value(row: dict[str, Any]) -> ValueSums:
    return ValueSums(n=int(row["n"]), **{c: int(row[c]) for c in VALUE_COLUMNS})


def _expand(runs: list[tuple[date, date]], step: int) -> list[date]:
    return [
        first + timedelta(days=offset)
        for first, last in runs
        for offset in range(0, (last - first).days + 1, step)
    ]


def _accumulate(
    totals: dict[int, list[int]], key: int, row: dict[str, int], columns: tuple[str, ...]
) -> None:
    current = totals.setdefault(key, [0] * len(columns))
    for index, column in enumerate(columns):
        current[index] += row[column]


def _period_sums(
    days: type[Model],
    blocks: type[Model],
    keys: tuple[str, ...],
    columns: tuple[str, ...],
    touchpoint_ids: list[int],
    units: PeriodUnits,
    item_ids: list[int] | None,
) -> dict[tuple[int, ...], tuple[int, ...]]:
    """Sums per key over the period's single days and whole blocks, in one query.

    Returns {key values: column sums}. The database adds the day rows and block rows (UNION ALL,
    then one GROUP BY), so only one row per key travels to Python.
    """
    parts: list[QuerySet[Any, Any]] = []
    # Explicit lists of days and block starts (a few dozen at most) let the (day, touchpoint)
    # and (start, touchpoint) indexes find exactly the rows needed.
    if units.days:
        parts.append(days._default_manager.filter(day__in=_expand(units.days, 1)))
    if units.blocks:
        block_filter, starts = Q(), set()
        for size, runs in units.blocks.items():
            block_starts = _expand(runs, size)
            block_filter |= Q(size=size, start__in=block_starts)
            starts.update(block_starts)
        parts.append(blocks._default_manager.filter(block_filter, start__in=sorted(starts)))
    selects: list[str] = []
    params: list[Any] = []
    for part in parts:
        part = part.filter(touchpoint_id__in=touchpoint_ids)
        if item_ids is not None:
            part = part.filter(item_id__in=item_ids)
        sql, part_params = part.values_list(*keys, *columns).order_by().query.sql_with_params()
        selects.append(sql)
        params.extend(part_params)
    if not selects:
        return {}
    # Day and block tables name their key and sum columns alike, so the union lines up.
    quote = connection.ops.quote_name
    key_names = ", ".join(quote(k) for k in keys)
    totals = ", ".join(f"CAST(SUM({quote(c)}) AS BIGINT)" for c in columns)
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) AS p{i}" for i, sql in enumerate(selects))
    query = f"SELECT {key_names}, {totals} FROM ({union}) AS u GROUP BY {key_names}"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {tuple(row[: len(keys)]): tuple(row[len(keys) :]) for row in cursor.fetchall()}


def kpi_rollup(
    *,
    organisation_ids: list[int],
    start: date,
    end: date,
    touchpoint_keys: list[str] | None = None,
    phase_ids: list[int] | None = None,
    item_ids: list[int] | None = None,
    channel: str | None = None,
    department_ids: list[int] | None = None,
) -> list[TouchpointPeriod]:
    """Sums per active touchpoint (and item) of the organisations over start..end (inclusive).

    Every matching active touchpoint appears, with zeros when it has no data. Four queries,
    reading single days only at the period's ends and aligned blocks of days in between.
    """
    touchpoints = Touchpoint.objects.filter(
        phase__journey__organisation_id__in=organisation_ids, is_active=True
    )
    if touchpoint_keys is not None:
        touchpoints = touchpoints.filter(public_key__in=touchpoint_keys)
    if phase_ids is not None:
        touchpoints = touchpoints.filter(phase_id__in=phase_ids)
    if channel is not None:
        touchpoints = touchpoints.filter(channel=channel)
    if department_ids is not None:
        touchpoints = touchpoints.filter(department_id__in=department_ids)
    listed = list(
        touchpoints.select_related("phase", "department").order_by(
            "phase__journey__organisation__name", "phase__journey_id", "phase__order", "name"
        )
    )
    ids = [tp.pk for tp in listed]
    if not ids:
        return []
    units = period_units(start, end)
    sums = _period_sums(
        DailyStat, StatBlock, ("touchpoint_id", "item_id"), SUM_COLUMNS, ids, units, item_ids
    )
    described = {
        row["pk"]: row
        for row in Item.objects.filter(pk__in={item for _, item in sums}).values(
            "pk", "label_de", "label_en", "kind", "survey__version", "order"
        )
    }
    ordered = sorted(
        sums,
        key=lambda key: (
            key[0],
            described[key[1]]["survey__version"],
            described[key[1]]["order"],
            key[1],
        ),
    )
    items: dict[int, list[ItemPeriod]] = defaultdict(list)
    # Pooled per touchpoint as plain column lists; dataclasses are built once at the end.
    paired_totals: dict[int, list[int]] = {}
    nps_totals: dict[int, list[int]] = {}
    for tp, item_id in ordered:
        row, item = dict(zip(SUM_COLUMNS, sums[(tp, item_id)], strict=True)), described[item_id]
        kind = item["kind"]
        item_paired = _paired(row) if kind == Item.Kind.PAIRED else None
        item_value = _value(row) if kind in VALUE_KINDS else None
        if kind == Item.Kind.PAIRED:
            _accumulate(paired_totals, tp, row, ("n", *PAIRED_COLUMNS))
        elif kind == Item.Kind.NPS:
            _accumulate(nps_totals, tp, row, ("n", *VALUE_COLUMNS))
        items[tp].append(
            ItemPeriod(
                item_id=item_id,
                label_de=item["label_de"],
                label_en=item["label_en"],
                kind=kind,
                paired=item_paired,
                value=item_value,
            )
        )
    paired = {tp: PairedSums(*values) for tp, values in paired_totals.items()}
    nps = {tp: ValueSums(*values) for tp, values in nps_totals.items()}
    responses = {
        key[0]: values[0]
        for key, values in _period_sums(
            TouchpointDay, TouchpointBlock, ("touchpoint_id",), ("responses",), ids, units, None
        ).items()
    }
    return [
        TouchpointPeriod(
            touchpoint_id=tp.pk,
            public_key=tp.public_key,
            name=tp.name,
            phase_id=tp.phase_id,
            phase_order=tp.phase.order,
            phase_name_de=tp.phase.name_de,
            phase_name_en=tp.phase.name_en,
            channel=tp.channel,
            department_id=tp.department_id,
            department_name=tp.department.name,
            responses=responses.get(tp.pk, 0),
            paired=paired.get(tp.pk, PairedSums.zero()),
            nps=nps.get(tp.pk, ValueSums.zero()),
            items=items.get(tp.pk, []),
        )
        for tp in listed
    ]


def daily_series(*, touchpoint_ids: list[int], start: date, end: date) -> dict[int, list[DaySums]]:
    """Per touchpoint, every day of start..end with its sums (zeros filled). Two queries."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    paired: dict[tuple[int, date], PairedSums] = {}
    nps: dict[tuple[int, date], ValueSums] = {}
    rows = (
        DailyStat.objects.filter(
            touchpoint_id__in=touchpoint_ids,
            day__gte=start,
            day__lte=end,
            item__kind__in=[Item.Kind.PAIRED, Item.Kind.NPS],
        )
        .values("touchpoint_id", "day", "item__kind")
        .annotate(**_sum_columns())
        .order_by()
    )
    for row in rows:
        key = (row["touchpoint_id"], row["day"])
        if row["item__kind"] == Item.Kind.PAIRED:
            paired[key] = _paired(row)
        else:
            nps[key] = _value(row)
    responses = {
        (tp, day): count
        for tp, day, count in TouchpointDay.objects.filter(
            touchpoint_id__in=touchpoint_ids, day__gte=start, day__lte=end
        ).values_list("touchpoint_id", "day", "responses")
    }
    return {
        tp: [
            DaySums(
                day=day,
                responses=responses.get((tp, day), 0),
                paired=paired.get((tp, day), PairedSums.zero()),
                nps=nps.get((tp, day), ValueSums.zero()),
            )
            for day in days
        ]
        for tp in touchpoint_ids
    }


def data_as_of(*, organisation_ids: list[int]) -> datetime | None:
    """Up to when the organisations' statistics are known to be complete (None: never built).

    The later of the last change to their touchpoint-days and the last periodic sweep (which
    re-checks every active touchpoint's today and yesterday and leaves unchanged rows alone).
    """
    touchpoint_ids = list(
        Touchpoint.objects.filter(phase__journey__organisation_id__in=organisation_ids).values_list(
            "pk", flat=True
        )
    )
    # A filter on the one table lets the database read the newest entry of the computed_at
    # index instead of every touchpoint-day.
    changed: datetime | None = TouchpointDay.objects.filter(
        touchpoint_id__in=touchpoint_ids
    ).aggregate(latest=Max("computed_at"))["latest"]
    if changed is None:
        return None
    swept = WorkerHeartbeat.objects.values_list("swept_at", flat=True).first()
    return max(changed, swept) if swept else changed


def worker_heartbeat_age() -> timedelta | None:
    """How long ago a worker last consumed the heartbeat task (None: never)."""
    beat_at = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True).first()
    if beat_at is None:
        return None
    return max(timezone.now() - beat_at, timedelta(0))
