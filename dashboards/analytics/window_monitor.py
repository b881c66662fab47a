"""One touchpoint x KPI through the calibrated window test (see `calibrated`), for alert rules.

The alert's "control limits" condition: the last `period` days against the `baseline` days
before them. A day series starts at its first day with responses (earlier days are missing, not
zero); mean KPIs count days with answers, volume counts every day from that start on.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy import stats

from . import calibrated


@dataclass(frozen=True, slots=True)
class WindowVerdict:
    """z and one-sided p of the window's deviation; value/expected in the KPI's unit (volume:
    responses per day); limit: the value at which |z| would equal `width`."""

    z: float
    p_low: float
    p_high: float
    value: float
    expected: float
    lower: float
    upper: float
    answers: int


def window_verdict(
    *,
    days: Sequence[date],
    n: Sequence[float],
    total: Sequence[float],
    sumsq: Sequence[float],
    responses: Sequence[int],
    volume: bool,
    period: int,
    width: float,
) -> WindowVerdict | None:
    """The window test on the last `period` of `days` against all days before them."""
    started = [i for i, r in enumerate(responses) if r > 0]
    if not started or len(days) <= period:
        return None
    first = started[0]
    base, window = slice(0, len(days) - period), slice(len(days) - period, len(days))
    weekdays = np.array([d.weekday() for d in days])
    if volume:
        counts = np.array([float(r) if i >= first else np.nan for i, r in enumerate(responses)])
        phase1 = calibrated.phase1_counts(counts[None, base], weekdays[base])
        test = calibrated.window_counts(phase1, counts[None, window], weekdays[window])
        answers = int(np.nansum(counts[window]))
        centre = float(
            (phase1.expected[0, weekdays[window]]).mean() if phase1.expected is not None else np.nan
        )
    else:
        arrays = [np.asarray(a, dtype=float)[None, :] for a in (n, total, sumsq)]
        phase1 = calibrated.phase1_means(*(a[:, base] for a in arrays))
        test = calibrated.window_means(phase1, arrays[0][:, window], arrays[1][:, window])
        answers = int(arrays[0][0, window].sum())
        centre = float(phase1.centre[0])
    z, effect = float(test.z[0]), float(test.effect[0])
    if not math.isfinite(z) or not math.isfinite(centre) or z == 0.0:
        return None
    se = abs(effect / z)
    return WindowVerdict(
        z=z,
        p_low=float(stats.norm.cdf(z)),
        p_high=float(stats.norm.sf(z)),
        value=centre + effect,
        expected=centre,
        lower=centre - width * se,
        upper=centre + width * se,
        answers=answers,
    )
