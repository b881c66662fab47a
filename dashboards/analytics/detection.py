"""Breach detection over daily sums: pure functions, no ORM.

A series is a list of days (oldest first) ending on the day under evaluation. Each condition
looks at that last day and, when it is breached, walks back to the first day of the uninterrupted
breach: that start day identifies the breach, so the same breach is recognised on every later
evaluation and never alerts twice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from scipy import stats

from dashboards.analytics import PairedSums, ValueSums
from dashboards.analytics.changes import Comparison
from dashboards.analytics.monitoring import control_chart
from dashboards.analytics.vocabulary import Kpi

Direction = Literal["down", "up"]

CONTROL_LIMITS = "control_limits"
THRESHOLD = "threshold"
SIGNIFICANT_DROP = "significant_drop"

LOOKBACK_DAYS = 30
"""How far back the start of an ongoing breach is searched (threshold and drop conditions)."""
EWMA_LAMBDA = 0.2


class DayLike(Protocol):
    """One day's sums of a touchpoint (dashboards.statistics.selectors.kpis.DaySums)."""

    @property
    def day(self) -> date: ...
    @property
    def responses(self) -> int: ...
    @property
    def paired(self) -> PairedSums: ...
    @property
    def nps(self) -> ValueSums: ...


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What detection needs of an alert rule."""

    rule_id: int
    kpi: str
    condition: str
    threshold: float | None = None
    min_change: float = 0.0
    alpha: float = 0.01
    width: float = 3.0
    period_days: int = 7
    baseline_days: int = 28
    min_n: int = 30


@dataclass(frozen=True, slots=True)
class Breach:
    """A rule breached on `day`; `breach_start` is the first day of the uninterrupted breach.

    value: the smoothed value (control limits) or the period's value; expected: the centre line or
    the baseline period's value; limit: the control limit or threshold crossed (None for a drop,
    whose evidence is the p-value).
    """

    rule_id: int
    kpi: str
    direction: Direction
    value: float
    expected: float | None
    limit: float | None
    p_value: float | None
    n: int
    day: date
    breach_start: date


def series_days_needed(rule: RuleSpec) -> int:
    """How many days of history (including the evaluated day) detection reads for a rule."""
    if rule.condition == CONTROL_LIMITS:
        return rule.baseline_days + rule.period_days
    if rule.condition == SIGNIFICANT_DROP:
        return rule.baseline_days + rule.period_days + LOOKBACK_DAYS
    return rule.period_days + LOOKBACK_DAYS


def kpi_of_day(kpi: str, day: DayLike) -> tuple[float | None, int]:
    """The KPI of one day and the number of answers behind it."""
    return kpi_of_period(kpi, [day])


def kpi_of_period(kpi: str, days: Sequence[DayLike]) -> tuple[float | None, int]:
    """The KPI over several days (pooled answers; volume: responses per day) and its n."""
    if kpi == Kpi.VOLUME:
        total = sum(d.responses for d in days)
        return (total / len(days) if days else None), total
    if kpi == Kpi.NPS:
        v = ValueSums.sum_of(d.nps for d in days)
        n = v.promoters + v.passives + v.detractors
        return (100.0 * (v.promoters - v.detractors) / n if n else None), n
    sums = PairedSums.sum_of(d.paired for d in days)
    if sums.n == 0:
        return None, 0
    if kpi == Kpi.SATISFACTION:
        return sums.sum_s / sums.n, sums.n
    if kpi == Kpi.GAP:
        return sums.sum_gap / sums.n, sums.n
    if kpi == Kpi.TOP2:
        return sums.top2_s / sums.n, sums.n
    raise ValueError(f"unknown KPI {kpi!r}")


def _allowed(kpi: str, direction: Direction) -> bool:
    # Volume matters both ways (a spike is news too); every other KPI alerts on drops only.
    return kpi == Kpi.VOLUME or direction == "down"


def detect(
    rule: RuleSpec, series: Sequence[DayLike], *, partial_last_day: bool = False
) -> Breach | None:
    """The breach of `rule` on the last day of `series`, or None.

    partial_last_day: the last day is still running (hourly evaluation); volume is not judged on
    an unfinished day.
    """
    if not series or (partial_last_day and rule.kpi == Kpi.VOLUME):
        return None
    if rule.condition == CONTROL_LIMITS:
        return _control_limits(rule, series)
    if rule.condition == SIGNIFICANT_DROP:
        return _significant_drop(rule, series)
    if rule.condition == THRESHOLD:
        return _threshold(rule, series)
    raise ValueError(f"unknown condition {rule.condition!r}")


def _control_limits(rule: RuleSpec, series: Sequence[DayLike]) -> Breach | None:
    window = list(series[-(rule.baseline_days + rule.period_days) :])
    values: list[float | None] = []
    counts: list[int | None] = []
    for day in window:
        value, n = kpi_of_day(rule.kpi, day)
        # Volume is a count: a quiet day is a value. Other KPIs need enough answers that day.
        enough = rule.kpi == Kpi.VOLUME or n >= rule.min_n
        values.append(value if enough else None)
        counts.append(n if enough else 0)
    chart = control_chart(
        values,
        method="ewma",
        lam=EWMA_LAMBDA,
        width=rule.width,
        baseline=max(0, len(values) - rule.period_days),
        # Mean-type KPIs: a thin day weighs less than a busy one.
        counts=None if rule.kpi == Kpi.VOLUME else counts,
    )
    last = len(values) - 1
    direction = chart.direction(last)
    stat, center = chart.ewma[last], chart.center
    if direction is None or stat is None or center is None or not _allowed(rule.kpi, direction):
        return None
    if abs(stat - center) < rule.min_change:
        return None
    start = last
    for i in range(last - 1, -1, -1):
        if values[i] is None:
            continue  # a day without enough answers neither breaks nor extends the run
        if chart.direction(i) != direction:
            break
        start = i
    limit = chart.lower[last] if direction == "down" else chart.upper[last]
    return Breach(
        rule_id=rule.rule_id,
        kpi=rule.kpi,
        direction=direction,
        value=stat,
        expected=center,
        limit=limit,
        p_value=None,
        n=kpi_of_day(rule.kpi, window[last])[1],
        day=window[last].day,
        breach_start=window[start].day,
    )


def _answer_sums(kpi: str, day: DayLike) -> tuple[int, float, float]:
    """Count, sum and sum of squares of the per-answer score behind a mean-type KPI."""
    if kpi == Kpi.NPS:
        v = day.nps
        # The NPS is the mean of a score of +100 (promoter), 0 (passive) or -100 (detractor).
        n = v.promoters + v.passives + v.detractors
        return n, 100.0 * (v.promoters - v.detractors), 10_000.0 * (v.promoters + v.detractors)
    p = day.paired
    if kpi == Kpi.SATISFACTION:
        return p.n, float(p.sum_s), float(p.sumsq_s)
    if kpi == Kpi.GAP:
        return p.n, float(p.sum_gap), float(p.sumsq_gap)
    if kpi == Kpi.TOP2:
        return p.n, float(p.top2_s), float(p.top2_s)
    raise ValueError(f"no per-answer score for KPI {kpi!r}")


def _days_needed(period: int) -> int:
    # Half the days with answers, and never fewer than two to measure day-to-day spread.
    return max(2, math.ceil(period / 2))


def _spread(days: Sequence[tuple[int, float, float]]) -> tuple[float, int, float, int]:
    """Between-day sum of squares (answer-weighted), its degrees of freedom, and the within-
    period variance of answers with its n, for one period's days (n, sum, sumsq)."""
    used = [(n, s, q) for n, s, q in days if n > 0]
    n_total = sum(n for n, _s, _q in used)
    s_total = math.fsum(s for _n, s, _q in used)
    q_total = math.fsum(q for _n, _s, q in used)
    if n_total < 2:
        return 0.0, 0, 0.0, n_total
    between = math.fsum(s * s / n for n, s, _q in used) - s_total * s_total / n_total
    within = (q_total - s_total * s_total / n_total) / (n_total - 1)
    return max(between, 0.0), len(used) - 1, max(within, 0.0), n_total


