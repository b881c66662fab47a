"""Lag explorer that tells the truth: prewhitened cross-correlation, corrected for the search.

Daily KPI series are autocorrelated (a weekly rhythm, slow drifts), and the cross-correlation of
two autocorrelated series scatters far wider than the white-noise band +-1.96/sqrt(n): two
unrelated touchpoints with the same weekly rhythm correlate at lag 7. Box & Jenkins' prewhitening
removes that: take out each series' weekday means (the rhythm every touchpoint shares), fit an
autoregressive model AR(p) to the leading series x (Yule-Walker on x with outlying days pulled in
to 3 robust SDs, so a campaign pulse is not mistaken for momentum; p = AR_ORDER = 7, fewer for
short series), filter both x and y with it, and correlate the filtered series. If x does not move
y, the filtered cross-correlations are approximately independent N(0, 1/n') with n' the filtered
length, so the band +-z/sqrt(n') matches them.

A search over P touchpoints (ordered pairs, lags 1..L) runs m = P (P - 1) L tests. The link is
called significant only when its two-sided p-value, 2 (1 - Phi(|r| sqrt(n'))), stays below alpha
after Bonferroni's correction for all m tests. With nothing significant the result says so; the
page must not name a "strongest link" then.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from scipy import stats

from .lags import align

K = TypeVar("K", bound=Hashable)

AR_ORDER = 7
OUTLIER_SD = 3.0
ALPHA = 0.05
MIN_FILTERED = 20
"""Filtered days a pair needs before it is tested."""


def yule_walker(x: np.ndarray, order: int) -> np.ndarray:
    """AR coefficients by Yule-Walker with the biased autocovariance (statsmodels' method="mle")."""
    d = x - x.mean()
    n = d.size
    acov = np.array([d[: n - k] @ d[k:] / n for k in range(order + 1)])
    if acov[0] <= 0.0:
        return np.zeros(order)
    toeplitz = acov[np.abs(np.subtract.outer(np.arange(order), np.arange(order)))]
    return np.linalg.solve(toeplitz, acov[1:])


def deseasonalise(x: np.ndarray) -> np.ndarray:
    """x minus the mean of its weekday (position mod 7): the weekly rhythm is not a link."""
    weekday = np.arange(x.size) % 7
    means = np.bincount(weekday, weights=x, minlength=7) / np.bincount(weekday, minlength=7)
    return x - means[weekday]


def clipped(x: np.ndarray, k: float = OUTLIER_SD) -> np.ndarray:
    """x with values beyond median +- k robust SDs (1.4826 MAD) pulled to that bound.

    Only for fitting the AR model: a campaign pulse would otherwise look like strong
    autocorrelation, and the filter would flatten the very pulse whose echo is looked for.
    """
    centre = float(np.median(x))
    spread = 1.4826 * float(np.median(np.abs(x - centre)))
    if spread <= 0.0:
        return x
    pulled: np.ndarray = np.clip(x, centre - k * spread, centre + k * spread)
    return pulled


def ar_filter(x: np.ndarray, coef: np.ndarray, mean: float) -> np.ndarray:
    """e_t = (x_t - mean) - sum_i coef_i (x_{t-i} - mean), for t = p .. n-1."""
    d = x - mean
    p = coef.size
    out = d[p:].copy()
    for i, c in enumerate(coef, start=1):
        out -= c * d[p - i : d.size - i]
    return out


@dataclass(frozen=True, slots=True)
class PrewhitenedLags:
    """r[k] of the prewhitened series for k in lags; p-values per lag, raw and corrected."""

    lags: list[int]
    r: list[float | None]
    n: int
    order: int
    band: float | None
    best_lag: int | None
    best_r: float | None
    p_value: float | None
    p_adjusted: float | None
    significant: bool


def _order(n: int) -> int:
    return max(1, min(AR_ORDER, n // 5))


def prewhitened_ccf(
    x: Sequence[float | None],
    y: Sequence[float | None],
    *,
    lags: Sequence[int],
    family: int = 1,
    alpha: float = ALPHA,
) -> PrewhitenedLags:
    """Cross-correlation of x_t with y_{t+k} after prewhitening both with x's AR model.

    family: the number of tests searched in all (pairs x lags); the best lag's p-value is
    multiplied by it (Bonferroni).
    """
    xs, ys, _filled = align(x, y)
    empty = PrewhitenedLags(
        list(lags), [None] * len(lags), 0, 0, None, None, None, None, None, False
    )
    if xs.size < MIN_FILTERED + 2:
        return empty
    xs, ys = deseasonalise(xs), deseasonalise(ys)
    order = _order(xs.size)
    coef = yule_walker(clipped(xs), order)
    ex = ar_filter(xs, coef, 0.0)
    ey = ar_filter(ys, coef, 0.0)
    n = ex.size
    dx, dy = ex - ex.mean(), ey - ey.mean()
    scale = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if n < MIN_FILTERED or scale <= 1e-12:
        return PrewhitenedLags(
            list(lags), [None] * len(lags), n, order, None, None, None, None, None, False
        )
    r: list[float | None] = [
        float(dx[: n - k] @ dy[k:]) / scale if 0 <= k < n - 1 else None for k in lags
    ]
    z = float(stats.norm.ppf(1 - alpha / 2))
    defined = [(k, v) for k, v in zip(lags, r, strict=True) if v is not None]
    best_lag, best_r = max(defined, key=lambda kv: abs(kv[1]))
    p = float(2 * stats.norm.sf(abs(best_r) * math.sqrt(n)))
    adjusted = min(1.0, p * max(family, 1))
    return PrewhitenedLags(
        list(lags), r, n, order, z / math.sqrt(n), best_lag, best_r, p, adjusted, adjusted < alpha
    )


@dataclass(frozen=True, slots=True)
class Link(Generic[K]):
    """x leads y by `lag` days with prewhitened correlation r; p corrected for the search."""

    leader: K
    follower: K
    lag: int
    r: float
    n: int
    p_adjusted: float


@dataclass(frozen=True, slots=True)
class LagSearch(Generic[K]):
    """Every ordered pair searched; `links` are the significant ones, strongest first."""

    tests: int
    links: list[Link[K]]
    strongest: Link[K] | None

    @property
    def any_significant(self) -> bool:
        return bool(self.links)


def lag_search(
    series: Mapping[K, Sequence[float | None]],
    *,
    followers: Mapping[K, Sequence[float | None]] | None = None,
    max_lag: int = 14,
    alpha: float = ALPHA,
) -> LagSearch[K]:
    """Search every ordered pair of series over lags 1..max_lag, Bonferroni over all of it.

    followers: the later series of each touchpoint when it is another KPI (e.g. volume leads
    satisfaction); by default the same series. strongest: the pair with the smallest corrected
    p-value (significant or not, for "nothing significant; the closest was ..."); links: the
    significant ones.
    """
    later = series if followers is None else followers
    keys = [k for k in series if k in later]
    lags = list(range(1, max_lag + 1))
    family = len(keys) * (len(keys) - 1) * len(lags)
    found: list[Link[K]] = []
    for leader in keys:
        for follower in keys:
            if leader == follower:
                continue
            res = prewhitened_ccf(
                series[leader], later[follower], lags=lags, family=family, alpha=alpha
            )
            if res.best_lag is None or res.best_r is None or res.p_adjusted is None:
                continue
            found.append(Link(leader, follower, res.best_lag, res.best_r, res.n, res.p_adjusted))
    found.sort(key=lambda link: link.p_adjusted)
    significant = [link for link in found if link.p_adjusted < alpha]
    return LagSearch(family, significant, found[0] if found else None)
