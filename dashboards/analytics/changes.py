"""Is the change between two periods significant? Tests on sums, for "what changed" and alerts.

Every comparison is `b - a`: pass the previous period as `a` and the current one as `b`, so a drop
has a negative difference. `alternative="less"` asks "did it drop?", "greater" "did it rise?".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import stats

from .kpis import nps_parts, sample_variance
from .sums import PairedSums, ValueSums

Alternative = Literal["two-sided", "less", "greater"]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Difference b - a with its test statistic and p-value (None where undefined).

    `df` is the Welch-Satterthwaite degrees of freedom for t-tests and None for z-tests.
    When both spreads are zero the p-value is 0.0 if the values differ and 1.0 if they are equal
    (in the direction of `alternative`), instead of NaN.
    """

    diff: float | None
    statistic: float | None
    p_value: float | None
    df: float | None
    n_a: int
    n_b: int

    def significant(self, alpha: float = 0.05) -> bool:
        return self.p_value is not None and self.p_value < alpha


@dataclass(frozen=True, slots=True)
class PairedChange:
    """Changes of the paired KPIs between two periods (each b - a)."""

    satisfaction: Comparison
    gap: Comparison
    expectation: Comparison
    top2_satisfaction: Comparison


def _p_from_stat(stat: float, alternative: Alternative, sf: float, cdf: float) -> float:
    if alternative == "less":
        return cdf
    if alternative == "greater":
        return sf
    return min(1.0, 2.0 * min(sf, cdf)) if not math.isnan(stat) else 1.0


def _degenerate(diff: float, alternative: Alternative) -> float:
    # Zero spread on both sides: the difference is certain.
    if alternative == "less":
        return 0.0 if diff < 0 else 1.0
    if alternative == "greater":
        return 0.0 if diff > 0 else 1.0
    return 0.0 if diff != 0 else 1.0


def welch_test(
    n_a: int,
    sum_a: float,
    sumsq_a: float,
    n_b: int,
    sum_b: float,
    sumsq_b: float,
    *,
    alternative: Alternative = "two-sided",
) -> Comparison:
    """Welch's unequal-variance t-test of mean_b - mean_a from counts, sums and sums of squares."""
    var_a = sample_variance(n_a, sum_a, sumsq_a)
    var_b = sample_variance(n_b, sum_b, sumsq_b)
    if var_a is None or var_b is None:
        diff = sum_b / n_b - sum_a / n_a if n_a > 0 and n_b > 0 else None
        return Comparison(diff, None, None, None, n_a, n_b)
    diff = sum_b / n_b - sum_a / n_a
    qa, qb = var_a / n_a, var_b / n_b
    se2 = qa + qb
    if se2 <= 0.0:
        return Comparison(diff, None, _degenerate(diff, alternative), None, n_a, n_b)
    t = diff / math.sqrt(se2)
    df = se2 * se2 / (qa * qa / (n_a - 1) + qb * qb / (n_b - 1))
    p = _p_from_stat(t, alternative, float(stats.t.sf(t, df)), float(stats.t.cdf(t, df)))
    return Comparison(diff, t, p, df, n_a, n_b)


def proportion_test(
    x_a: int, n_a: int, x_b: int, n_b: int, *, alternative: Alternative = "two-sided"
) -> Comparison:
    """Two-proportion z-test of p_b - p_a with the pooled variance under H0 (diff as a share)."""
    if n_a <= 0 or n_b <= 0:
        return Comparison(None, None, None, None, n_a, n_b)
    p_a, p_b = x_a / n_a, x_b / n_b
    diff = p_b - p_a
    pooled = (x_a + x_b) / (n_a + n_b)
    se2 = pooled * (1.0 - pooled) * (1.0 / n_a + 1.0 / n_b)
    if se2 <= 0.0:
        return Comparison(diff, None, _degenerate(diff, alternative), None, n_a, n_b)
    z = diff / math.sqrt(se2)
    p = _p_from_stat(z, alternative, float(stats.norm.sf(z)), float(stats.norm.cdf(z)))
    return Comparison(diff, z, p, None, n_a, n_b)


def change_significance(
    a: PairedSums, b: PairedSums, *, alternative: Alternative = "two-sided"
) -> PairedChange:
    """Welch t-tests for satisfaction, gap and expectation, and a z-test for top-two-box (b - a)."""
    return PairedChange(
        satisfaction=welch_test(
            a.n, a.sum_s, a.sumsq_s, b.n, b.sum_s, b.sumsq_s, alternative=alternative
        ),
        gap=welch_test(
            a.n, a.sum_gap, a.sumsq_gap, b.n, b.sum_gap, b.sumsq_gap, alternative=alternative
        ),
        expectation=welch_test(
            a.n, a.sum_e, a.sumsq_e, b.n, b.sum_e, b.sumsq_e, alternative=alternative
        ),
        top2_satisfaction=proportion_test(a.top2_s, a.n, b.top2_s, b.n, alternative=alternative),
    )


def nps_change(a: ValueSums, b: ValueSums, *, alternative: Alternative = "two-sided") -> Comparison:
    """Difference of two NPS (points) with z = diff / sqrt(var_a/n_a + var_b/n_b).

    var is the per-answer variance of the +1/0/-1 score used by `nps_kpi` (unpooled, in NPS
    points squared): the two periods are independent samples, so the variances add.
    """
    pa, pb = nps_parts(a), nps_parts(b)
    if pa is None or pb is None:
        return Comparison(None, None, None, None, pa[0] if pa else 0, pb[0] if pb else 0)
    n_a, nps_a, var_a = pa
    n_b, nps_b, var_b = pb
    diff = nps_b - nps_a
    se2 = 10_000.0 * (var_a / n_a + var_b / n_b)
    if n_a < 2 or n_b < 2:
        return Comparison(diff, None, None, None, n_a, n_b)
    if se2 <= 0.0:
        return Comparison(diff, None, _degenerate(diff, alternative), None, n_a, n_b)
    z = diff / math.sqrt(se2)
    p = _p_from_stat(z, alternative, float(stats.norm.sf(z)), float(stats.norm.cdf(z)))
    return Comparison(diff, z, p, None, n_a, n_b)


def volume_change(
    count_a: int,
    count_b: int,
    *,
    days_a: int = 1,
    days_b: int = 1,
    alternative: Alternative = "two-sided",
) -> Comparison:
    """Change of the daily response rate (b - a, per day), tested as two Poisson rates.

    Conditional on the total, count_b is binomial with p = days_b / (days_a + days_b) under equal
    rates; the p-value is that exact binomial test's. statistic is None.
    """
    if days_a <= 0 or days_b <= 0:
        raise ValueError("days_a and days_b must be positive")
    diff = count_b / days_b - count_a / days_a
    total = count_a + count_b
    if total == 0:
        return Comparison(diff, None, 1.0, None, count_a, count_b)
    share = days_b / (days_a + days_b)
    result = stats.binomtest(count_b, total, share, alternative=alternative)
    return Comparison(diff, None, float(result.pvalue), None, count_a, count_b)