def _normal_less(diff: float, variance: float, n_a: int, n_b: int) -> Comparison:
    if variance <= 0.0:
        return Comparison(diff, None, 0.0 if diff < 0 else 1.0, None, n_a, n_b)
    z = diff / math.sqrt(variance)
    return Comparison(diff, z, float(stats.norm.cdf(z)), None, n_a, n_b)


def drop_test(
    rule: RuleSpec, before: Sequence[DayLike], recent: Sequence[DayLike]
) -> Comparison | None:
    """One-sided test that the KPI over `recent` lies below `before`; None without enough data.

    Over answers with the variance pooled under "no change" (a z-test), widened by the
    overdispersion between days: answers of one day share its circumstances (staffing, weather,
    a campaign), so days scatter more than independent answers would. The dispersion factor is
    the between-day variation against what the answer variance predicts, at least 1. Volume:
    daily counts as Poisson rates, widened the same way. Needs min_n answers in each period
    (volume: responses) and answers on at least half of each period's days.
    """
    if rule.kpi == Kpi.VOLUME:
        return _volume_drop(rule, before, recent)
    a = [_answer_sums(rule.kpi, d) for d in before]
    b = [_answer_sums(rule.kpi, d) for d in recent]
    between_a, df_a, within_a, n_a = _spread(a)
    between_b, df_b, within_b, n_b = _spread(b)
    if n_a < max(rule.min_n, 2) or n_b < max(rule.min_n, 2):
        return None
    if df_a + 1 < _days_needed(len(before)) or df_b + 1 < _days_needed(len(recent)):
        return None
    s_a, s_b = math.fsum(s for _n, s, _q in a), math.fsum(s for _n, s, _q in b)
    q = math.fsum(q for _n, _s, q in a) + math.fsum(q for _n, _s, q in b)
    n = n_a + n_b
    pooled = max((q - (s_a + s_b) ** 2 / n) / (n - 1), 0.0)
    within = ((n_a - 1) * within_a + (n_b - 1) * within_b) / (n - 2)
    dispersion = 1.0
    if within > 0.0 and df_a + df_b > 0:
        dispersion = max(1.0, (between_a + between_b) / ((df_a + df_b) * within))
    diff = s_b / n_b - s_a / n_a
    return _normal_less(diff, pooled * (1 / n_a + 1 / n_b) * dispersion, n_a, n_b)


