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

from dashboards.analytics import Estimate, PairedKpis, paired_kpis
from dashboards.analytics.importance import Quadrant, ipa_quadrants
from dashboards.analytics.intervals import (
    claim_supported,
    nps_adjusted_wald,
    response_level_kpis,
)
from dashboards.analytics.lags import CorrelationMatrix, correlation_matrix
from dashboards.analytics.monitoring import ControlChart, control_chart
from dashboards.analytics.prewhitening import PrewhitenedLags, lag_search, prewhitened_ccf
from dashboards.analytics.vocabulary import Kpi
from dashboards.pages.builders.changes import SignalRow
from dashboards.pages.builders.comments import CommentsView
from dashboards.pages.builders.dashboard import day_kpis
from dashboards.pages.builders.funnel import FunnelView
from dashboards.pages.builders.segments import SegmentRow
from dashboards.pages.builders.themes import ThemesView
from dashboards.pages.builders.why import WhyView
from dashboards.pages.scope import TouchpointOption
from dashboards.statistics.selectors.importance import StoredImportance
from dashboards.statistics.selectors.kpis import DaySums, TouchpointPeriod

# Days before the period that the trend chart shows as its (marked) baseline.
TREND_BASELINE_DAYS = 56
MIN_TREND_BASELINE_DAYS = 28
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
    # The gap's interval lies below 0 with enough responses: it may be named a shortfall.
    supported: bool = False

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
    # In "concentrate here" with evidence: importance interval above the split, satisfaction
    # interval below it, enough responses.
    supported: bool = False
    # Johnson's relative weight (share of R^2) with its bootstrap interval, when computed.
    weight: float | None = None
    weight_ci: tuple[float, float] | None = None


@dataclass(frozen=True)
class IpaView:
    rows: list[IpaRow]
    importance_split: float | None
    performance_split: float | None
    computed_at: datetime | None
    r_squared: float | None = None
    weight_n: int = 0
    weight_adjusted: bool = False


@dataclass(frozen=True)
class SatRecRow:
    """Mean satisfaction against NPS; flagged: satisfies, yet creates few promoters."""

    public_key: str
    touchpoint: str
    satisfaction: Estimate
    top2: Estimate
    nps: Estimate
    flagged: bool
    # Flagged by the medians, but too few answers or an NPS interval reaching 0: not named.
    too_few: bool = False


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
    result: PrewhitenedLags
    chosen_by_default: bool
    default_significant: bool = False
    tests: int = 0
    """Tests the significance was corrected for (lags, times pairs for the preselection)."""


@dataclass(frozen=True)
class TrendView:
    touchpoint: TouchpointOption
    kpi: str
    days: list[date]
    chart: ControlChart
    chosen_by_default: bool
    # First day of the analysis period; the days before it are the chart's baseline.
    period_start: date | None = None


@dataclass(frozen=True)
class AnalysisPage:
    start: date
    end: date
    series_start: date
    series_end: date
    gaps: list[GapRow] | None = None
    funnel: FunnelView | None = None
    ipa: IpaView | None = None
    satrec: SatRecView | None = None
    heatmap: HeatmapView | None = None
    lag: LagView | None = None
    trend: TrendView | None = None
    comments: CommentsView | None = None
    segments: list[SegmentRow] | None = None
    why: WhyView | None = None
    themes: ThemesView | None = None


@dataclass(frozen=True)
class Window:
    """The analysis period, and the complete days whose daily series the links and trends use."""

    start: date
    end: date
    series_start: date
    series_end: date


def analysis_window(*, start: date, end: date, today: date) -> Window:
    """Series cover exactly the filtered period, up to its last complete day."""
    series_end = max(start, min(end, today - timedelta(days=1)))
    return Window(start, end, start, series_end)


# --- gaps, importance-performance, satisfaction vs recommendation --------------------------


def gap_rows(
    periods: list[TouchpointPeriod], importance: dict[int, float | None], language: str
) -> list[GapRow]:
    """Touchpoints and their paired items, highest priority (importance x |negative gap|) first."""
    rows: list[GapRow] = []
    for tp in periods:
        weight = importance.get(tp.touchpoint_id)
        parts: list[tuple[str | None, PairedKpis]] = []
        if tp.paired.n:
            # The touchpoint pools several items of one response: the response is the unit.
            parts.append((None, response_level_kpis(tp.paired, tp.response_sums)))
        parts += [
            (item.label_de if language == "de" else item.label_en, paired_kpis(item.paired))
            for item in tp.items
            if item.paired is not None and item.paired.n
        ]
        for label, figures in parts:
            gap = figures.gap.value or 0.0
            priority = max(weight or 0.0, 0.0) * max(-gap, 0.0)
            supported = claim_supported(figures.gap, threshold=0.0, side="below")
            rows.append(GapRow(tp.public_key, tp.name, label, figures, weight, priority, supported))
    rows.sort(key=lambda r: (-r.priority, r.kpis.gap.value or 0.0))
    return rows


