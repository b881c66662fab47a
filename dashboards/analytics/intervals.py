"""Intervals with their nominal coverage: the response as the unit, NPS by adjusted Wald, change
arrows on daily means, and the rule that a sentence about a touchpoint needs evidence.

- Touchpoint-level satisfaction, expectation and gap pool several paired items of one response;
  those answers are correlated, so they are not independent observations. The mean over answers
  R = sum(S_i) / sum(m_i) (response i: m_i answers with sum S_i) gets the cluster-robust
  (linearisation) variance with the response as cluster:
      Var(R) = G / (G - 1) * sum_i (S_i - R m_i)^2 / (sum_i m_i)^2,    t with G - 1 df,
  G the number of responses. It needs sum m_i^2, sum S_i^2 and sum m_i S_i per touchpoint-day,
  additive like every other sum. It equals statsmodels' OLS on a constant with
  cov_type="cluster" (Cameron & Miller 2015).
- NPS: adjusted Wald (Rocks 2016): add 3/4 promoter and 3/4 detractor, n' = n + 3,
  NPS' = p+' - p-', interval NPS' +- z sqrt((p+' + p-' - NPS'^2) / n') in points, clipped; the
  reported value stays the raw NPS. The change test between two periods uses the adjusted
  proportions of each period and their variances added.
- Change arrows: the difference of two periods' means where each period's variance comes from
  its days (days as clusters, the formula above with days instead of responses), so days that
  differ more than their answers (overdispersion) widen it; Welch-Satterthwaite df. Fewer than
  MIN_ARROW_DAYS days with answers or MIN_ARROW_ANSWERS answers in a period: "not enough data".
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from scipy import stats

from .kpis import SMALL_N, Estimate, PairedKpis, paired_kpis
from .sums import PairedSums, ValueSums

MIN_ARROW_DAYS = 5
MIN_ARROW_ANSWERS = 30
MIN_CLAIM_N = 30
"""Responses a sentence naming a touchpoint needs (besides an interval beyond its threshold)."""


@dataclass(frozen=True, slots=True)
class ClusterSums:
    """Per-cluster sums over a period: G clusters, m_i answers and S_i sum in cluster i."""

    clusters: int = 0
    n: int = 0
    total: float = 0.0
    sum_m2: float = 0.0
    sum_s2: float = 0.0
    sum_ms: float = 0.0

    def __add__(self, other: ClusterSums) -> ClusterSums:
        return ClusterSums(
            self.clusters + other.clusters,
            self.n + other.n,
            self.total + other.total,
            self.sum_m2 + other.sum_m2,
            self.sum_s2 + other.sum_s2,
            self.sum_ms + other.sum_ms,
        )

    @classmethod
    def of_clusters(cls, clusters: Sequence[tuple[int, float]]) -> ClusterSums:
        """From (m_i, S_i) of each cluster; clusters without answers are left out."""
        used = [(m, s) for m, s in clusters if m > 0]
        return cls(
            len(used),
            sum(m for m, _ in used),
            math.fsum(s for _, s in used),
            float(sum(m * m for m, _ in used)),
            math.fsum(s * s for _, s in used),
            math.fsum(m * s for m, s in used),
        )


def cluster_variance(sums: ClusterSums) -> float | None:
    """Var of the ratio mean by linearisation with the G/(G-1) correction; None for G < 2."""
    g, n = sums.clusters, sums.n
    if g < 2 or n <= 0:
        return None
    r = sums.total / n
    residual = sums.sum_s2 - 2.0 * r * sums.sum_ms + r * r * sums.sum_m2
    return g / (g - 1) * max(residual, 0.0) / (n * n)


def clustered_mean(sums: ClusterSums, *, level: float = 0.95) -> Estimate:
    """Mean over answers with a t interval (G - 1 df) from the cluster-robust variance.

    Estimate.n is the number of clusters (responses), the unit of the interval.
    """
    if sums.n <= 0:
        return Estimate(None, None, 0)
    mean = sums.total / sums.n
    var = cluster_variance(sums)
    if var is None:
        return Estimate(mean, None, sums.clusters)
    half = float(stats.t.ppf(0.5 + level / 2, sums.clusters - 1)) * math.sqrt(var)
    return Estimate(mean, (mean - half, mean + half), sums.clusters)


def _adjusted(sums: ValueSums) -> tuple[int, float, float, float] | None:
    n = sums.promoters + sums.passives + sums.detractors
    if n <= 0:
        return None
    n_adj = n + 3.0
    p_pro = (sums.promoters + 0.75) / n_adj
    p_det = (sums.detractors + 0.75) / n_adj
    diff = p_pro - p_det
    return n, diff, max(p_pro + p_det - diff * diff, 0.0), n_adj


def nps_adjusted_wald(sums: ValueSums, *, level: float = 0.95) -> Estimate:
    """Raw NPS (points) with the adjusted-Wald interval of Rocks (2016), clipped to +-100."""
    parts = _adjusted(sums)
    if parts is None:
        return Estimate(None, None, 0)
    n, diff, var, n_adj = parts
    raw = 100.0 * (sums.promoters - sums.detractors) / n
    half = float(stats.norm.ppf(0.5 + level / 2)) * math.sqrt(var / n_adj)
    low, high = 100.0 * (diff - half), 100.0 * (diff + half)
    return Estimate(raw, (max(low, -100.0), min(high, 100.0)), n, 100.0 * math.sqrt(var))


@dataclass(frozen=True, slots=True)
class ChangeTest:
    """b - a with its p-value; `enough` False means "not enough data" (no test was made)."""

    diff: float | None
    p_value: float | None
    enough: bool

    def significant(self, alpha: float = 0.05) -> bool:
        return self.enough and self.p_value is not None and self.p_value < alpha


def nps_change_test(a: ValueSums, b: ValueSums, *, min_n: int = MIN_CLAIM_N) -> ChangeTest:
    """Two-sided z-test of NPS_b - NPS_a on the adjusted proportions of each period."""
    pa, pb = _adjusted(a), _adjusted(b)
    if pa is None or pb is None:
        return ChangeTest(None, None, False)
    diff = 100.0 * ((b.promoters - b.detractors) / pb[0] - (a.promoters - a.detractors) / pa[0])
    if pa[0] < min_n or pb[0] < min_n:
        return ChangeTest(diff, None, False)
    se = math.sqrt(pa[2] / pa[3] + pb[2] / pb[3])
    if se <= 0.0:
        return ChangeTest(diff, None, False)
    z = (pb[1] - pa[1]) / se
    return ChangeTest(diff, float(2 * stats.norm.sf(abs(z))), True)


def daily_mean_change(
    a: Sequence[tuple[int, float]],
    b: Sequence[tuple[int, float]],
    *,
    min_days: int = MIN_ARROW_DAYS,
    min_answers: int = MIN_ARROW_ANSWERS,
) -> ChangeTest:
    """Change of the mean between two periods given per day (answers, sum), days as clusters."""
    ca, cb = ClusterSums.of_clusters(a), ClusterSums.of_clusters(b)
    if ca.n <= 0 or cb.n <= 0:
        return ChangeTest(None, None, False)
    diff = cb.total / cb.n - ca.total / ca.n
    if min(ca.clusters, cb.clusters) < min_days or min(ca.n, cb.n) < min_answers:
        return ChangeTest(diff, None, False)
    va, vb = cluster_variance(ca), cluster_variance(cb)
    if va is None or vb is None or va + vb <= 0.0:
        return ChangeTest(diff, None, False)
    inflation = _autocorrelation_factor(a, b)
    va, vb = va * inflation, vb * inflation
    se2 = va + vb
    # Autocorrelated days are fewer independent ones: the df shrink by the same factor.
    df = se2 * se2 / (va * va / (ca.clusters - 1) + vb * vb / (cb.clusters - 1)) / inflation
    t = diff / math.sqrt(se2)
    return ChangeTest(diff, float(2 * stats.t.sf(abs(t), df)), True)


def _autocorrelation_factor(
    a: Sequence[tuple[int, float]], b: Sequence[tuple[int, float]]
) -> float:
    """(1 + phi) / (1 - phi) with phi the lag-1 autocorrelation of consecutive days' deviations
    from their period's mean (bias-corrected, clipped to [0, 0.8]): neighbouring days that move
    together carry less information than independent ones."""
    num = den = 0.0
    count = 0
    for period in (a, b):
        used = [(m, s / m) for m, s in period if m > 0]
        if len(used) < 3:
            continue
        level = sum(s for m, s in period if m > 0) / sum(m for m, _ in used)
        dev = [mean - level for _, mean in used]
        num += sum(x * y for x, y in itertools.pairwise(dev))
        den += sum(x * x for x in dev)
        count += len(dev)
    if den <= 0.0 or count < 6:
        return 1.0
    phi = num / den
    phi = min(0.8, max(0.0, phi + (1.0 + 3.0 * phi) / count))
    return (1.0 + phi) / (1.0 - phi)


Side = Literal["above", "below"]


def claim_supported(
    estimate: Estimate, *, threshold: float, side: Side, min_n: int = MIN_CLAIM_N
) -> bool:
    """A sentence "value is above/below threshold" about a touchpoint may be said: enough
    responses and the whole interval on the claimed side."""
    if estimate.n < min_n or estimate.ci is None:
        return False
    low, high = estimate.ci
    return low > threshold if side == "above" else high < threshold


@dataclass(frozen=True, slots=True)
class ResponseSums:
    """Per-response sums of paired answers over a period (columns resp_* of the daily rows)."""

    responses: int = 0
    answers: int = 0
    sum_m2: int = 0
    sumsq_s: int = 0
    sum_ms: int = 0
    sumsq_e: int = 0
    sum_me: int = 0
    sumsq_gap: int = 0
    sum_mgap: int = 0

    def covers(self, paired: PairedSums) -> bool:
        """The per-response sums describe exactly these answers (not stale, not partial)."""
        return self.responses > 0 and self.answers == paired.n


def response_level_kpis(
    paired: PairedSums, responses: ResponseSums | None, *, level: float = 0.95
) -> PairedKpis:
    """Touchpoint KPIs whose mean intervals use the response as the unit (cluster-robust).

    Falls back to the answer-level intervals of `paired_kpis` when the per-response sums do not
    cover the answers (days aggregated before those sums existed).
    """
    figures = paired_kpis(paired, level=level)
    if responses is None or not responses.covers(paired):
        return figures
    g, n = responses.responses, paired.n

    def clustered(total: int, sumsq: int, cross: int) -> Estimate:
        return clustered_mean(
            ClusterSums(g, n, float(total), float(responses.sum_m2), float(sumsq), float(cross)),
            level=level,
        )

    return replace(
        figures,
        expectation=clustered(paired.sum_e, responses.sumsq_e, responses.sum_me),
        satisfaction=clustered(paired.sum_s, responses.sumsq_s, responses.sum_ms),
        gap=clustered(paired.sum_gap, responses.sumsq_gap, responses.sum_mgap),
        small_n=g < SMALL_N,
    )
