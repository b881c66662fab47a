"""The management dashboard: journey map tiles, what changed, the KPI table.

Reads daily statistics only (through `selectors.kpis`), so the number of queries does not grow
with touchpoints or days; everything else is arithmetic over the sums.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.conf import settings

from dashboards.analytics import Estimate, PairedKpis, nps_kpi, paired_kpis
from dashboards.analytics.changes import Comparison, welch_test
from dashboards.analytics.monitoring import Signal, daily_kpis, signals
from dashboards.statistics.selectors import kpis
from dashboards.statistics.selectors.kpis import DaySums, TouchpointPeriod

SPARK_DAYS = 30
# Days of daily series the control charts of "what changed" look at, and the recent window in
# which a signal must still be active to be listed.
SIGNAL_WINDOW_DAYS = 42
SIGNAL_RECENT_DAYS = 7
SIGNAL_LIMIT = 12
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

    @classmethod
    def of(cls, comparison: Comparison) -> "Change":
        diff = comparison.diff
        if diff is None:
            return cls(None, False, "none")
        significant = comparison.significant()
        # A change too small to show at one decimal reads as flat, whatever its sign.
        trend: Trend = "flat" if abs(diff) < FLAT else ("up" if diff > 0 else "down")
        return cls(diff, significant, trend)


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
class SignalRow:
    """A monitoring signal with its touchpoint, for "what changed"."""

    touchpoint_id: int
    public_key: str
    touchpoint: str
    signal: Signal


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


def day_kpis(days: list[DaySums]) -> dict[str, list[float | None]]:
    """The four daily KPI series of one touchpoint; score KPIs of thin days left out.

    A day with fewer than MIN_DAY_RESPONSES responses has no reliable mean or NPS (one
    detractor on a quiet Sunday is an NPS of -100), so it counts as a day without a value;
    volume keeps every day.
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
    return series


def touchpoint_signals(
    *, periods: list[TouchpointPeriod], series: dict[int, list[DaySums]], end: date
) -> list[SignalRow]:
    """Signals of every touchpoint's daily KPIs up to `end` still active in its last days,
    newest first."""
    since = end - timedelta(days=SIGNAL_RECENT_DAYS - 1)
    rows: list[SignalRow] = []
    for tp in periods:
        # Only complete days: today's volume is still growing and would read as a drop.
        days = [d for d in series.get(tp.touchpoint_id, []) if d.day <= end]
        if not days:
            continue
        for found in signals(day_kpis(days), [d.day for d in days], since=since):
            rows.append(SignalRow(tp.touchpoint_id, tp.public_key, tp.name, found))
    rows.sort(key=lambda r: (r.signal.last, r.signal.since), reverse=True)
    return rows[:SIGNAL_LIMIT]


def _tile(
    tp: TouchpointPeriod, previous: TouchpointPeriod | None, spark: Spark, language: str
) -> Tile:
    paired = paired_kpis(tp.paired)
    nps = nps_kpi(tp.nps)
    level, significant = gap_level(paired.gap)
    if previous is not None:
        a, b = previous.paired, tp.paired
        satisfaction_change = Change.of(
            welch_test(a.n, a.sum_s, a.sumsq_s, b.n, b.sum_s, b.sumsq_s)
        )
    else:
        satisfaction_change = Change(None, False, "none")
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
    before = {tp.touchpoint_id: tp for tp in rollup(previous_start, previous_end)}
    series_start = end - timedelta(days=max(SIGNAL_WINDOW_DAYS, SPARK_DAYS) - 1)
    series = kpis.daily_series(
        touchpoint_ids=[tp.touchpoint_id for tp in current], start=series_start, end=end
    )
    tiles = [
        _tile(
            tp,
            before.get(tp.touchpoint_id),
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
            periods=current, series=series, end=min(end, today - timedelta(days=1))
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
