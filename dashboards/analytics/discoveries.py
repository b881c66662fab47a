""" "What changed": many daily tests (touchpoints x KPIs), few false headlines.

Each candidate is one touchpoint x KPI with the calibrated window test of `calibrated` (its
deviation, Z and two-sided p). A candidate is listed when all of these hold:

1. it has enough data: at least `min_answers` answers (volume: responses) in the window;
2. it is a monitoring signal at a stated in-control run length: |Z| >= Z_SIGNAL (4.0, chosen by
   simulation for at most 0.1 false entries per stable touchpoint per 90 days);
3. it survives the Benjamini-Hochberg step-up procedure at q = FDR over all candidates of the
   day (Benjamini & Hochberg 1995), so the share of false entries in the list stays below q;
4. its effect is practically relevant: |deviation| >= the KPI's minimum effect (volume: as a
   share of the expected level).

Condition 2 keeps a small organisation (few tests a day, where BH alone is a per-day 5 % test)
from listing a false change every few weeks; condition 3 keeps a large one (many tests) honest.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

FDR = 0.05
Z_SIGNAL = 4.0
Z_SIGNAL_VOLUME = 4.5
"""Volume needs more: daily counts have heavier tails (a promotion, a public holiday)."""
MIN_ANSWERS = 20
MIN_EFFECT: Mapping[str, float] = {
    "satisfaction": 0.3,
    "gap": 0.3,
    "expectation": 0.3,
    "nps": 10.0,
    "volume": 0.25,
}
"""Smallest change worth a headline: scale points, NPS points, volume as a share of its level."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One touchpoint x KPI test of the day (effect in the KPI's unit; volume also relative)."""

    key: Hashable
    kpi: str
    effect: float
    z: float | None
    p_value: float | None
    answers: int
    relative: float | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """A candidate with its BH-adjusted p-value and whether it is listed (and why not)."""

    candidate: Candidate
    q_value: float | None
    listed: bool
    reason: str
    """"listed", "too_few_answers", "no_test", "not_significant" or "too_small"."""

    @property
    def direction(self) -> str:
        return "up" if self.candidate.effect > 0 else "down"


def bh_adjusted(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (the same as statsmodels' multipletests fdr_bh)."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return []
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return [float(v) for v in out]


def _size(candidate: Candidate) -> float:
    if candidate.kpi == "volume":
        return abs(candidate.relative) if candidate.relative is not None else 0.0
    return abs(candidate.effect)


def what_changed(
    candidates: Sequence[Candidate],
    *,
    fdr: float = FDR,
    z_signal: float = Z_SIGNAL,
    min_answers: int = MIN_ANSWERS,
    min_effect: Mapping[str, float] = MIN_EFFECT,
) -> list[Finding]:
    """Every candidate with its verdict, listed ones first (largest |Z| first).

    The BH family is every candidate with a p-value and enough answers: the tests actually run.
    """
    tested = [
        c
        for c in candidates
        if c.answers >= min_answers and c.p_value is not None and math.isfinite(c.p_value)
    ]
    adjusted = dict(
        zip(
            (id(c) for c in tested),
            bh_adjusted([c.p_value for c in tested if c.p_value is not None]),
            strict=True,
        )
    )
    findings: list[Finding] = []
    for c in candidates:
        q = adjusted.get(id(c))
        if c.answers < min_answers:
            reason = "too_few_answers"
        elif q is None or c.z is None:
            reason = "no_test"
        elif q > fdr or abs(c.z) < (Z_SIGNAL_VOLUME if c.kpi == "volume" else z_signal):
            reason = "not_significant"
        elif _size(c) < min_effect.get(c.kpi, 0.0):
            reason = "too_small"
        else:
            reason = "listed"
        findings.append(Finding(c, q, reason == "listed", reason))
    findings.sort(key=lambda f: (not f.listed, -abs(f.candidate.z or 0.0)))
    return findings
