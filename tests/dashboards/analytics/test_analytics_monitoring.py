"""Control charts equal a direct numpy recursion; defaults hold on simulated touchpoints."""

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from dashboards.analytics import (
    PairedSums,
    ValueSums,
    control_chart,
    daily_counts,
    daily_kpis,
    signals,
)
from dashboards.analytics.vocabulary import SERIES_KPIS

TOL = 1e-9
DAYS = [date(2025, 1, 1) + timedelta(days=i) for i in range(90)]


def reference_ewma(
    values: list[float | None], *, lam: float, width: float, baseline: int
) -> tuple[float, float, list[float | None], list[float | None], list[float | None], list[int]]:
    """Direct numpy EWMA over the observed days with exact time-varying limits."""
    arr = np.array([np.nan if v is None else v for v in values], dtype=float)
    base = arr[:baseline][~np.isnan(arr[:baseline])]
    center = base.mean()
    sigma = np.abs(np.diff(base)).mean() / 1.128
    z, t = center, 0
    ewma: list[float | None] = [None] * arr.size
    lower: list[float | None] = [None] * arr.size
    upper: list[float | None] = [None] * arr.size
    flagged = []
    for i, x in enumerate(arr):
        if np.isnan(x):
            continue
        t += 1
        z = lam * x + (1 - lam) * z
        half = width * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * t)))
        ewma[i], lower[i], upper[i] = z, center - half, center + half
        if z > center + half or z < center - half:
            flagged.append(i)
    return float(center), float(sigma), ewma, lower, upper, flagged


def assert_close(actual: list[float | None], expected: list[float | None]) -> None:
    assert [a is None for a in actual] == [e is None for e in expected]
    got = [a for a in actual if a is not None]
    want = [e for e in expected if e is not None]
    assert got == pytest.approx(want, abs=TOL)


def test_ewma_equals_a_direct_recursion_and_skips_missing_days() -> None:
    # Given a daily series with gaps and a late drop
    rng = np.random.default_rng(1)
    values: list[float | None] = list(rng.normal(5.5, 0.3, 60))
    for i in (4, 17, 55):
        values[i] = None
    for i in range(53, 60):
        if values[i] is not None:
            values[i] = values[i] - 1.0  # type: ignore[operator]

    # When charted with the defaults (baseline: all but the last 7 days)
    chart = control_chart(values)

    # Then centre, sigma, EWMA, limits and flags equal the direct computation
    center, sigma, ewma, lower, upper, flagged = reference_ewma(
        values, lam=0.2, width=3.0, baseline=53
    )
    assert chart.center == pytest.approx(center, abs=TOL)
    assert chart.sigma == pytest.approx(sigma, abs=TOL)
    assert_close(chart.ewma, ewma)
    assert_close(chart.lower, lower)
    assert_close(chart.upper, upper)
    assert chart.flagged == flagged
    assert chart.baseline == 53
    assert chart.values == values
    # The late drop is flagged downwards
    assert flagged
    assert min(flagged) >= 53
    assert all(chart.direction(i) == "down" for i in flagged)
    assert chart.direction(0) is None


def test_baseline_lam_and_width_parameters() -> None:
    rng = np.random.default_rng(2)
    values: list[float | None] = list(rng.normal(0, 1, 40))
    chart = control_chart(values, lam=0.4, width=2.5, baseline=25)
    center, sigma, ewma, lower, upper, flagged = reference_ewma(
        values, lam=0.4, width=2.5, baseline=25
    )
    assert chart.center == pytest.approx(center, abs=TOL)
    assert chart.sigma == pytest.approx(sigma, abs=TOL)
    assert_close(chart.ewma, ewma)
    assert_close(chart.lower, lower)
    assert_close(chart.upper, upper)
    assert chart.flagged == flagged


def test_shewhart_individuals_chart() -> None:
    values: list[float | None] = [10.0, 11.0, 9.0, 10.0, None, 12.0, 8.0, 10.0, 11.0, 9.0]
    values += [10.0, 10.5, 30.0, 10.0, -5.0]
    chart = control_chart(values, method="shewhart", baseline=12)
    base = np.array([v for v in values[:12] if v is not None])
    center = base.mean()
    sigma = np.abs(np.diff(base)).mean() / 1.128
    assert chart.center == pytest.approx(center, abs=TOL)
    assert chart.sigma == pytest.approx(sigma, abs=TOL)
    assert chart.ewma == values  # the charted statistic is the value itself
    assert chart.upper[0] == pytest.approx(center + 3 * sigma, abs=TOL)
    assert chart.lower[4] is None
    assert chart.flagged == [12, 14]
    assert (chart.direction(12), chart.direction(14)) == ("up", "down")


