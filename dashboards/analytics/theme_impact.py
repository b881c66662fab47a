"""Impact of a comment theme on the scores: who mentions it, and how they score, with intervals.

Unit: the response with a comment. For a theme, the commented responses of a period split into
those that mention it and those that do not. Satisfaction is a response's mean satisfaction over
its paired items (1..scale max); NPS codes a response as +100 (promoter, 9-10), 0 (passive) or
-100 (detractor, 0-6), so the NPS of a group is the mean of its codes.

- share: mentions / commented responses, with a Wilson 95 % interval;
- impact on satisfaction and on NPS: mean(with) - mean(without), with Welch's 95 % interval
  (unequal variances, Welch-Satterthwaite degrees of freedom; Welch 1947) — the same as
  scipy.stats.ttest_ind(with, without, equal_var=False).confidence_interval();
- trend: share in the second half of the period minus share in the first half, with the Wald
  95 % interval for a difference of two independent proportions (Agresti & Caffo 2000 compare it);
- contribution: impact on satisfaction × share, the points the theme moves the mean of all
  commented responses (negative: it pulls satisfaction down). The ranking sorts by it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from scipy import stats

MIN_GROUP = 5
"""Below this many responses on either side an impact is not estimated (shown as too few)."""
LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class GroupSums:
    """Sufficient statistics of a set of commented responses."""

    comments: int = 0
    sat_n: int = 0
    sat_sum: float = 0.0
    sat_sumsq: float = 0.0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0

    def __add__(self, other: GroupSums) -> GroupSums:
        return GroupSums(
            self.comments + other.comments,
            self.sat_n + other.sat_n,
            self.sat_sum + other.sat_sum,
            self.sat_sumsq + other.sat_sumsq,
            self.nps_n + other.nps_n,
            self.promoters + other.promoters,
            self.detractors + other.detractors,
        )

    def __sub__(self, other: GroupSums) -> GroupSums:
        return GroupSums(
            self.comments - other.comments,
            self.sat_n - other.sat_n,
            self.sat_sum - other.sat_sum,
            self.sat_sumsq - other.sat_sumsq,
            self.nps_n - other.nps_n,
            self.promoters - other.promoters,
            self.detractors - other.detractors,
        )

    @classmethod
    def total(cls, parts: Iterable[GroupSums]) -> GroupSums:
        result = cls()
        for part in parts:
            result = result + part
        return result

    @property
    def nps_sum(self) -> float:
        return 100.0 * (self.promoters - self.detractors)

    @property
    def nps_sumsq(self) -> float:
        return 10000.0 * (self.promoters + self.detractors)


@dataclass(frozen=True, slots=True)
class Interval:
    """A value with its 95 % interval (None where there are too few responses)."""

    value: float | None
    ci: tuple[float, float] | None = None

    @property
    def below_zero(self) -> bool:
        return self.ci is not None and self.ci[1] < 0

    @property
    def above_zero(self) -> bool:
        return self.ci is not None and self.ci[0] > 0


@dataclass(frozen=True, slots=True)
class ThemeImpact:
    """One theme's figures in a scope (organisation or touchpoint) and period."""

    theme_id: int
    mentions: int
    comments: int
    share: Interval
    satisfaction_with: float | None
    satisfaction_without: float | None
    satisfaction_impact: Interval
    nps_with: float | None
    nps_without: float | None
    nps_impact: Interval
    trend: Interval = field(default_factory=lambda: Interval(None))

    @property
    def contribution(self) -> float | None:
        """Impact on satisfaction × share (points of the commented responses' mean)."""
        if self.satisfaction_impact.value is None or self.share.value is None:
            return None
        return self.satisfaction_impact.value * self.share.value


@cache
def _t(df: float) -> float:
    return float(stats.t.ppf(0.5 + LEVEL / 2, df))


def _z() -> float:
    return float(stats.norm.ppf(0.5 + LEVEL / 2))


def _mean_var(n: int, total: float, sumsq: float) -> tuple[float, float]:
    mean = total / n
    var = max(0.0, (sumsq - total * total / n) / (n - 1))
    return mean, var


