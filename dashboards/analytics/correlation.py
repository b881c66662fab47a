"""Pearson correlation with its Fisher-z interval, tolerant of missing values and constant data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats


@dataclass(frozen=True, slots=True)
class Correlation:
    """Pearson r over n complete pairs; r is None when n < 3 or either side is constant.

    ci is the Fisher-z interval (None for n < 4); p_value is the two-sided test of r = 0 (t with
    n - 2 degrees of freedom, the same as scipy.stats.pearsonr).
    """

    r: float | None
    ci: tuple[float, float] | None
    p_value: float | None
    n: int


def complete_pairs(
    x: Sequence[float | None], y: Sequence[float | None]
) -> tuple[np.ndarray, np.ndarray]:
    """The positions where both sequences hold a finite number, as two float arrays."""
    if len(x) != len(y):
        raise ValueError(f"sequences differ in length: {len(x)} and {len(y)}")
    keep = [
        i
        for i, (a, b) in enumerate(zip(x, y, strict=True))
        if a is not None and b is not None and math.isfinite(a) and math.isfinite(b)
    ]
    return (
        np.array([x[i] for i in keep], dtype=float),
        np.array([y[i] for i in keep], dtype=float),
    )


def pearson_r(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson r of two complete float arrays; None when n < 3 or a side has no spread."""
    if x.size < 3:
        return None
    dx = x - x.mean()
    dy = y - y.mean()
    sxx = float(dx @ dx)
    syy = float(dy @ dy)
    # Relative threshold: a series that is constant up to float rounding has no spread.
    if sxx <= 1e-24 * max(1.0, float(x @ x)) or syy <= 1e-24 * max(1.0, float(y @ y)):
        return None
    r = float(dx @ dy) / math.sqrt(sxx * syy)
    return min(1.0, max(-1.0, r))


def fisher_interval(r: float, n: int, *, level: float = 0.95) -> tuple[float, float] | None:
    """Interval tanh(atanh(r) ± z / sqrt(n - 3)); None for n < 4."""
    if n < 4:
        return None
    if abs(r) >= 1.0:
        return (r, r)
    z = math.atanh(r)
    half = float(stats.norm.ppf(0.5 + level / 2.0)) / math.sqrt(n - 3)
    return (math.tanh(z - half), math.tanh(z + half))


def r_p_value(r: float, n: int) -> float | None:
    """Two-sided p-value of r = 0 from t = r*sqrt((n-2)/(1-r^2)); None for n < 3."""
    if n < 3:
        return None
    if abs(r) >= 1.0:
        return 0.0
    t = r * math.sqrt((n - 2) / (1.0 - r * r))
    return float(min(1.0, 2.0 * stats.t.sf(abs(t), n - 2)))


def pearson(
    x: Sequence[float | None], y: Sequence[float | None], *, level: float = 0.95
) -> Correlation:
    """Pearson correlation over the pairs where both values are present."""
    xs, ys = complete_pairs(x, y)
    n = int(xs.size)
    r = pearson_r(xs, ys)
    if r is None:
        return Correlation(None, None, None, n)
    return Correlation(r, fisher_interval(r, n, level=level), r_p_value(r, n), n)


def pairwise_correlations(
    matrix: np.ndarray, *, min_pairs: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r between all columns over the rows both observe (NaN = missing), vectorised.

    Returns (r, n): r is NaN where fewer than max(3, min_pairs) rows are shared or a column has
    no spread on the shared rows; the diagonal is 1 where a column has spread.
    """
    observed = np.isfinite(matrix)
    # Centre each column on its own mean first: the sums below then stay small and exact enough.
    counts = observed.sum(axis=0)
    column_mean = np.where(observed, matrix, 0.0).sum(axis=0) / np.maximum(counts, 1)
    centred = np.where(observed, matrix - column_mean, 0.0)
    # Linked data are sparse (a customer visits few touchpoints): sparse products are far cheaper.
    mask = sparse.csr_array(observed.astype(float))
    values = sparse.csr_array(centred)
    n = (mask.T @ mask).toarray()
    with np.errstate(invalid="ignore", divide="ignore"):
        sum_x = (values.T @ mask).toarray()  # [i, j]: sum of column i over rows shared with j
        sum_xx = ((values * values).T @ mask).toarray()
        sum_xy = (values.T @ values).toarray()
        var_x = sum_xx - sum_x * sum_x / n
        var_y = var_x.T
        cov = sum_xy - sum_x * sum_x.T / n
        r = cov / np.sqrt(var_x * var_y)
    flat = (var_x <= 1e-12 * np.maximum(sum_xx, 1e-300)) | (
        var_y <= 1e-12 * np.maximum(sum_xx.T, 1e-300)
    )
    r[(n < max(3, min_pairs)) | flat | ~np.isfinite(r)] = np.nan
    r = np.clip(r, -1.0, 1.0)
    diagonal = np.isfinite(np.diag(r))
    r[np.diag_indices_from(r)] = np.where(diagonal, 1.0, np.nan)
    return r, n.astype(int)