def test_short_or_constant_series_do_not_raise_or_flag_noise() -> None:
    short = control_chart([5.0, 6.0, None, 5.5])
    assert (short.center, short.sigma, short.flagged) == (None, None, [])
    assert short.upper == [None] * 4
    flat = control_chart([3.0] * 30)
    assert flat.sigma == 0.0
    assert flat.flagged == []
    # A constant baseline followed by a different value is a real change
    jump = control_chart([3.0] * 30 + [4.0])
    assert jump.flagged == [30]
    assert all(v is None or not math.isnan(v) for v in jump.upper)
    with pytest.raises(ValueError, match="method"):
        control_chart([1.0] * 20, method="cusum")  # type: ignore[arg-type]


def test_counts_weigh_thin_days_down_as_documented() -> None:
    # Given daily means with their answer counts, some days thin, one day without answers
    rng = np.random.default_rng(4)
    counts: list[int | None] = [int(c) for c in rng.poisson(20, 40)]
    counts[5] = counts[12] = 1
    counts[20] = 0
    values: list[float | None] = [
        None if c == 0 else float(rng.normal(5.0, 1.3 / math.sqrt(c or 1))) for c in counts
    ]

    chart = control_chart(values, counts=counts, baseline=30)

    # Then it equals a direct numpy computation of the documented weighting
    n = np.array([c or 0 for c in counts], dtype=float)
    x = np.array([np.nan if v is None else v for v in values])
    seen = np.flatnonzero(n > 0)
    base = seen[seen < 30]
    n_ref = np.median(n[base])
    factor = np.where(n > 0, np.maximum(1.0, n_ref / np.where(n > 0, n, 1.0)), 1.0)
    center = np.sum(x[base] / factor[base]) / np.sum(1.0 / factor[base])
    scale = np.sqrt((factor[base][1:] + factor[base][:-1]) / 2)
    sigma = np.mean(np.abs(np.diff(x[base])) / scale) / 1.128
    assert chart.reference_n == n_ref
    assert chart.center == pytest.approx(center, abs=TOL)
    assert chart.sigma == pytest.approx(sigma, abs=TOL)
    z, var = center, 0.0
    for i in seen:
        w = 0.2 / factor[i]
        z = w * x[i] + (1 - w) * z
        var = (1 - w) ** 2 * var + w * w * factor[i] * sigma**2
        assert chart.ewma[i] == pytest.approx(z, abs=TOL)
        assert chart.upper[i] == pytest.approx(center + 3 * np.sqrt(var), abs=TOL)
    assert chart.ewma[20] is None
    # A thin day moves the EWMA less than a typical one
    assert abs(chart.ewma[5] - chart.ewma[4]) < 0.2 * abs(values[5] - chart.ewma[4])  # type: ignore[operator]
    with pytest.raises(ValueError, match="counts"):
        control_chart(values, counts=counts[:-1])


def test_a_single_bad_answer_on_a_thin_day_raises_no_signal() -> None:
    # Given a steady touchpoint whose last day has one very unhappy answer
    values: list[float | None] = list([4.8, 5.0, 4.6, 4.9, 4.7] * 17 + [4.8, 5.0, 4.7, 4.9])
    counts: list[int | None] = [12] * 89
    values.append(1.0)
    counts.append(1)
    # Then the plain chart flags it, the count-aware chart does not
    assert control_chart(values).flagged == [89]
    assert control_chart(values, counts=counts).flagged == []
    assert signals({"satisfaction": values}, DAYS, counts={"satisfaction": counts}) == []


