"""The management dashboard: journey map tiles, what changed, the KPI table.

Reads daily statistics only (through `selectors.kpis`), so the number of queries does not grow
with touchpoints or days; everything else is arithmetic over the sums.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.conf import settings

from dashboards.analytics import Estimate, PairedKpis
from dashboards.analytics.intervals import (
    ChangeTest,
    daily_mean_change,
    nps_adjusted_wald,
    response_level_kpis,
)
from dashboards.analytics.monitoring import daily_kpis
from dashboards.pages.builders.changes import SERIES_DAYS, SignalRow, calibrated_signals
from dashboards.statistics.selectors import kpis
from dashboards.statistics.selectors.kpis import DaySums, TouchpointPeriod

SPARK_DAYS = 30
# A gap at least this far below zero (scale points) is shown as a strong shortfall.
STRONG_GAP = 1.0
HEARTBEAT_STALE = timedelta(minutes=10)
FLAT = 0.05
MIN_DAY_RESPONSES = 5

GapLevel = Literal["strong-negative", "negative", "neutral", "positive", "none"]
Trend = Literal["up", "down", "flat", "none"]


@dataclass(frozen=True)
class Change:
    """A KPI's change against the previous period of equal length."""

    diff: float | None
    significant: bool
    trend: Trend
    # False: too few days or answers in one of the periods to test ("not enough data").
    enough: bool = True

    @classmethod
    def of(cls, comparison: ChangeTest) -> "Change":
        diff = comparison.diff
        if diff is None:
            return cls(None, False, "none", comparison.enough)
        significant = comparison.significant()
        # A change too small to show at one decimal reads as flat, whatever its sign.
        trend: Trend = "flat" if abs(diff) < FLAT else ("up" if diff > 0 else "down")
        return cls(diff, significant, trend, comparison.enough)


@dataclass(frozen=True)
class Spark:
    """A sparkline as an SVG path in a WIDTH x HEIGHT box; empty path without data."""

    path: str
    last_x: float | None
    last_y: float | None
    low: float | None
    high: float | None

    WIDTH = 120
    HEIGHT = 28


@dataclass(frozen=True)
class Tile:
    """One touchpoint in the journey map and one row of the KPI table."""

    touchpoint_id: int
    public_key: str
    name: str
    phase_id: int
    phase_order: int
    phase_name: str
    channel: str
    department: str
    responses: int
    kpis: PairedKpis
    nps: Estimate
    gap_level: GapLevel
    gap_significant: bool
    satisfaction_change: Change
    spark: Spark
    small_n: bool


@dataclass(frozen=True)
class PhaseColumn:
    phase_id: int
    name: str
    tiles: list[Tile]