def welch_difference(
    n_a: int, sum_a: float, sumsq_a: float, n_b: int, sum_b: float, sumsq_b: float
) -> Interval:
    """mean_a - mean_b with Welch's 95 % interval, from counts, sums and sums of squares."""
    if n_a < 2 or n_b < 2:
        return Interval(None)
    mean_a, var_a = _mean_var(n_a, sum_a, sumsq_a)
    mean_b, var_b = _mean_var(n_b, sum_b, sumsq_b)
    diff = mean_a - mean_b
    se2_a, se2_b = var_a / n_a, var_b / n_b
    se2 = se2_a + se2_b
    if se2 <= 0:
        return Interval(diff, (diff, diff))
    df = se2 * se2 / (se2_a * se2_a / (n_a - 1) + se2_b * se2_b / (n_b - 1))
    half = _t(round(df, 6)) * math.sqrt(se2)
    return Interval(diff, (diff - half, diff + half))


def wilson(successes: int, n: int) -> Interval:
    """A proportion with its Wilson 95 % interval."""
    if n <= 0:
        return Interval(None)
    z = _z()
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return Interval(p, (centre - half, centre + half))


def proportion_difference(x_b: int, n_b: int, x_a: int, n_a: int) -> Interval:
    """p_b - p_a with the Wald 95 % interval for two independent proportions."""
    if n_a <= 0 or n_b <= 0:
        return Interval(None)
    p_a, p_b = x_a / n_a, x_b / n_b
    diff = p_b - p_a
    half = _z() * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    return Interval(diff, (diff - half, diff + half))


def _mean(n: int, total: float) -> float | None:
    return total / n if n else None


def theme_impact(
    theme_id: int,
    with_theme: GroupSums,
    all_comments: GroupSums,
    *,
    first_half: tuple[int, int] | None = None,
    second_half: tuple[int, int] | None = None,
) -> ThemeImpact:
    """A theme's share, impact and trend; `*_half` are (mentions, comments) of the two halves."""
    without = all_comments - with_theme
    enough_sat = with_theme.sat_n >= MIN_GROUP and without.sat_n >= MIN_GROUP
    enough_nps = with_theme.nps_n >= MIN_GROUP and without.nps_n >= MIN_GROUP
    sat = (
        welch_difference(
            with_theme.sat_n, with_theme.sat_sum, with_theme.sat_sumsq,
            without.sat_n, without.sat_sum, without.sat_sumsq,
        )
        if enough_sat
        else Interval(None)
    )  # fmt: skip
    nps = (
        welch_difference(
            with_theme.nps_n, with_theme.nps_sum, with_theme.nps_sumsq,
            without.nps_n, without.nps_sum, without.nps_sumsq,
        )
        if enough_nps
        else Interval(None)
    )  # fmt: skip
    trend = Interval(None)
    if first_half is not None and second_half is not None:
        trend = proportion_difference(second_half[0], second_half[1], first_half[0], first_half[1])
    return ThemeImpact(
        theme_id=theme_id,
        mentions=with_theme.comments,
        comments=all_comments.comments,
        share=wilson(with_theme.comments, all_comments.comments),
        satisfaction_with=_mean(with_theme.sat_n, with_theme.sat_sum),
        satisfaction_without=_mean(without.sat_n, without.sat_sum),
        satisfaction_impact=sat,
        nps_with=_mean(with_theme.nps_n, with_theme.nps_sum),
        nps_without=_mean(without.nps_n, without.nps_sum),
        nps_impact=nps,
        trend=trend,
    )


def rank_by_contribution(impacts: Sequence[ThemeImpact]) -> list[ThemeImpact]:
    """Most negative impact × share first; themes with too few responses last, by mentions."""

    def key(impact: ThemeImpact) -> tuple[int, float, int]:
        contribution = impact.contribution
        if contribution is None:
            return (1, 0.0, -impact.mentions)
        return (0, contribution, -impact.mentions)

    return sorted(impacts, key=key)
