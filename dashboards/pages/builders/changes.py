""" "What changed" on the dashboard: the calibrated window test of every touchpoint x KPI, the
false discovery rate controlled over all of them (analytics.calibrated, analytics.discoveries).

Each touchpoint's series starts on its first day with responses: days before it are missing, not
zero, so a touchpoint that started last week does not "rise in volume".
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from dashboards.analytics import calibrated
from dashboards.analytics.discoveries import Candidate, Finding, what_changed
from dashboards.analytics.monitoring import Signal
from dashboards.statistics.selectors.kpis import DaySums, TouchpointPeriod

SERIES_DAYS = calibrated.BASELINE_DAYS + calibrated.WINDOW_DAYS
SIGNAL_LIMIT = 12
MEAN_KPIS = ("satisfaction", "gap", "nps")


@dataclass(frozen=True)
class SignalRow:
    """A listed change with its touchpoint, for "what changed"."""

    touchpoint_id: int
    public_key: str
    touchpoint: str
    signal: Signal


def _sums(kpi: str, day: DaySums) -> tuple[float, float, float]:
    """Answers, sum and sum of squares of the per-answer score behind a mean KPI."""
    if kpi == "nps":
        v = day.nps
        n = v.promoters + v.passives + v.detractors
        return n, 100.0 * (v.promoters - v.detractors), 10_000.0 * (v.promoters + v.detractors)
    p = day.paired
    if kpi == "satisfaction":
        return p.n, p.sum_s, p.sumsq_s
    return p.n, p.sum_gap, p.sumsq_gap


def _grid(
    days_by_tp: Sequence[list[DaySums]], first: Sequence[date | None], calendar: list[date]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """(S, T) arrays per mean KPI (n, total, sumsq stacked on axis 0) and volume (NaN before the
    touchpoint's first day)."""
    shape = (len(days_by_tp), len(calendar))
    means = {kpi: np.zeros((3, *shape)) for kpi in MEAN_KPIS}
    volume = np.full(shape, np.nan)
    position = {d: i for i, d in enumerate(calendar)}
    for row, (days, start) in enumerate(zip(days_by_tp, first, strict=True)):
        for day in days:
            column = position.get(day.day)
            if column is None or start is None or day.day < start:
                continue
            volume[row, column] = day.responses
            for kpi in MEAN_KPIS:
                means[kpi][:, row, column] = _sums(kpi, day)
    return means, volume


def _signal(finding: Finding, window: list[date], centre: float) -> Signal:
    c = finding.candidate
    return Signal(
        kpi=c.kpi,
        direction="up" if c.effect > 0 else "down",
        since=window[0],
        last=window[-1],
        size=c.effect,
        size_sigma=c.z,
        center=centre,
        sigma=abs(c.effect / c.z) if c.z else 0.0,
        value=centre + c.effect,
        days=len(window),
        ongoing=True,
    )


def calibrated_signals(
    *,
    periods: list[TouchpointPeriod],
    series: dict[int, list[DaySums]],
    end: date,
    first_days: dict[int, date],
) -> list[SignalRow]:
    """The listed changes of the last WINDOW_DAYS up to `end`, largest |Z| first."""
    if not periods:
        return []
    calendar = [end - timedelta(days=SERIES_DAYS - 1 - i) for i in range(SERIES_DAYS)]
    base_cols, window_cols = (
        slice(0, calibrated.BASELINE_DAYS),
        slice(calibrated.BASELINE_DAYS, None),
    )
    days_by_tp = [series.get(tp.touchpoint_id, []) for tp in periods]
    means, volume = _grid(
        days_by_tp, [first_days.get(tp.touchpoint_id) for tp in periods], calendar
    )
    weekdays = np.array([d.weekday() for d in calendar])
    candidates: list[Candidate] = []
    centres: dict[tuple[int, str], float] = {}
    for kpi in MEAN_KPIS:
        n, total, sumsq = means[kpi]
        base = calibrated.phase1_means(n[:, base_cols], total[:, base_cols], sumsq[:, base_cols])
        test = calibrated.window_means(base, n[:, window_cols], total[:, window_cols])
        for row, tp in enumerate(periods):
            candidates.append(_candidate(tp, kpi, test, row))
            centres[(tp.touchpoint_id, kpi)] = float(base.centre[row])
    base = calibrated.phase1_counts(volume[:, base_cols], weekdays[base_cols])
    test = calibrated.window_counts(base, volume[:, window_cols], weekdays[window_cols])
    for row, tp in enumerate(periods):
        candidates.append(_candidate(tp, "volume", test, row))
        centres[(tp.touchpoint_id, "volume")] = float(base.centre[row])
    by_id = {tp.touchpoint_id: tp for tp in periods}
    rows = []
    for finding in what_changed(candidates):
        if not finding.listed:
            break  # listed findings come first
        tp = by_id[int(str(finding.candidate.key))]
        centre = centres[(tp.touchpoint_id, finding.candidate.kpi)]
        signal = _signal(finding, calendar[window_cols], centre)
        rows.append(SignalRow(tp.touchpoint_id, tp.public_key, tp.name, signal))
    return rows[:SIGNAL_LIMIT]


def _candidate(tp: TouchpointPeriod, kpi: str, test: calibrated.WindowTest, row: int) -> Candidate:
    z = float(test.z[row])
    p = float(test.p_value[row])
    relative = float(test.relative[row])
    return Candidate(
        key=tp.touchpoint_id,
        kpi=kpi,
        effect=float(test.effect[row]),
        z=z if np.isfinite(z) else None,
        p_value=p if np.isfinite(p) else None,
        answers=int(test.answers[row]),
        relative=relative if np.isfinite(relative) else None,
    )
