"""Derived importance of touchpoints for loyalty, and importance-performance quadrants.

Importance is derived, not asked: how strongly a customer's satisfaction at a touchpoint goes
with their recommendation (NPS 0-10 answer). Two figures per touchpoint:

- r: Pearson correlation between the customer's satisfaction at the touchpoint and their NPS, with
  a Fisher-z interval. This is the `importance` used for the quadrants (stable, easy to explain).
- beta: the standardised weight of the touchpoint in a multiple regression of NPS on the
  satisfaction at all touchpoints. Customers visit few touchpoints, so complete cases are rare;
  betas therefore come from the pairwise correlation matrix: beta = R_xx^-1 r_xy, where each
  entry of R_xx uses the customers seen at both touchpoints and r_xy[i] the customers seen at i.
  With complete data this equals least squares on standardised data. A pairwise matrix need not
  be positive definite and touchpoints can be collinear, so when R_xx's condition number exceeds
  `max_condition` (or it has an eigenvalue <= 0) a ridge lambda*I is added, with the smallest
  lambda that brings the condition number down to `max_condition`; the lambda is reported.
  Pairs of touchpoints sharing fewer than `min_overlap` customers count as uncorrelated (0).
  When customers are linked at few touchpoints each, every entry of R_xx rests on few shared
  customers and the betas are noisy even with the ridge; r is the robust figure, beta the
  supporting one (it says how much a touchpoint adds beyond the others).

Where fewer than `min_linked` customers are linked at a touchpoint (responses with a customer key
that also gave an NPS answer), the touchpoint falls back to daily series: the correlation across
days between its daily mean satisfaction and the organisation's daily NPS; its beta comes from the
same pairwise regression over the daily series of the fallback touchpoints. Each result says
which method was used: "linked", "daily", or "none" (not enough data for either).

A customer's NPS is the mean of all NPS values given for that customer key (loyalty belongs to
the customer, not the visit); repeated observations of one customer at one touchpoint are
averaged to one satisfaction value.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Literal, TypeVar

import numpy as np

from .correlation import Correlation, pairwise_correlations, pearson

K = TypeVar("K", bound=Hashable)

Method = Literal["linked", "daily", "none"]

MIN_LINKED = 30
"""Customers linked at a touchpoint needed for the customer-level method."""
MAX_CONDITION = 30.0
"""Largest condition number of R_xx used without a ridge (multicollinearity is serious past it)."""


@dataclass(frozen=True, slots=True)
class TouchpointImportance(Generic[K]):
    """Importance of one touchpoint: correlation with NPS and standardised regression weight."""

    key: K
    method: Method
    correlation: Correlation
    beta: float | None
    linked: int

    @property
    def importance(self) -> float | None:
        """The figure used for the quadrants: Pearson r."""
        return self.correlation.r


@dataclass(frozen=True, slots=True)
class ImportanceResult(Generic[K]):
    """Importance per touchpoint (in input order) and the ridge used per method group."""

    touchpoints: list[TouchpointImportance[K]]
    ridge_linked: float
    ridge_daily: float
    min_linked: int

    def by_key(self) -> dict[K, TouchpointImportance[K]]:
        return {t.key: t for t in self.touchpoints}


@dataclass(frozen=True, slots=True)
class Regression:
    """Standardised weights from a correlation matrix, and the ridge that was needed."""

    beta: list[float]
    ridge: float
    condition: float


def betas_from_correlations(
    r_xx: np.ndarray, r_xy: np.ndarray, *, max_condition: float = MAX_CONDITION
) -> Regression:
    """beta = (R_xx + lambda*I)^-1 r_xy, lambda = 0 unless R_xx is ill-conditioned."""
    k = r_xy.size
    if k == 0:
        return Regression([], 0.0, 1.0)
    eig = np.linalg.eigvalsh(r_xx)
    lo, hi = float(eig[0]), float(eig[-1])
    ridge = 0.0
    if lo <= 0.0 or hi / lo > max_condition:
        # Smallest lambda with (hi + lambda) / (lo + lambda) == max_condition.
        ridge = max(0.0, (hi - max_condition * lo) / (max_condition - 1.0))
    beta = np.linalg.solve(r_xx + ridge * np.eye(k), r_xy)
    condition = (hi + ridge) / (lo + ridge) if lo + ridge > 0 else float("inf")
    return Regression([float(b) for b in beta], ridge, condition)


def _pairwise_regression(
    columns: list[dict[Hashable, float]],
    target: dict[Hashable, float],
    *,
    min_overlap: int,
    max_condition: float,
) -> Regression:
    """Regression of target on columns (each a map unit -> value) from pairwise correlations."""
    k = len(columns)
    if k == 0:
        return Regression([], 0.0, 1.0)
    units = list(target)
    position = {u: row for row, u in enumerate(units)}
    matrix = np.full((len(units), k + 1), np.nan)
    matrix[:, k] = [target[u] for u in units]
    for j, column in enumerate(columns):
        for unit, value in column.items():
            row = position.get(unit)
            if row is not None:
                matrix[row, j] = value
    r, n = pairwise_correlations(matrix)
    r_xx = r[:k, :k].copy()
    r_xx[n[:k, :k] < min_overlap] = np.nan
    r_xx = np.nan_to_num(r_xx, nan=0.0)  # too few shared units, or no spread: uncorrelated
    np.fill_diagonal(r_xx, 1.0)
    r_xy = np.nan_to_num(r[:k, k], nan=0.0)
    return betas_from_correlations(r_xx, r_xy, max_condition=max_condition)


# size: one estimation in the order of its method (correlations, betas, intervals, fallback).
def importance(
    linked: Mapping[K, Sequence[tuple[Hashable, float, float]]],
    *,
    daily: Mapping[K, Sequence[float | None]] | None = None,
    daily_nps: Sequence[float | None] | None = None,
    min_linked: int = MIN_LINKED,
    min_overlap: int = 10,
    max_condition: float = MAX_CONDITION,
    level: float = 0.95,
) -> ImportanceResult[K]:
    """Importance of each touchpoint for loyalty (see the module docstring for the method).

    linked: per touchpoint, (customer_key, satisfaction mean at the touchpoint, NPS 0-10) tuples.
    daily / daily_nps: per touchpoint its daily mean satisfaction, and the organisation's daily
    NPS, aligned on the same days (None where a day has no answers); used for the fallback.
    """
    if min_linked < 3:
        raise ValueError("min_linked must be at least 3")
    keys: list[K] = list(linked)
    keys += [k for k in (daily or {}) if k not in linked]

    # Customer-level data: satisfaction per (touchpoint, customer) and NPS per customer.
    nps_values: dict[Hashable, list[float]] = defaultdict(list)
    sat_values: dict[K, dict[Hashable, list[float]]] = {k: defaultdict(list) for k in linked}
    for key, rows in linked.items():
        for customer, satisfaction, nps in rows:
            sat_values[key][customer].append(float(satisfaction))
            nps_values[customer].append(float(nps))
    nps_of = {c: statistics.fmean(v) for c, v in nps_values.items()}
    sat_of = {k: {c: statistics.fmean(v) for c, v in m.items()} for k, m in sat_values.items()}

    method: dict[K, Method] = {}
    correlation: dict[K, Correlation] = {}
    for key in keys:
        customers = sat_of.get(key, {})
        if len(customers) >= min_linked:
            method[key] = "linked"
            xs = [customers[c] for c in customers]
            ys = [nps_of[c] for c in customers]
            correlation[key] = pearson(xs, ys, level=level)
            continue
        series = (daily or {}).get(key)
        if series is not None and daily_nps is not None:
            result = pearson(series, daily_nps, level=level)
            if result.r is not None:
                method[key] = "daily"
                correlation[key] = result
                continue
        method[key] = "none"
        correlation[key] = Correlation(None, None, None, len(customers))

    linked_keys = [k for k in keys if method[k] == "linked"]
    reg_linked = _pairwise_regression(
        [dict(sat_of[k]) for k in linked_keys],
        dict(nps_of),
        min_overlap=min_overlap,
        max_condition=max_condition,
    )
    daily_keys = [k for k in keys if method[k] == "daily"]
    daily_columns: list[dict[Hashable, float]] = []
    day_target: dict[Hashable, float] = {}
    if daily_keys and daily is not None and daily_nps is not None:
        day_target = {
            i: float(v) for i, v in enumerate(daily_nps) if v is not None and math.isfinite(v)
        }
        for k in daily_keys:
            daily_columns.append(
                {i: float(v) for i, v in enumerate(daily[k]) if v is not None and math.isfinite(v)}
            )
    reg_daily = _pairwise_regression(
        daily_columns, day_target, min_overlap=min_overlap, max_condition=max_condition
    )

    beta: dict[K, float] = dict(zip(linked_keys, reg_linked.beta, strict=True))
    beta.update(zip(daily_keys, reg_daily.beta, strict=True))
    results = [
        TouchpointImportance(
            key=k,
            method=method[k],
            correlation=correlation[k],
            beta=beta.get(k),
            linked=len(sat_of.get(k, {})),
        )
        for k in keys
    ]
    return ImportanceResult(results, reg_linked.ridge, reg_daily.ridge, min_linked)


class Quadrant(StrEnum):
    """Importance-performance quadrants; stable keys the UI translates."""

    CONCENTRATE_HERE = "concentrate_here"  # high importance, low performance
    KEEP_UP = "keep_up"  # high importance, high performance ("keep up the good work")
    LOW_PRIORITY = "low_priority"  # low importance, low performance
    POSSIBLE_OVERKILL = "possible_overkill"  # low importance, high performance


@dataclass(frozen=True, slots=True)
class QuadrantPoint(Generic[K]):
    """One touchpoint in the matrix; quadrant None when a coordinate is missing."""

    key: K
    importance: float | None
    performance: float | None
    quadrant: Quadrant | None


@dataclass(frozen=True, slots=True)
class IpaResult(Generic[K]):
    """The split lines (None without points) and the points in input order."""

    importance_split: float | None
    performance_split: float | None
    points: list[QuadrantPoint[K]]


def quadrant_of(
    importance: float, performance: float, *, i_split: float, p_split: float
) -> Quadrant:
    """Quadrant of a point; a value on a split line counts as high."""
    high_i = importance >= i_split
    high_p = performance >= p_split
    if high_i:
        return Quadrant.KEEP_UP if high_p else Quadrant.CONCENTRATE_HERE
    return Quadrant.POSSIBLE_OVERKILL if high_p else Quadrant.LOW_PRIORITY


def ipa_quadrants(
    points: Mapping[K, tuple[float | None, float | None]],
    *,
    split: Literal["mean", "median"] = "mean",
) -> IpaResult[K]:
    """Split (importance, performance) points at the mean (or median) of the complete points."""
    complete = [(i, p) for i, p in points.values() if i is not None and p is not None]
    if not complete:
        return IpaResult(None, None, [QuadrantPoint(k, i, p, None) for k, (i, p) in points.items()])
    if split not in ("mean", "median"):
        raise ValueError(f"split must be 'mean' or 'median', got {split!r}")
    centre = statistics.fmean if split == "mean" else statistics.median
    i_split = float(centre([i for i, _ in complete]))
    p_split = float(centre([p for _, p in complete]))
    out = [
        QuadrantPoint(
            k,
            i,
            p,
            None if i is None or p is None else quadrant_of(i, p, i_split=i_split, p_split=p_split),
        )
        for k, (i, p) in points.items()
    ]
    return IpaResult(i_split, p_split, out)
