"""Funnel plot: each touchpoint's value against its n, with control limits around the
organisation's value (Spiegelhalter 2005, "Funnel plots for comparing institutional
performance"). Small touchpoints scatter more by chance; the funnel says how much.

For a mean KPI with per-response standard deviation s (the organisation's), the limits at n are
    target +- z_p * s / sqrt(n),    z 1.96 (95 %) and 3.09 (99.8 %).
Only a touchpoint outside the 99.8 % limits is called "outside"; one between the limits is
"watch", inside the 95 % limits "in line".
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from scipy import stats

K = TypeVar("K", bound=Hashable)
Verdict = Literal["in_line", "watch", "outside"]

INNER = 0.95
OUTER = 0.998


@dataclass(frozen=True, slots=True)
class FunnelPoint(Generic[K]):
    key: K
    value: float
    n: int
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class Funnel(Generic[K]):
    """The target, the limit curves over `grid` (n values) and the points."""

    target: float
    sd: float
    grid: list[int]
    inner: list[tuple[float, float]]
    outer: list[tuple[float, float]]
    points: list[FunnelPoint[K]]


def limits(target: float, sd: float, n: int, level: float) -> tuple[float, float]:
    """target -+ z * sd / sqrt(n)."""
    half = float(stats.norm.ppf(0.5 + level / 2)) * sd / math.sqrt(n)
    return target - half, target + half


def funnel(
    points: Mapping[K, tuple[float | None, int]], *, target: float, sd: float, grid_size: int = 40
) -> Funnel[K]:
    """Funnel of (value, n) points around `target` with per-response spread `sd`."""
    used = {k: (v, n) for k, (v, n) in points.items() if v is not None and n > 0}
    top = max([n for _v, n in used.values()] + [10])
    grid = sorted({max(2, round(2 * (top / 2) ** (i / (grid_size - 1)))) for i in range(grid_size)})
    out: list[FunnelPoint[K]] = []
    for key, (value, n) in used.items():
        lo, hi = limits(target, sd, n, OUTER)
        ilo, ihi = limits(target, sd, n, INNER)
        verdict: Verdict = (
            "outside"
            if not lo <= value <= hi
            else "watch"
            if not ilo <= value <= ihi
            else "in_line"
        )
        out.append(FunnelPoint(key, value, n, verdict))
    return Funnel(
        target,
        sd,
        grid,
        [limits(target, sd, n, INNER) for n in grid],
        [limits(target, sd, n, OUTER) for n in grid],
        out,
    )
