"""Johnson's relative weights: each driver's share of the explained variance, summing to R^2.

From the correlation matrix R_xx of the drivers and their correlations r_xy with the outcome
(Johnson 2000, "A heuristic method for estimating the relative weight of predictor variables"):
R_xx = V diag(lam) V', Lambda = V diag(sqrt(lam)) V' (the correlations of the drivers with
their closest orthogonal counterparts), beta* = Lambda^-1 r_xy, weight_j = sum_k Lambda_jk^2
beta*_k^2. The weights are non-negative and add up to R^2 = r_xy' R_xx^-1 r_xy.

A pairwise-complete correlation matrix need not be positive semi-definite. When its smallest
eigenvalue is below -PSD_TOLERANCE the matrix is replaced by the nearest correlation matrix in
the simple sense (negative eigenvalues raised to EIGEN_FLOOR, rescaled to a unit diagonal) and
`adjusted` says so; the page then marks the weights as approximate.

Bootstrap: percentile intervals from resampling the units (customers or days) B times; a driver
whose interval reaches 0 (its lower end below ZERO) is shown as "may be 0".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

K = TypeVar("K", bound=Hashable)

PSD_TOLERANCE = 1e-8
EIGEN_FLOOR = 1e-6
BOOTSTRAP = 500
MIN_OVERLAP = 10
ZERO = 0.01
"""A lower bound below this (1 % of the variance) counts as "includes 0" (weights are >= 0)."""


@dataclass(frozen=True, slots=True)
class RelativeWeights:
    """Weights per driver (input order), R^2, n, whether R_xx had to be made PSD."""

    weights: list[float]
    r_squared: float
    n: int
    adjusted: bool
    min_eigenvalue: float
    intervals: list[tuple[float, float]] | None = None

    def greyed(self) -> list[bool]:
        """Drivers whose bootstrap interval reaches 0 (True), or all False without intervals."""
        if self.intervals is None:
            return [False] * len(self.weights)
        return [low <= ZERO for low, _high in self.intervals]


def nearest_psd_correlation(r: np.ndarray) -> tuple[np.ndarray, bool, float]:
    """(matrix, adjusted, smallest eigenvalue of the input)."""
    eig, vec = np.linalg.eigh(r)
    smallest = float(eig[0])
    if smallest >= -PSD_TOLERANCE:
        return r, False, smallest
    fixed = vec @ np.diag(np.maximum(eig, EIGEN_FLOOR)) @ vec.T
    scale = 1.0 / np.sqrt(np.diag(fixed))
    return fixed * np.outer(scale, scale), True, smallest


def relative_weights(r_xx: np.ndarray, r_xy: np.ndarray, *, n: int = 0) -> RelativeWeights:
    """Johnson's relative weights from the correlation matrix (see the module docstring).

    The PSD check and repair act on the joint matrix of drivers and outcome: only a consistent
    joint matrix guarantees 0 <= R^2 <= 1.
    """
    k = len(r_xy)
    joint = np.eye(k + 1)
    joint[:k, :k] = np.asarray(r_xx, dtype=float)
    joint[:k, k] = joint[k, :k] = np.asarray(r_xy, dtype=float)
    joint, adjusted, smallest = nearest_psd_correlation(joint)
    matrix, target = joint[:k, :k], joint[:k, k]
    eig, vec = np.linalg.eigh(matrix)
    eig = np.maximum(eig, 0.0)
    lam = vec @ np.diag(np.sqrt(eig)) @ vec.T
    beta = np.linalg.lstsq(lam, target, rcond=None)[0]
    weights = (lam**2) @ (beta**2)
    return RelativeWeights([float(w) for w in weights], float(weights.sum()), n, adjusted, smallest)


def relative_weights_of_data(
    drivers: np.ndarray,
    outcome: np.ndarray,
    *,
    bootstrap: int = BOOTSTRAP,
    seed: int = 0,
    level: float = 0.95,
) -> RelativeWeights:
    """Weights from unit-level data (NaN = not observed: pairwise-complete correlations) with
    percentile bootstrap intervals from resampling units (as multinomial unit weights)."""
    data = np.column_stack([drivers, outcome])
    rows = data.shape[0]
    point = _weights_of(data, np.ones(rows))
    rng = np.random.default_rng(seed)
    draws = np.empty((bootstrap, drivers.shape[1]))
    for b in range(bootstrap):
        counts = np.bincount(rng.integers(0, rows, rows), minlength=rows).astype(float)
        draws[b] = _weights_of(data, counts).weights
    tail = (1 - level) / 2
    low = np.nanquantile(draws, tail, axis=0)
    high = np.nanquantile(draws, 1 - tail, axis=0)
    intervals = [(float(a), float(b)) for a, b in zip(low, high, strict=True)]
    return RelativeWeights(
        point.weights, point.r_squared, rows, point.adjusted, point.min_eigenvalue, intervals
    )


def weighted_pairwise(data: np.ndarray, weights: np.ndarray, *, min_pairs: int = 3) -> np.ndarray:
    """Pearson r between all columns over the rows both observe (NaN = missing), each row
    counted `weights` times; NaN where fewer than min_pairs rows are shared or no spread."""
    seen = np.isfinite(data).astype(float)
    x = np.where(seen > 0, data, 0.0)
    w_seen = seen * weights[:, None]
    n = w_seen.T @ seen  # [i, j]: weighted rows where both i and j are observed
    sx = (w_seen * x).T @ seen  # sum of column i over the rows shared with j
    sxx = (w_seen * x * x).T @ seen
    sxy = (w_seen * x).T @ x
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sx.T / n
        var_i = sxx - sx * sx / n
        r = cov / np.sqrt(var_i * var_i.T)
    count = seen.T @ (seen * (weights[:, None] > 0))
    r[(count < min_pairs) | ~np.isfinite(r)] = np.nan
    clipped: np.ndarray = np.clip(r, -1.0, 1.0)
    return clipped


def _weights_of(data: np.ndarray, weights: np.ndarray) -> RelativeWeights:
    # Pairs sharing fewer than MIN_OVERLAP units count as uncorrelated (as in `importance`).
    r = np.nan_to_num(weighted_pairwise(data, weights, min_pairs=MIN_OVERLAP), nan=0.0)
    np.fill_diagonal(r, 1.0)
    k = data.shape[1] - 1
    return relative_weights(r[:k, :k], r[:k, k], n=data.shape[0])


def linked_matrix(
    linked: Mapping[K, Sequence[tuple[Hashable, float, float]]],
) -> tuple[list[K], np.ndarray, np.ndarray]:
    """Customers x touchpoints satisfaction (NaN where a customer did not answer there) and the
    customers' NPS, from (customer, satisfaction, NPS) rows per touchpoint; repeated answers of
    a customer are averaged, as in `importance`."""
    keys = list(linked)
    sat: dict[tuple[K, Hashable], list[float]] = defaultdict(list)
    nps: dict[Hashable, list[float]] = defaultdict(list)
    for key, rows in linked.items():
        for customer, satisfaction, score in rows:
            sat[(key, customer)].append(float(satisfaction))
            nps[customer].append(float(score))
    customers = list(nps)
    row_of = {c: i for i, c in enumerate(customers)}
    column_of = {k: j for j, k in enumerate(keys)}
    matrix = np.full((len(customers), len(keys)), np.nan)
    for (key, customer), values in sat.items():
        matrix[row_of[customer], column_of[key]] = sum(values) / len(values)
    outcome = np.array([sum(v) / len(v) for v in nps.values()])
    return keys, matrix, outcome
