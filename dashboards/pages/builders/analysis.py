"""The analytical dashboard: gaps by priority, importance-performance, cross-touchpoint links,
trends with control limits, satisfaction against recommendation, comments, segments.

Each section is computed on its own, so an htmx request for one section (the lag explorer, the
trend, the comments) does only that section's reads. All reads are daily statistics through
`selectors.kpis`, except comments and segments, which read answers through `surveys.selectors`
(a paginated list walked along the responses' time index, and one GROUP BY that the page
requests after it has loaded and that is cached for ten minutes).
"""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dashboards.analytics import Estimate, PairedKpis, PairedSums, nps_kpi, paired_kpis
from dashboards.analytics.importance import Quadrant, ipa_quadrants
from dashboards.analytics.lags import (
    CorrelationMatrix,
    LagResult,
    correlation_matrix,
    lagged_correlation,
)
from dashboards.analytics.monitoring import ControlChart, control_chart
from dashboards.analytics.vocabulary import Kpi
from dashboards.pages.builders.comments import CommentsView
from dashboards.pages.builders.dashboard import SignalRow, day_kpis
from dashboards.pages.builders.segments import SegmentRow
from dashboards.pages.builders.themes import ThemesView
from dashboards.pages.scope import TouchpointOption
from dashboards.statistics.selectors.importance import StoredImportance
from dashboards.statistics.selectors.kpis import DaySums, TouchpointPeriod

SERIES_MIN_DAYS = 90
# Touchpoints (by responses) that the heatmap and the search for the strongest link consider:
# a 200 x 200 heatmap is unreadable and the pairwise search grows with the square.
LINK_CANDIDATES = 20
MAX_LAG = 14


@dataclass(frozen=True)
class GapRow:
    """Expectation, satisfaction and gap of one item (or a whole touchpoint, item None)."""

    public_key: str
    touchpoint: str
    item: str | None
    kpis: PairedKpis
    importance: float | None
    priority: float

    @property
    def label(self) -> str:
        return f"{self.touchpoint} · {self.item}" if self.item else self.touchpoint


@dataclass(frozen=True)
class IpaRow:
    public_key: str
    touchpoint: str
    importance: float | None
    importance_ci: tuple[float, float] | None
    method: str | None
    performance: float | None
    quadrant: Quadrant | None


@dataclass(frozen=True)
class IpaView:
    rows: list[IpaRow]
    importance_split: float | None
    performance_split: float | None
    computed_at: datetime | None


@dataclass(frozen=True)
class SatRecRow:
    """Mean satisfaction against NPS; flagged: satisfies, yet creates few promoters."""

    public_key: str
    touchpoint: str
    satisfaction: Estimate
    top2: Estimate
    nps: Estimate
    flagged: bool


@dataclass(frozen=True)
class SatRecView:
    rows: list[SatRecRow]
    top2_median: float | None
    nps_median: float | None


@dataclass(frozen=True)
class HeatmapView:
    kpi: str
    names: list[str]
    matrix: CorrelationMatrix[int]
    considered: int
    total: int


@dataclass(frozen=True)
class LagView:
    a: TouchpointOption
    a_kpi: str
    b: TouchpointOption
    b_kpi: str
    result: LagResult
    chosen_by_default: bool
    default_significant: bool = False


@dataclass(frozen=True)
class TrendView:
    touchpoint: TouchpointOption
    kpi: str
    days: list[date]
    chart: ControlChart
    chosen_by_default: bool


@dataclass(frozen=True)
class AnalysisPage:
    start: date
    end: date
    series_start: date
    series_end: date
    gaps: list[GapRow] | None = None
    ipa: IpaView | None = None
    satrec: SatRecView | None = None
    heatmap: HeatmapView | None = None
    lag: LagView | None = None
    trend: TrendView | None = None
    comments: CommentsView | None = None
    segments: list[SegmentRow] | None = None
    themes: ThemesView | None = None


@dataclass(frozen=True)
class Window:
    """The analysis period, and the complete days whose daily series the links and trends use."""

    start: date
    end: date
    series_start: date
    series_end: date


def analysis_window(*, start: date, end: date, today: date) -> Window:
    """Series end on the last complete day and span at least SERIES_MIN_DAYS days."""
    series_end = min(end, today - timedelta(days=1))
    series_start = min(start, series_end - timedelta(days=SERIES_MIN_DAYS - 1))
    return Window(start, end, series_start, series_end)


# --- gaps, importance-performance, satisfaction vs recommendation --------------------------


def gap_rows(
    periods: list[TouchpointPeriod], importance: dict[int, float | None], language: str
) -> list[GapRow]:
    """Touchpoints and their paired items, highest priority (importance x |negative gap|) first."""
    rows: list[GapRow] = []
    for tp in periods:
        weight = importance.get(tp.touchpoint_id)
        parts: list[tuple[str | None, PairedSums]] = [(None, tp.paired)]
        parts += [
            (item.label_de if language == "de" else item.label_en, item.paired)
            for item in tp.items
            if item.paired is not None
        ]
        for label, sums in parts:
            if sums.n == 0:
                continue
            figures = paired_kpis(sums)
            gap = figures.gap.value or 0.0
            priority = max(weight or 0.0, 0.0) * max(-gap, 0.0)
            rows.append(GapRow(tp.public_key, tp.name, label, figures, weight, priority))
    rows.sort(key=lambda r: (-r.priority, r.kpis.gap.value or 0.0))
    return rows