def test_signals_are_runs_newest_first_and_missing_days_do_not_break_them() -> None:
    # Given a satisfaction series with an old spike and a current drop, and a volume spike
    base = [5.0, 5.2, 4.8, 5.1, 4.9] * 16 + [5.0, 5.1, 4.9]  # 83 in-control days
    satisfaction: list[float | None] = list(base)
    satisfaction[20:23] = [7.5, 7.6, 7.4]  # three days up
    satisfaction += [3.5, None, 3.4, 3.6, 3.5, 3.3, 3.4]  # the last 7 days down, one day empty
    volume: list[float | None] = [20.0, 22.0, 18.0, 21.0, 19.0] * 18
    volume[60] = 90.0

    result = signals({"satisfaction": satisfaction, "volume": volume}, DAYS)

    assert [(s.kpi, s.direction) for s in result] == [
        ("satisfaction", "down"),
        ("volume", "up"),
        ("satisfaction", "up"),
    ]
    drop = result[0]
    assert drop.since == DAYS[83]
    assert drop.last == DAYS[89]
    assert drop.days == 6
    assert drop.ongoing
    assert drop.value == 3.4
    assert drop.size == pytest.approx(np.mean([3.5, 3.4, 3.6, 3.5, 3.3, 3.4]) - drop.center)
    assert drop.size_sigma == pytest.approx(drop.size / drop.sigma)
    assert not result[1].ongoing
    assert result[1].since == DAYS[60]
    # since keeps only runs that reach the given day
    recent = signals({"satisfaction": satisfaction, "volume": volume}, DAYS, since=DAYS[83])
    assert [s.kpi for s in recent] == ["satisfaction"]
    with pytest.raises(ValueError, match="days"):
        signals({"volume": volume}, DAYS[:10])


def test_daily_kpis_from_sums() -> None:
    paired = [PairedSums.from_pairs([(5, 6), (4, 2)]), PairedSums()]
    nps = [ValueSums.from_values([10, 3]), ValueSums()]
    series = daily_kpis(paired=paired, nps=nps, responses=[2, 0])
    assert tuple(series) == SERIES_KPIS
    assert series == {
        "satisfaction": [4.0, None],
        "gap": [-0.5, None],
        "nps": [0.0, None],
        "volume": [2.0, 0.0],
    }


OFFICE_WEEK = (1.15, 1.05, 1.0, 1.0, 0.9, 0.2, 0.05)  # thin weekends, Monday..Sunday


