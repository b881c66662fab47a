"""Cross-touchpoint links: lagged cross-correlation of daily KPIs and a correlation matrix.

Definition (x leads y by k days):

    r[k] = sum_{t=0}^{n-1-k} (x_t - mean(x)) * (y_{t+k} - mean(y)) / (n * sd(x) * sd(y))

with means and population standard deviations (ddof 0) over the whole aligned series of length n.
This is the usual biased estimator, identical to statsmodels'
`statsmodels.tsa.stattools.ccf(y, x, adjusted=False)[k]` (note the order: statsmodels' ccf(a, b)
correlates a_{t+k} with b_t). A positive k with a strong r means that what happens in x shows up
in y k days later. For y leading x, swap the arguments.

Missing days (None): both series are first cut to the span where both have values (from the
later of the two first observed days to the earlier of the two last ones); gaps inside that span
are filled by linear interpolation between the neighbouring observed days. The number of filled
points is reported. Interpolation keeps the days equally spaced, which a lag needs; pairwise
deletion would not. Volume series have no gaps (a day without responses has volume 0).

Significance: the approximate 95% band ±1.96/sqrt(n) for white noise. Daily KPIs are often
autocorrelated, which widens the true band, so treat a value just outside it with care.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

import numpy as np

from .correlation import pairwise_correlations

K = TypeVar("K", bound=Hashable)

MIN_POINTS = 3
"""Fewer aligned days than this give no correlation at all."""


@dataclass(frozen=True, slots=True)
class LagResult:
    """r[k] for k = lags[k] (0..max_lag); None where undefined (constant series, too short)."""

    lags: list[int]
    r: list[float | None]
    band: float | None
    best_lag: int | None
    best_r: float | None
    significant: bool
    n: int
    interpolated: int


def _interpolate(values: Sequence[float | None]) -> tuple[np.ndarray, int]:
    """Fill inner gaps linearly; the caller has trimmed leading and trailing gaps."""
    arr = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    missing = ~np.isfinite(arr)
    count = int(missing.sum())
    if count:
        idx = np.arange(arr.size)
        arr[missing] = np.interp(idx[missing], idx[~missing], arr[~missing])
    return arr, count


def _observed(v: float | None) -> bool:
    return v is not None and math.isfinite(v)


def align(
    x: Sequence[float | None], y: Sequence[float | None]
) -> tuple[np.ndarray, np.ndarray, int]:
    """Cut both series to their common observed span and interpolate inner gaps."""
    if len(x) != len(y):
        raise ValueError(f"series differ in length: {len(x)} and {len(y)}")
    seen_x = [i for i, v in enumerate(x) if _observed(v)]
    seen_y = [i for i, v in enumerate(y) if _observed(v)]
    if not seen_x or not seen_y:
        return np.array([]), np.array([]), 0
    start = max(seen_x[0], seen_y[0])
    stop = min(seen_x[-1], seen_y[-1]) + 1
    if stop <= start:
        return np.array([]), np.array([]), 0
    xs, fx = _interpolate(x[start:stop])
    ys, fy = _interpolate(y[start:stop])
    return xs, ys, fx + fy


def lagged_correlation(
    x: Sequence[float | None],
    y: Sequence[float | None],
    *,
    max_lag: int = 14,
    sign: Literal["abs", "positive", "negative"] = "abs",
) -> LagResult:
    """Correlation of x_t with y_{t+k} for k = 0..max_lag, the band and the strongest lag.

    sign chooses the strongest lag: "abs" the largest |r|, "positive" the largest r, "negative"
    the smallest (most negative) r. significant: the best r lies outside the band.
    """
    if max_lag < 0:
        raise ValueError("max_lag must be >= 0")
    if sign not in ("abs", "positive", "negative"):
        raise ValueError(f"sign must be 'abs', 'positive' or 'negative', got {sign!r}")
    xs, ys, filled = align(x, y)
    n = int(xs.size)
    lags = list(range(max_lag + 1))
    if n < MIN_POINTS:
        return LagResult(lags, [None] * len(lags), None, None, None, False, n, filled)
    dx = xs - xs.mean()
    dy = ys - ys.mean()
    sxx = float(dx @ dx)
    syy = float(dy @ dy)
    band = 1.96 / math.sqrt(n)
    constant = sxx <= 1e-24 * max(1.0, float(xs @ xs)) or syy <= 1e-24 * max(1.0, float(ys @ ys))
    if constant:
        return LagResult(lags, [None] * len(lags), band, None, None, False, n, filled)
    scale = math.sqrt(sxx * syy)  # = n * sd_x * sd_y with ddof 0
    r: list[float | None] = []
    for k in lags:
        if k > n - 2:  # a single pair says nothing
            r.append(None)
            continue
        r.append(float(dx[: n - k] @ dy[k:]) / scale)

    defined = [(k, v) for k, v in zip(lags, r, strict=True) if v is not None]
    if sign == "abs":
        best_lag, best_r = max(defined, key=lambda kv: abs(kv[1]))
    elif sign == "positive":
        best_lag, best_r = max(defined, key=lambda kv: kv[1])
    else:
        best_lag, best_r = min(defined, key=lambda kv: kv[1])
    return LagResult(lags, r, band, best_lag, best_r, abs(best_r) > band, n, filled)


@dataclass(frozen=True, slots=True)
class CorrelationMatrix(Generic[K]):
    """Pairwise-complete Pearson r between series (None where undefined) and the pair counts."""

    keys: list[K]
    r: list[list[float | None]]
    n: list[list[int]]

    def get(self, a: K, b: K) -> float | None:
        return self.r[self.keys.index(a)][self.keys.index(b)]


def correlation_matrix(series: Mapping[K, Sequence[float | None]]) -> CorrelationMatrix[K]:
    """Pearson r of every pair of series over the days where both have a value (for heatmaps).

    The diagonal is 1.0 (None for a constant or too short series). No interpolation here: each
    cell uses exactly the days both series observed (at least 3, with spread on both sides).
    """
    keys = list(series)
    lengths = {len(values) for values in series.values()}
    if len(lengths) > 1:
        raise ValueError(f"series differ in length: {sorted(lengths)}")
    days = lengths.pop() if lengths else 0
    matrix = np.full((days, len(keys)), np.nan)
    for j, key in enumerate(keys):
        matrix[:, j] = [np.nan if v is None else float(v) for v in series[key]]
    r, n = pairwise_correlations(matrix)
    cells: list[list[float | None]] = [
        [None if math.isnan(v) else float(v) for v in row] for row in r.tolist()
    ]
    return CorrelationMatrix(keys, cells, [[int(c) for c in row] for row in n.tolist()])