def ipa_view(periods: list[TouchpointPeriod], stored: list[StoredImportance]) -> IpaView:
    """Importance (stored correlation with NPS) against performance (satisfaction this period)."""
    by_tp = {s.touchpoint_id: s for s in stored}
    points: dict[int, tuple[float | None, float | None]] = {}
    for tp in periods:
        imp = by_tp.get(tp.touchpoint_id)
        performance = tp.paired.sum_s / tp.paired.n if tp.paired.n else None
        points[tp.touchpoint_id] = (imp.r if imp else None, performance)
    result = ipa_quadrants(points)
    names = {tp.touchpoint_id: tp for tp in periods}
    rows = [
        IpaRow(
            public_key=names[p.key].public_key,
            touchpoint=names[p.key].name,
            importance=p.importance,
            importance_ci=by_tp[p.key].ci if p.key in by_tp else None,
            method=by_tp[p.key].method if p.key in by_tp else None,
            performance=p.performance,
            quadrant=p.quadrant,
        )
        for p in result.points
    ]
    computed = max((s.computed_at for s in stored), default=None)
    return IpaView(rows, result.importance_split, result.performance_split, computed)


def satrec_view(periods: list[TouchpointPeriod]) -> SatRecView:
    """Flag touchpoints whose top-two-box satisfaction is above the median of the organisation's
    touchpoints while their NPS is below both the median and zero."""
    rows = []
    for tp in periods:
        figures = paired_kpis(tp.paired)
        rows.append((tp, figures.satisfaction, figures.top2_satisfaction, nps_kpi(tp.nps)))
    top2s = [t.value for _, _, t, _ in rows if t.value is not None]
    npss = [n.value for _, _, _, n in rows if n.value is not None]
    top2_median = statistics.median(top2s) if top2s else None
    nps_median = statistics.median(npss) if npss else None
    out = []
    for tp, satisfaction, top2, nps in rows:
        flagged = (
            top2.value is not None
            and nps.value is not None
            and top2_median is not None
            and nps_median is not None
            and top2.value > top2_median
            and nps.value < min(nps_median, 0.0)
        )
        out.append(SatRecRow(tp.public_key, tp.name, satisfaction, top2, nps, flagged))
    return SatRecView(out, top2_median, nps_median)


# --- daily series: heatmap, lag explorer, trend --------------------------------------------


def kpi_series(days: list[DaySums]) -> dict[str, list[float | None]]:
    """The four daily KPI series of one touchpoint (thin days without score KPIs)."""
    return day_kpis(days)


def link_candidates(periods: list[TouchpointPeriod]) -> list[TouchpointPeriod]:
    """The touchpoints with the most responses in the period, at most LINK_CANDIDATES."""
    ranked = sorted(periods, key=lambda tp: (-tp.responses, tp.name))
    return ranked[:LINK_CANDIDATES]


def heatmap_view(
    candidates: list[TouchpointPeriod],
    series: dict[int, dict[str, list[float | None]]],
    *,
    kpi: str,
    total: int,
) -> HeatmapView:
    """Pairwise correlation of one daily KPI across the candidate touchpoints (journey order)."""
    ordered = sorted(candidates, key=lambda tp: (tp.phase_order, tp.name))
    matrix = correlation_matrix({tp.touchpoint_id: series[tp.touchpoint_id][kpi] for tp in ordered})
    return HeatmapView(kpi, [tp.name for tp in ordered], matrix, len(ordered), total)


def strongest_link(
    candidates: list[TouchpointPeriod], series: dict[int, dict[str, list[float | None]]]
) -> tuple[tuple[int, int], bool] | None:
    """The pair (x, y) whose volume at x is followed by satisfaction at y most strongly, and
    whether that link is significant (outside the band).

    Only lags of at least one day count (a link needs time to travel). A significant link beats
    any insignificant one; without any, the strongest insignificant pair is shown, so the
    explorer always starts somewhere. Volume to satisfaction is the dependency consultants look
    for first (load in one place, service quality in another); volume to volume is left out
    because shared weekly rhythms make every pair look linked.
    """
    best: tuple[bool, float, int, int] | None = None
    for a in candidates:
        x = series[a.touchpoint_id][Kpi.VOLUME]
        for b in candidates:
            if a.touchpoint_id == b.touchpoint_id:
                continue
            result = lagged_correlation(
                x, series[b.touchpoint_id][Kpi.SATISFACTION], max_lag=MAX_LAG
            )
            if result.band is None:
                continue
            for lag, r in zip(result.lags, result.r, strict=True):
                if lag < 1 or r is None:
                    continue
                found = (abs(r) > result.band, abs(r), a.touchpoint_id, b.touchpoint_id)
                if best is None or found[:2] > best[:2]:
                    best = found
    if best is None:
        if len(candidates) < 2:
            return None
        return (candidates[0].touchpoint_id, candidates[1].touchpoint_id), False
    return (best[2], best[3]), best[0]


def lag_view(
    a: TouchpointOption,
    a_kpi: str,
    b: TouchpointOption,
    b_kpi: str,
    series: dict[int, dict[str, list[float | None]]],
    *,
    chosen_by_default: bool,
    default_significant: bool = False,
) -> LagView:
    result = lagged_correlation(series[a.id][a_kpi], series[b.id][b_kpi], max_lag=MAX_LAG)
    return LagView(a, a_kpi, b, b_kpi, result, chosen_by_default, default_significant)


def trend_view(
    tp: TouchpointOption,
    kpi: str,
    days: list[DaySums],
    *,
    chosen_by_default: bool,
) -> TrendView:
    values = kpi_series(days)[kpi]
    chart = control_chart(values)
    return TrendView(tp, kpi, [d.day for d in days], chart, chosen_by_default)


def newest_signal(signal_rows: list[SignalRow]) -> SignalRow | None:
    return signal_rows[0] if signal_rows else None