def simulate_raw(
    rng: np.random.Generator,
    *,
    days: int = 90,
    per_day: float = 20,
    drop: float = 0.0,
    weekly: bool = False,
    day_sd: float = 0.1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Raw answers of one touchpoint: day index, expectation, satisfaction, NPS score.

    Ordinary noise: answer-level spread plus a small day-to-day wobble (day_sd) of the mean.
    """
    rate = np.full(days, per_day)
    if weekly:
        rate = rate * np.array([OFFICE_WEEK[d.weekday()] for d in DAYS[:days]])
    counts = rng.poisson(rate)
    day = np.repeat(np.arange(days), counts)
    mu_s, mu_e, mu_v = rng.uniform(4.5, 6.0), rng.uniform(4.5, 6.2), rng.uniform(6.5, 8.5)
    wobble = rng.normal(0.0, day_sd, days)[day]
    shift = np.where(day >= days - 7, drop, 0.0)
    e = np.clip(np.rint(rng.normal(mu_e, 1.2, day.size)), 1, 7).astype(np.int64)
    s = np.clip(np.rint(rng.normal(mu_s + wobble - shift, 1.3, day.size)), 1, 7).astype(np.int64)
    v = np.clip(np.rint(rng.normal(mu_v + 2 * wobble, 2.0, day.size)), 0, 10).astype(np.int64)
    return day, e, s, v


Series = dict[str, list[float | None]]
Counts = dict[str, list[int | None]]


def daily_series_of(
    day: np.ndarray, e: np.ndarray, s: np.ndarray, v: np.ndarray, *, days: int = 90
) -> tuple[Series, Counts]:
    """Raw answers stored as daily sums (vectorised), turned into daily KPI series and counts."""

    def per_day_sum(x: np.ndarray) -> list[int]:
        return [int(t) for t in np.bincount(day, weights=x, minlength=days).round()]

    g = s - e
    ones = np.ones_like(s)
    cols = [per_day_sum(x) for x in (ones, e, s, e * e, s * s, e * s, g, g * g, e >= 6, s >= 6)]
    paired = [PairedSums(*row) for row in zip(*cols, strict=True)]
    vcols = [per_day_sum(x) for x in (ones, v, v * v, v >= 9, v >= 9, (v >= 7) & (v <= 8), v <= 6)]
    nps = [ValueSums(*row) for row in zip(*vcols, strict=True)]
    series = daily_kpis(paired=paired, nps=nps, responses=cols[0])
    return series, daily_counts(paired=paired, nps=nps)


def simulate_touchpoint(rng: np.random.Generator, **options: Any) -> tuple[Series, Counts]:
    days = options.get("days", 90)
    return daily_series_of(*simulate_raw(rng, **options), days=days)


def test_daily_series_from_sums_equal_raw_daily_figures() -> None:
    # Given raw answers with some days empty (about two answers a day)
    rng = np.random.default_rng(0)
    day, e, s, v = simulate_raw(rng, days=30, per_day=2)
    series, counts = daily_series_of(day, e, s, v, days=30)
    # Then each day's KPI equals the figure computed on that day's raw answers
    for d in range(30):
        mask = day == d
        assert series["volume"][d] == float(mask.sum())
        assert counts["satisfaction"][d] == counts["nps"][d] == int(mask.sum())
        if not mask.any():
            assert series["satisfaction"][d] is None
            assert series["nps"][d] is None
            continue
        assert series["satisfaction"][d] == pytest.approx(s[mask].mean(), abs=TOL)
        assert series["gap"][d] == pytest.approx((s[mask] - e[mask]).mean(), abs=TOL)
        nps = 100 * ((v[mask] >= 9).mean() - (v[mask] <= 6).mean())
        assert series["nps"][d] == pytest.approx(nps, abs=TOL)
    assert any(x is None for x in series["satisfaction"])


def false_signal_rates(
    seed: int, *, weekly: bool, use_counts: bool, touchpoints: int = 200
) -> tuple[dict[str, float], float]:
    """Signals per 90-day series per KPI, and per touchpoint over all four KPIs."""
    rng = np.random.default_rng(seed)
    per_kpi: dict[str, int] = dict.fromkeys(SERIES_KPIS, 0)
    total = 0
    for _ in range(touchpoints):
        series, counts = simulate_touchpoint(rng, weekly=weekly)
        found = signals(series, DAYS, counts=counts if use_counts else None)
        total += len(found)
        for s in found:
            per_kpi[s.kpi] += 1
    return {k: v / touchpoints for k, v in per_kpi.items()}, total / touchpoints


def test_stable_series_raise_few_false_signals(capsys: pytest.CaptureFixture[str]) -> None:
    # Given 200 simulated touchpoints with 90 stable days each (about 20 answers a day), once
    # with a steady volume and once with thin weekends
    steady, steady_tp = false_signal_rates(2025, weekly=False, use_counts=True)
    weekly, weekly_tp = false_signal_rates(2026, weekly=True, use_counts=True)
    unweighted, unweighted_tp = false_signal_rates(2026, weekly=True, use_counts=False)
    with capsys.disabled():
        print(
            f"\nfalse signals per 90-day series, steady volume: {steady} "
            f"(per touchpoint, all four KPIs: {steady_tp:.3f})"
            f"\nthin weekends, with counts: {weekly} (per touchpoint: {weekly_tp:.3f})"
            f"\nthin weekends, without counts: {unweighted} (per touchpoint: {unweighted_tp:.3f})"
        )
    # Then each series raises well under one false signal on average
    for rates in (steady, weekly):
        assert all(rate <= 0.5 for rate in rates.values())
    assert steady_tp <= 1.0
    assert weekly_tp <= 1.0
    # and weighing by counts keeps thin weekend days from raising false signals
    mean_kpis = ("satisfaction", "gap", "nps")
    assert sum(weekly[k] for k in mean_kpis) < sum(unweighted[k] for k in mean_kpis)


def test_a_step_drop_in_the_last_week_is_detected(capsys: pytest.CaptureFixture[str]) -> None:
    # Given touchpoints whose satisfaction drops over the last 7 days (about 20 answers a day)
    rng = np.random.default_rng(7)
    trials = {1.5: 200, 0.5: 100}
    detected = dict.fromkeys(trials, 0)
    for drop, count in trials.items():
        for _ in range(count):
            series, counts = simulate_touchpoint(rng, drop=drop)
            found = signals(
                {"satisfaction": series["satisfaction"]}, DAYS, counts=counts, since=DAYS[-7]
            )
            if any(s.direction == "down" and s.ongoing for s in found):
                detected[drop] += 1
    power = {drop: detected[drop] / trials[drop] for drop in trials}
    with capsys.disabled():
        print(f"\ndetection power of a drop over the last 7 days (n≈20/day): {power}")
    # Then the 1.5-point drop is flagged (essentially always), and most 0.5-point drops too
    assert power[1.5] == 1.0
    assert power[0.5] >= 0.5