@dataclass(frozen=True)
class Freshness:
    """When the statistics were last aggregated, and whether the worker looks stalled."""

    data_as_of: datetime | None
    worker_age: timedelta | None
    worker_stale: bool

    @property
    def worker_minutes(self) -> int | None:
        return None if self.worker_age is None else int(self.worker_age.total_seconds() // 60)


def freshness(*, organisation_id: int) -> Freshness:
    """Data as of, and the worker's heartbeat age when a broker is configured. Two queries."""
    as_of = kpis.data_as_of(organisation_ids=[organisation_id])
    if not settings.REDIS_URL:
        # Embedded mode runs tasks in-process: there is no worker to lose.
        return Freshness(as_of, None, False)
    age = kpis.worker_heartbeat_age()
    return Freshness(as_of, age, age is None or age > HEARTBEAT_STALE)


@dataclass(frozen=True)
class DashboardPage:
    start: date
    end: date
    previous_start: date
    previous_end: date
    columns: list[PhaseColumn]
    tiles: list[Tile]
    signals: list[SignalRow]


def gap_level(gap: Estimate) -> tuple[GapLevel, bool]:
    """Colour class of a gap: its sign and size, neutral unless its interval excludes 0."""
    if gap.value is None:
        return "none", False
    significant = gap.ci is not None and (gap.ci[0] > 0 or gap.ci[1] < 0)
    if not significant:
        return "neutral", False
    if gap.value <= -STRONG_GAP:
        return "strong-negative", True
    return ("negative" if gap.value < 0 else "positive"), True


def sparkline(values: list[float | None]) -> Spark:
    """An SVG path of the values; days without a value break the line."""
    seen = [v for v in values if v is not None]
    if not seen:
        return Spark("", None, None, None, None)
    low, high = min(seen), max(seen)
    # At least one scale point of height, so daily noise does not look like a crash.
    mid = (low + high) / 2
    span = max(high - low, 1.0)
    bottom = mid - span / 2
    step = Spark.WIDTH / max(len(values) - 1, 1)
    pad = 2.0
    usable = Spark.HEIGHT - 2 * pad
    parts: list[str] = []
    pen_down = False
    x = y = 0.0
    for i, v in enumerate(values):
        if v is None:
            pen_down = False
            continue
        x = i * step
        y = pad + usable * (1 - (v - bottom) / span)
        parts.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
        pen_down = True
    return Spark(" ".join(parts), round(x, 1), round(y, 1), low, high)


def _series_satisfaction(days: list[DaySums]) -> list[float | None]:
    return [d.paired.sum_s / d.paired.n if d.paired.n else None for d in days]


def day_kpis(days: list[DaySums], first_day: date | None = None) -> dict[str, list[float | None]]:
    """The four daily KPI series of one touchpoint; score KPIs of thin days left out.

    A day with fewer than MIN_DAY_RESPONSES responses has no reliable mean or NPS (one
    detractor on a quiet Sunday is an NPS of -100), so it counts as a day without a value;
    volume keeps every day from the touchpoint's first day with responses (`first_day`) on:
    before it the touchpoint had no series, and zeros there would read as a rise.
    """
    series = daily_kpis(
        paired=[d.paired for d in days],
        nps=[d.nps for d in days],
        responses=[d.responses for d in days],
    )
    for i, d in enumerate(days):
        if d.responses < MIN_DAY_RESPONSES:
            for kpi in ("satisfaction", "gap", "nps"):
                series[kpi][i] = None
        if first_day is None or d.day < first_day:
            series["volume"][i] = None
    return series


def touchpoint_signals(
    *,
    periods: list[TouchpointPeriod],
    series: dict[int, list[DaySums]],
    end: date,
    first_days: dict[int, date],
) -> list[SignalRow]:
    """What changed in the last week up to `end` (complete days only: today's volume is still
    growing and would read as a drop), calibrated and FDR-controlled (see builders.changes)."""
    return calibrated_signals(periods=periods, series=series, end=end, first_days=first_days)


def _satisfaction_days(days: list[DaySums], first: date, last: date) -> list[tuple[int, float]]:
    return [(d.paired.n, float(d.paired.sum_s)) for d in days if first <= d.day <= last]


def _daily_rows(
    current: list[TouchpointPeriod], previous_start: date, end: date, signal_end: date
) -> tuple[dict[int, list[DaySums]], dict[int, date]]:
    """One read of daily rows for the arrows (both periods), the sparklines and "what changed",
    and each touchpoint's first day with responses."""
    start = min(
        previous_start,
        end - timedelta(days=SPARK_DAYS - 1),
        signal_end - timedelta(days=SERIES_DAYS - 1),
    )
    ids = [tp.touchpoint_id for tp in current]
    return kpis.daily_series(touchpoint_ids=ids, start=start, end=end), kpis.first_days(
        touchpoint_ids=ids
    )


def satisfaction_change(
    days: list[DaySums], previous: tuple[date, date], current: tuple[date, date]
) -> Change:
    """The tile arrow: the change of satisfaction tested on the daily means of both periods."""
    return Change.of(
        daily_mean_change(_satisfaction_days(days, *previous), _satisfaction_days(days, *current))
    )


def _tile(tp: TouchpointPeriod, change: Change, spark: Spark, language: str) -> Tile:
    paired = response_level_kpis(tp.paired, tp.response_sums)
    nps = nps_adjusted_wald(tp.nps)
    level, significant = gap_level(paired.gap)
    satisfaction_change = change
    return Tile(
        touchpoint_id=tp.touchpoint_id,
        public_key=tp.public_key,
        name=tp.name,
        phase_id=tp.phase_id,
        phase_order=tp.phase_order,
        phase_name=tp.phase_name_in(language),
        channel=tp.channel,
        department=tp.department_name,
        responses=tp.responses,
        kpis=paired,
        nps=nps,
        gap_level=level,
        gap_significant=significant,
        satisfaction_change=satisfaction_change,
        spark=spark,
        small_n=paired.small_n,
    )


def dashboard_page(
    *,
    organisation_id: int,
    start: date,
    end: date,
    language: str,
    today: date,
    touchpoint_keys: list[str] | None = None,
    phase_ids: list[int] | None = None,
    channel: str | None = None,
    department_ids: list[int] | None = None,
) -> DashboardPage:
    """Everything the management dashboard shows for one organisation and period."""
    org_ids = [organisation_id]
    length = (end - start).days + 1
    previous_end = start - timedelta(days=1)
    previous_start = previous_end - timedelta(days=length - 1)

    def rollup(first: date, last: date) -> list[TouchpointPeriod]:
        return kpis.kpi_rollup(
            organisation_ids=org_ids,
            start=first,
            end=last,
            touchpoint_keys=touchpoint_keys,
            phase_ids=phase_ids,
            channel=channel,
            department_ids=department_ids,
        )

    current = rollup(start, end)
    signal_end = min(end, today - timedelta(days=1))
    series, first_days = _daily_rows(current, previous_start, end, signal_end)
    tiles = [
        _tile(
            tp,
            satisfaction_change(
                series.get(tp.touchpoint_id, []), (previous_start, previous_end), (start, end)
            ),
            sparkline(_series_satisfaction(series.get(tp.touchpoint_id, [])[-SPARK_DAYS:])),
            language,
        )
        for tp in current
    ]
    columns: list[PhaseColumn] = []
    for tile in tiles:
        if not columns or columns[-1].phase_id != tile.phase_id:
            columns.append(PhaseColumn(tile.phase_id, tile.phase_name, []))
        columns[-1].tiles.append(tile)
    return DashboardPage(
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=previous_end,
        columns=columns,
        tiles=tiles,
        signals=touchpoint_signals(
            periods=current, series=series, end=signal_end, first_days=first_days
        ),
    )


# Sort keys of the KPI table's columns; a key of None sorts last whatever the direction.
SORTS: dict[str, Callable[[Tile], Any]] = {
    "phase": lambda t: (t.phase_order, t.name.lower()),
    "name": lambda t: t.name.lower(),
    "n": lambda t: t.responses,
    "expectation": lambda t: t.kpis.expectation.value,
    "satisfaction": lambda t: t.kpis.satisfaction.value,
    "gap": lambda t: t.kpis.gap.value,
    "nps": lambda t: t.nps.value,
    "change": lambda t: t.satisfaction_change.diff,
}


def tiles_sorted(tiles: list[Tile], sort: str) -> list[Tile]:
    """Tiles ordered by a KPI table column ("-" for descending); missing values always last."""
    descending = sort.startswith("-")
    key = SORTS[sort.lstrip("-")]
    present = [t for t in tiles if key(t) is not None]
    missing = [t for t in tiles if key(t) is None]
    return sorted(present, key=key, reverse=descending) + missing
