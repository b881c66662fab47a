"""Breach detection over daily sums, checked against numpy/scipy on the raw answers."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from dashboards.analytics import PairedSums, ValueSums
from dashboards.analytics.detection import (
    CONTROL_LIMITS,
    SIGNIFICANT_DROP,
    THRESHOLD,
    RuleSpec,
    detect,
    drop_test,
)
from dashboards.analytics.monitoring import control_chart
from dashboards.statistics.selectors.kpis import DaySums

END = date(2026, 3, 31)
TOL = 1e-9
# One KPI's per-answer scores from a day's expectations, satisfactions and values.
Score = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def raw_days(
    rng: np.random.Generator,
    *,
    days: int,
    volume: float,
    mean: float,
    day_sd: float,
    drop: float = 0.0,
    drop_days: int = 0,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    out = []
    for i in range(days):
        n = int(rng.poisson(volume))
        shift = rng.normal(0, day_sd) - (drop if i >= days - drop_days else 0.0)
        e = np.clip(np.rint(rng.normal(5.0, 1.0, n)), 1, 7).astype(int)
        s = np.clip(np.rint(rng.normal(mean + shift, 1.1, n)), 1, 7).astype(int)
        v = np.clip(np.rint(rng.normal(7.0 + 0.8 * (s - mean), 2.0, n)), 0, 10).astype(int)
        out.append((e, s, v))
    return out


def to_series(raw: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> list[DaySums]:
    first = END - timedelta(days=len(raw) - 1)
    return [
        DaySums(
            day=first + timedelta(days=i),
            responses=len(s),
            paired=PairedSums.from_pairs(zip(e.tolist(), s.tolist(), strict=True)),
            nps=ValueSums.from_values(v.tolist()),
        )
        for i, (e, s, v) in enumerate(raw)
    ]


def reference_drop(groups_a: list[np.ndarray], groups_b: list[np.ndarray]) -> tuple[float, float]:
    """The documented test on raw per-answer scores grouped by day: (z, one-sided p)."""
    groups_a = [g for g in groups_a if len(g)]
    groups_b = [g for g in groups_b if len(g)]
    a, b = np.concatenate(groups_a), np.concatenate(groups_b)
    pooled = np.var(np.concatenate([a, b]), ddof=1)
    within = ((len(a) - 1) * np.var(a, ddof=1) + (len(b) - 1) * np.var(b, ddof=1)) / (
        len(a) + len(b) - 2
    )
    between = sum(len(g) * (g.mean() - a.mean()) ** 2 for g in groups_a) + sum(
        len(g) * (g.mean() - b.mean()) ** 2 for g in groups_b
    )
    dispersion = max(1.0, between / ((len(groups_a) - 1 + len(groups_b) - 1) * within))
    z = (b.mean() - a.mean()) / np.sqrt(pooled * (1 / len(a) + 1 / len(b)) * dispersion)
    return float(z), float(stats.norm.cdf(z))


@pytest.mark.parametrize("day_sd", [0.0, 0.4])
def test_drop_test_equals_numpy_on_raw_answers(day_sd: float) -> None:
    # Given 35 days of raw answers (with and without day-to-day swings) and a drop at the end
    rng = np.random.default_rng(7)
    raw = raw_days(rng, days=35, volume=25, mean=5.0, day_sd=day_sd, drop=0.4, drop_days=7)
    series = to_series(raw)
    before, recent = series[:28], series[28:]

    scores: list[tuple[str, Score]] = [
        ("satisfaction", lambda e, s, v: s.astype(float)),
        ("gap", lambda e, s, v: (s - e).astype(float)),
        ("top2", lambda e, s, v: (s >= 6).astype(float)),
        ("nps", lambda e, s, v: np.where(v >= 9, 100.0, np.where(v <= 6, -100.0, 0.0))),
    ]
    for kpi, score in scores:
        rule = RuleSpec(rule_id=1, kpi=kpi, condition=SIGNIFICANT_DROP, min_n=30)
        # When the drop test runs on the daily sums
        result = drop_test(rule, before, recent)
        # Then it equals the documented computation on the raw answers
        z, p = reference_drop([score(*day) for day in raw[:28]], [score(*day) for day in raw[28:]])
        assert result is not None
        assert result.statistic == pytest.approx(z, abs=TOL), kpi
        assert result.p_value == pytest.approx(p, abs=TOL), kpi
        a = np.concatenate([score(*day) for day in raw[:28]])
        b = np.concatenate([score(*day) for day in raw[28:]])
        assert result.diff == pytest.approx(b.mean() - a.mean(), abs=TOL)


def test_day_to_day_swings_widen_the_test() -> None:
    # Given the same answers once without and once with strong day effects
    calm = to_series(raw_days(np.random.default_rng(3), days=35, volume=40, mean=5, day_sd=0))
    noisy = to_series(raw_days(np.random.default_rng(3), days=35, volume=40, mean=5, day_sd=0.6))
    rule = RuleSpec(rule_id=1, kpi="satisfaction", condition=SIGNIFICANT_DROP)
    calm_result = drop_test(rule, calm[:28], calm[28:])
    noisy_result = drop_test(rule, noisy[:28], noisy[28:])
    assert calm_result is not None and noisy_result is not None
    assert calm_result.statistic is not None and noisy_result.statistic is not None
    # Then the noisy days make a smaller test statistic per unit of difference
    assert abs(noisy_result.statistic / noisy_result.diff) < abs(  # type: ignore[operator]
        calm_result.statistic / calm_result.diff  # type: ignore[operator]
    )


def test_volume_drop_equals_numpy_on_daily_counts() -> None:
    counts = [30, 28, 35, 31, 29, 33, 30] * 4 + [12, 15, 10, 14, 13, 11, 12]
    series = [
        DaySums(END - timedelta(days=34 - i), c, PairedSums(), ValueSums())
        for i, c in enumerate(counts)
    ]
    rule = RuleSpec(rule_id=1, kpi="volume", condition=SIGNIFICANT_DROP, min_n=30)
    result = drop_test(rule, series[:28], series[28:])
    a, b = np.array(counts[:28], float), np.array(counts[28:], float)
    rate = np.concatenate([a, b]).mean()
    dispersion = max(1.0, (((a - a.mean()) ** 2).sum() + ((b - b.mean()) ** 2).sum()) / (33 * rate))
    z = (b.mean() - a.mean()) / np.sqrt(rate * (1 / 28 + 1 / 7) * dispersion)
    assert result is not None
    assert result.statistic == pytest.approx(z, abs=TOL)
    assert result.p_value == pytest.approx(stats.norm.cdf(z), abs=TOL)


def test_significant_drop_breach_and_its_start() -> None:
    # Given a clear drop over the last 5 days
    rng = np.random.default_rng(11)
    series = to_series(
        raw_days(rng, days=70, volume=30, mean=5.2, day_sd=0.05, drop=1.2, drop_days=5)
    )
    rule = RuleSpec(
        rule_id=9, kpi="satisfaction", condition=SIGNIFICANT_DROP, alpha=0.001, min_change=0.3
    )
    # When detection runs on the last day, and on the day the drop began
    breach = detect(rule, series)
    first_day = detect(rule, series[:-4])
    # Then both name the same start, so the breach is recognised as one
    assert breach is not None and first_day is not None
    assert breach.breach_start == first_day.breach_start == series[-5].day
    assert breach.day == series[-1].day and breach.direction == "down"
    recent = PairedSums.sum_of(d.paired for d in series[-7:])
    assert breach.value == pytest.approx(recent.sum_s / recent.n, abs=TOL)
    assert breach.n == recent.n
    assert breach.p_value is not None and breach.p_value < 0.001
    # A minimum drop larger than the drop silences the rule
    assert detect(replace(rule, min_change=2.0), series) is None


def test_stable_series_and_thin_data_raise_nothing() -> None:
    rng = np.random.default_rng(5)
    series = to_series(raw_days(rng, days=70, volume=30, mean=5.2, day_sd=0.05))
    for condition in (CONTROL_LIMITS, SIGNIFICANT_DROP):
        rule = RuleSpec(rule_id=1, kpi="satisfaction", condition=condition, min_n=10, alpha=0.001)
        assert detect(rule, series) is None
    # A new touchpoint with a few days of answers has no baseline yet
    young = to_series(raw_days(rng, days=3, volume=30, mean=5.2, day_sd=0.0, drop=2, drop_days=1))
    padded = [
        DaySums(END - timedelta(days=69 - i), 0, PairedSums(), ValueSums()) for i in range(67)
    ]
    rule = RuleSpec(rule_id=1, kpi="satisfaction", condition=SIGNIFICANT_DROP, min_n=10)
    assert detect(rule, padded + young) is None


def test_control_limits_breach_follows_the_control_chart() -> None:
    # Given a stable touchpoint whose satisfaction drops by 1.5 points in the last 3 days
    rng = np.random.default_rng(21)
    raw = raw_days(rng, days=63, volume=25, mean=5.5, day_sd=0.05, drop=1.5, drop_days=3)
    series = to_series(raw)
    rule = RuleSpec(
        rule_id=3, kpi="satisfaction", condition=CONTROL_LIMITS, min_n=10, baseline_days=56
    )
    breach = detect(rule, series)
    # Then it is the chart of the daily means (weighted by answers) that decides
    values = [float(s.mean()) if len(s) >= 10 else None for _e, s, _v in raw]
    counts = [len(s) if len(s) >= 10 else 0 for _e, s, _v in raw]
    chart = control_chart(values, baseline=56, counts=counts)
    assert breach is not None
    assert chart.direction(62) == "down"
    assert breach.value == pytest.approx(chart.ewma[62], abs=TOL)
    assert breach.limit == pytest.approx(chart.lower[62], abs=TOL)
    assert breach.expected == pytest.approx(chart.center, abs=TOL)
    run_start = 62
    while run_start > 0 and chart.direction(run_start - 1) == "down":
        run_start -= 1
    assert breach.breach_start == series[run_start].day
    # Volume is never judged on a running day
    volume_rule = RuleSpec(rule_id=4, kpi="volume", condition=CONTROL_LIMITS)
    assert detect(volume_rule, series, partial_last_day=True) is None


def test_threshold_breach_walks_back_to_its_start() -> None:
    means = [5.5] * 20 + [4.0] * 10
    series = [
        DaySums(
            END - timedelta(days=29 - i),
            10,
            PairedSums.from_pairs([(5, round(m))] * 5 + [(5, int(m * 2) - round(m))] * 5),
            ValueSums(),
        )
        for i, m in enumerate(means)
    ]
    rule = RuleSpec(
        rule_id=5, kpi="satisfaction", condition=THRESHOLD, threshold=4.5, period_days=3, min_n=20
    )
    breach = detect(rule, series)
    assert breach is not None
    # The 3-day mean first falls below 4.5 on the third day of the low values (4.5 is not below)
    assert breach.breach_start == series[22].day
    assert breach.limit == 4.5 and breach.value == pytest.approx(4.0)
    assert detect(replace(rule, threshold=3.5), series) is None