def ipa_view(periods: list[TouchpointPeriod], stored: list[StoredImportance]) -> IpaView:
    """Importance (stored correlation with NPS) against performance (satisfaction this period)."""
    by_tp = {s.touchpoint_id: s for s in stored}
    points: dict[int, tuple[float | None, float | None]] = {}
    satisfaction: dict[int, Estimate] = {}
    for tp in periods:
        imp = by_tp.get(tp.touchpoint_id)
        satisfaction[tp.touchpoint_id] = response_level_kpis(
            tp.paired, tp.response_sums
        ).satisfaction
        points[tp.touchpoint_id] = (imp.r if imp else None, satisfaction[tp.touchpoint_id].value)
    result = ipa_quadrants(points)
    names = {tp.touchpoint_id: tp for tp in periods}

    def supported(key: int, quadrant: Quadrant | None) -> bool:
        ci = by_tp[key].ci if key in by_tp else None
        if quadrant != Quadrant.CONCENTRATE_HERE or ci is None:
            return False
        assert result.importance_split is not None and result.performance_split is not None
        below = claim_supported(satisfaction[key], threshold=result.performance_split, side="below")
        return ci[0] > result.importance_split and below

    rows = [
        IpaRow(
            public_key=names[p.key].public_key,
            touchpoint=names[p.key].name,
            importance=p.importance,
            importance_ci=by_tp[p.key].ci if p.key in by_tp else None,
            method=by_tp[p.key].method if p.key in by_tp else None,
            performance=p.performance,
            quadrant=p.quadrant,
            supported=supported(p.key, p.quadrant),
            weight=by_tp[p.key].weight if p.key in by_tp else None,
            weight_ci=by_tp[p.key].weight_ci if p.key in by_tp else None,
        )
        for p in result.points
    ]
    computed = max((s.computed_at for s in stored), default=None)
    weighted = next((s for s in stored if s.r_squared is not None or s.weight_adjusted), None)
    return IpaView(
        rows,
        result.importance_split,
        result.performance_split,
        computed,
        weighted.r_squared if weighted else None,
        weighted.weight_n if weighted else 0,
        weighted.weight_adjusted if weighted else False,
    )


def satrec_view(periods: list[TouchpointPeriod]) -> SatRecView:
    """Flag touchpoints whose top-two-box satisfaction is above the median of the organisation's
    touchpoints while their NPS is below both the median and zero."""
    rows = []
    for tp in periods:
        figures = response_level_kpis(tp.paired, tp.response_sums)
        rows.append(
            (tp, figures.satisfaction, figures.top2_satisfaction, nps_adjusted_wald(tp.nps))
        )
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
        # Named only with evidence: enough answers and an NPS interval wholly below 0.
        named = flagged and claim_supported(nps, threshold=0.0, side="below")
        out.append(
            SatRecRow(tp.public_key, tp.name, satisfaction, top2, nps, named, flagged and not named)
        )
    return SatRecView(out, top2_median, nps_median)


# --- daily series: heatmap, lag explorer, trend --------------------------------------------


def kpi_series(days: list[DaySums], first_day: date | None = None) -> dict[str, list[float | None]]:
    """The four daily KPI series of one touchpoint (thin days without score KPIs, no volume
    before its first day with responses)."""
    return day_kpis(days, first_day)


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
) -> tuple[tuple[int, int], bool, int] | None:
    """The pair (x, y) whose volume at x is followed by satisfaction at y most clearly, whether
    that link is significant, and the number of tests searched.

    Every ordered pair and every lag of 1..MAX_LAG days is searched on prewhitened series, and
    significance is corrected for all of them (analytics.prewhitening). Without a significant
    link the closest pair is preselected so the explorer starts somewhere, and the page says in
    words that nothing is significant. Volume to satisfaction is the dependency consultants look
    for first (load in one place, service quality in another).
    """
    keys = [tp.touchpoint_id for tp in candidates]
    search = lag_search(
        {k: series[k][Kpi.VOLUME] for k in keys},
        followers={k: series[k][Kpi.SATISFACTION] for k in keys},
        max_lag=MAX_LAG,
    )
    best = search.strongest
    if best is None:
        if len(candidates) < 2:
            return None
        return (keys[0], keys[1]), False, search.tests
    return (best.leader, best.follower), search.any_significant, search.tests


def lag_view(
    a: TouchpointOption,
    a_kpi: str,
    b: TouchpointOption,
    b_kpi: str,
    series: dict[int, dict[str, list[float | None]]],
    *,
    chosen_by_default: bool,
    default_significant: bool = False,
    tests: int | None = None,
) -> LagView:
    """Prewhitened lags 0..MAX_LAG of one pair; significance corrected for `tests` (default:
    the lags shown, for a pair the user chose)."""
    lags = range(MAX_LAG + 1)
    family = tests or len(lags)
    result = prewhitened_ccf(series[a.id][a_kpi], series[b.id][b_kpi], lags=lags, family=family)
    return LagView(a, a_kpi, b, b_kpi, result, chosen_by_default, default_significant, family)


def trend_view(
    tp: TouchpointOption,
    kpi: str,
    days: list[DaySums],
    *,
    chosen_by_default: bool,
    period_start: date | None = None,
) -> TrendView:
    values = kpi_series(days)[kpi]
    # The baseline is the days before the period (at most TREND_BASELINE_DAYS), marked on the
    # chart; with fewer than four weeks of them, the chart's own default (all but the last week).
    before = sum(1 for d in days if period_start is not None and d.day < period_start)
    if before < MIN_TREND_BASELINE_DAYS:
        days = [d for d in days if period_start is None or d.day >= period_start]
        return TrendView(
            tp, kpi, [d.day for d in days], control_chart(kpi_series(days)[kpi]), chosen_by_default
        )
    chart = control_chart(values, baseline=before)
    return TrendView(tp, kpi, [d.day for d in days], chart, chosen_by_default, period_start)


def newest_signal(signal_rows: list[SignalRow]) -> SignalRow | None:
    return signal_rows[0] if signal_rows else None