def _volume_drop(
    rule: RuleSpec, before: Sequence[DayLike], recent: Sequence[DayLike]
) -> Comparison | None:
    a = [d.responses for d in before]
    b = [d.responses for d in recent]
    c_a, c_b = sum(a), sum(b)
    if c_a < rule.min_n or len(a) < 2 or len(b) < 2:
        return None
    rate_a, rate_b = c_a / len(a), c_b / len(b)
    rate = (c_a + c_b) / (len(a) + len(b))
    squares = math.fsum((c - rate_a) ** 2 for c in a) + math.fsum((c - rate_b) ** 2 for c in b)
    dispersion = max(1.0, squares / ((len(a) + len(b) - 2) * rate)) if rate > 0 else 1.0
    variance = rate * (1 / len(a) + 1 / len(b)) * dispersion
    return _normal_less(rate_b - rate_a, variance, c_a, c_b)


def _drop_at(rule: RuleSpec, series: Sequence[DayLike], end: int) -> Comparison | None:
    """The test for the period ending at index `end`, when it shows a significant drop."""
    first = end - rule.period_days - rule.baseline_days + 1
    if first < 0:
        return None
    before = series[first : end - rule.period_days + 1]
    recent = series[end - rule.period_days + 1 : end + 1]
    result = drop_test(rule, before, recent)
    if result is None or not result.significant(rule.alpha):
        return None
    # The size that matters to people is the change of the pooled KPI they see on the dashboard.
    value, _ = kpi_of_period(rule.kpi, recent)
    expected, _ = kpi_of_period(rule.kpi, before)
    if value is None or expected is None or value - expected > -rule.min_change:
        return None
    return result


def _significant_drop(rule: RuleSpec, series: Sequence[DayLike]) -> Breach | None:
    last = len(series) - 1
    result = _drop_at(rule, series, last)
    if result is None:
        return None
    start = last
    for i in range(last - 1, max(-1, last - 1 - LOOKBACK_DAYS), -1):
        if _drop_at(rule, series, i) is None:
            break
        start = i
    recent = series[last - rule.period_days + 1 :]
    before = series[last - rule.period_days - rule.baseline_days + 1 : last - rule.period_days + 1]
    value, n = kpi_of_period(rule.kpi, recent)
    expected, _ = kpi_of_period(rule.kpi, before)
    if value is None:
        return None
    return Breach(
        rule_id=rule.rule_id,
        kpi=rule.kpi,
        direction="down",
        value=value,
        expected=expected,
        limit=None,
        p_value=result.p_value,
        n=n,
        day=series[last].day,
        breach_start=series[start].day,
    )


def _below_at(rule: RuleSpec, series: Sequence[DayLike], end: int) -> tuple[float, int] | None:
    first = end - rule.period_days + 1
    if first < 0 or rule.threshold is None:
        return None
    value, n = kpi_of_period(rule.kpi, series[first : end + 1])
    if value is None or n < rule.min_n or value >= rule.threshold:
        return None
    return value, n


def _threshold(rule: RuleSpec, series: Sequence[DayLike]) -> Breach | None:
    last = len(series) - 1
    found = _below_at(rule, series, last)
    if found is None:
        return None
    start = last
    for i in range(last - 1, max(-1, last - 1 - LOOKBACK_DAYS), -1):
        if _below_at(rule, series, i) is None:
            break
        start = i
    value, n = found
    return Breach(
        rule_id=rule.rule_id,
        kpi=rule.kpi,
        direction="down",
        value=value,
        expected=None,
        limit=rule.threshold,
        p_value=None,
        n=n,
        day=series[last].day,
        breach_start=series[start].day,
    )
