"""KPIs with confidence intervals from sufficient statistics.

Conventions: a figure that is undefined (no answers; a spread from a single answer) is None, never
NaN, and nothing here divides by zero. Variances come from the integer sums as
(n*sumsq - sum^2) / (n*(n-1)), which is exact in integer arithmetic, so there is no cancellation;
float inputs are tolerated and a tiny negative numerator from rounding is clipped to 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from scipy import stats

from .sums import PairedSums, ValueSums

SMALL_N = 30
"""Below this many answers a figure is shown as indicative only (the small-n flag)."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its confidence interval; `sd` is the sample standard deviation.

    `value` is None when n = 0; `ci` is None when n < 2; `sd` is None where not applicable.
    Shares (top-two-box) are fractions 0..1; NPS is in points -100..100.
    """

    value: float | None
    ci: tuple[float, float] | None
    n: int
    sd: float | None = None

    @property
    def small_n(self) -> bool:
        return self.n < SMALL_N


_EMPTY = Estimate(None, None, 0)


@dataclass(frozen=True, slots=True)
class PairedKpis:
    """Expectation, satisfaction and gap (satisfaction - expectation) of paired answers."""

    expectation: Estimate
    satisfaction: Estimate
    gap: Estimate
    top2_satisfaction: Estimate
    small_n: bool
    top2_expectation: Estimate = _EMPTY
    n: int = 0


# scipy's ppf costs ~80 µs a call and a page asks for the same few quantiles thousands of times.
@cache
def _quantile_t(level: float, df: int) -> float:
    return float(stats.t.ppf(0.5 + level / 2.0, df))


@cache
def _quantile_z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2.0))


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")


def sample_variance(n: float, total: float, sumsq: float) -> float | None:
    """Sample variance (ddof=1) from count, sum and sum of squares; None for n < 2."""
    if n < 2:
        return None
    numerator = n * sumsq - total * total
    # Exact for ints; for floats rounding can leave a tiny negative for constant data.
    return max(numerator, 0) / (n * (n - 1))


def mean_estimate(n: int, total: float, sumsq: float, *, level: float = 0.95) -> Estimate:
    """Mean with a Student-t interval (df = n - 1) from count, sum and sum of squares."""
    _check_level(level)
    if n <= 0:
        return _EMPTY
    mean = total / n
    var = sample_variance(n, total, sumsq)
    if var is None:
        return Estimate(mean, None, n)
    sd = math.sqrt(var)
    half = _quantile_t(level, n - 1) * sd / math.sqrt(n)
    return Estimate(mean, (mean - half, mean + half), n, sd)


def wilson_estimate(successes: int, n: int, *, level: float = 0.95) -> Estimate:
    """Share successes/n with the Wilson score interval (stays inside [0, 1], fine near 0 and 1)."""
    _check_level(level)
    if n <= 0:
        return _EMPTY
    p = successes / n
    z = _quantile_z(level)
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z / denom * math.sqrt(max(p * (1.0 - p) / n + z2 / (4.0 * n * n), 0.0))
    return Estimate(p, (max(centre - half, 0.0), min(centre + half, 1.0)), n)


def paired_kpis(sums: PairedSums, *, level: float = 0.95) -> PairedKpis:
    """Means of expectation and satisfaction and the gap, each with a t interval.

    The gap interval is that of the paired difference (from sum_gap and sumsq_gap), the same as a
    paired t-test's; it is narrower than combining the two separate intervals because expectation
    and satisfaction of one answer are correlated.
    """
    n = sums.n
    return PairedKpis(
        expectation=mean_estimate(n, sums.sum_e, sums.sumsq_e, level=level),
        satisfaction=mean_estimate(n, sums.sum_s, sums.sumsq_s, level=level),
        gap=mean_estimate(n, sums.sum_gap, sums.sumsq_gap, level=level),
        top2_satisfaction=wilson_estimate(sums.top2_s, n, level=level),
        small_n=n < SMALL_N,
        top2_expectation=wilson_estimate(sums.top2_e, n, level=level),
        n=n,
    )


def value_mean(sums: ValueSums, *, level: float = 0.95) -> Estimate:
    """Mean of a single-value item (overall satisfaction, effort, or the raw 0-10 NPS score)."""
    return mean_estimate(sums.n, sums.sum_v, sums.sumsq_v, level=level)


def value_top2(sums: ValueSums, *, level: float = 0.95) -> Estimate:
    """Top-two-box share of a single-value item with the Wilson interval."""
    return wilson_estimate(sums.top2_v, sums.n, level=level)


def nps_parts(sums: ValueSums) -> tuple[int, float, float] | None:
    n = sums.promoters + sums.passives + sums.detractors
    if n <= 0:
        return None
    p_pro = sums.promoters / n
    p_det = sums.detractors / n
    diff = p_pro - p_det
    # Per-answer variance of the score +1/0/-1 (promoter/passive/detractor), population form.
    var = max(p_pro + p_det - diff * diff, 0.0)
    return n, 100.0 * diff, var


def nps_kpi(sums: ValueSums, *, level: float = 0.95) -> Estimate:
    """Net Promoter Score 100*(p+ - p-) with a normal (Wald) interval, clipped to [-100, 100].

    The interval is NPS ± z * 100 * sqrt((p+ + p- - (p+ - p-)^2) / n) with z the normal quantile
    and n = promoters + passives + detractors: the NPS is the mean of a score that is +1 for a
    promoter, 0 for a passive and -1 for a detractor, and that expression is the score's variance.
    It collapses to zero width when all answers fall in one class; it is None for n < 2.
    `sd` is the per-answer standard deviation in NPS points.
    """
    _check_level(level)
    parts = nps_parts(sums)
    if parts is None:
        return _EMPTY
    n, value, var = parts
    sd = 100.0 * math.sqrt(var)
    if n < 2:
        return Estimate(value, None, n, None)
    half = _quantile_z(level) * sd / math.sqrt(n)
    return Estimate(value, (max(value - half, -100.0), min(value + half, 100.0)), n, sd)
