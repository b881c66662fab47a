"""Realistic simulated touchpoints for the statistics tests: weekly rhythm, day-to-day variation
that is autocorrelated (AR(1)), overdispersed volume, small n. Vectorised and seeded."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

SCALE = np.arange(1, 8)
# Relative volume by weekday (Monday first): quieter weekends.
WEEKLY_VOLUME = np.array([1.15, 1.1, 1.05, 1.05, 1.1, 0.8, 0.75])
# An office touchpoint: hardly any answers at weekends (a Sunday expects a fraction of one).
OFFICE_VOLUME = np.array([1.15, 1.05, 1.0, 1.0, 0.9, 0.2, 0.05])
# Satisfaction by weekday (points): weekends a little better.
WEEKLY_LEVEL = np.array([-0.05, -0.05, 0.0, 0.0, 0.0, 0.05, 0.05])


@dataclass(frozen=True)
class Days:
    """Per series and day (S, T): responses, answers n and their sum and sum of squares."""

    responses: np.ndarray
    n: np.ndarray
    total: np.ndarray
    sumsq: np.ndarray
    weekday: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.n > 0, self.total / np.where(self.n > 0, self.n, 1), np.nan)


def ar1(rng: np.random.Generator, shape: tuple[int, int], phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) rows with marginal standard deviation sd."""
    out = np.empty(shape)
    out[:, 0] = rng.normal(0.0, sd, shape[0])
    innovation = sd * np.sqrt(1.0 - phi * phi)
    for t in range(1, shape[1]):
        out[:, t] = phi * out[:, t - 1] + rng.normal(0.0, innovation, shape[0])
    return out


def score_probabilities(latent: np.ndarray, sd: float) -> np.ndarray:
    """P(score = 1..7) of a normal(latent, sd) rounded to the scale (ends absorb the tails)."""
    edges = np.concatenate([[-np.inf], SCALE[:-1] + 0.5, [np.inf]])
    cdf = stats.norm.cdf((edges[None, None, :] - latent[..., None]) / sd)
    return np.diff(cdf, axis=-1)


def touchpoints(
    rng: np.random.Generator,
    *,
    series: int,
    days: int,
    volume: float | np.ndarray,
    level: float = 5.2,
    answer_sd: float = 1.3,
    day_sd: float = 0.15,
    phi: float = 0.3,
    volume_day_sd: float = 0.2,
    step: np.ndarray | None = None,
    step_from: int | None = None,
    first_weekday: int = 0,
    nps: bool = False,
    weekly_volume: np.ndarray = WEEKLY_VOLUME,
) -> Days:
    """Stable touchpoints (one row each); `step` (points, per row) is added from day `step_from`."""
    weekday = (np.arange(days) + first_weekday) % 7
    rate = np.broadcast_to(np.asarray(volume, dtype=float), (series,))[:, None]
    wobble = np.exp(ar1(rng, (series, days), phi, volume_day_sd) - volume_day_sd**2 / 2)
    # One weekly rhythm for all rows (7,) or one per row (S, 7).
    rhythm = np.atleast_2d(weekly_volume)[:, weekday]
    responses = rng.poisson(rate * rhythm * wobble)
    latent = level + WEEKLY_LEVEL[weekday][None, :] + ar1(rng, (series, days), phi, day_sd)
    if step is not None and step_from is not None:
        latent[:, step_from:] += np.asarray(step, dtype=float)[:, None]
    counts = rng.multinomial(responses, score_probabilities(latent, answer_sd))
    # As NPS: 6-7 promoters (+100), 4-5 passives (0), 1-3 detractors (-100).
    score = np.array([-100, -100, -100, 0, 0, 100, 100]) if nps else SCALE
    total = counts @ score
    sumsq = counts @ (score * score)
    return Days(responses, responses.copy(), total, sumsq, np.broadcast_to(weekday, (series, days)))


@dataclass(frozen=True)
class Rolling:
    """The window test evaluated on each of `days` consecutive days: arrays (S, days)."""

    z: np.ndarray
    effect: np.ndarray
    relative: np.ndarray
    answers: np.ndarray


def rolling_tests(data: Days, *, first: int, days: int, counts: bool = False) -> Rolling:
    """Evaluate the calibrated window test on days first..first+days-1 as the nightly run would:
    each day against the BASELINE_DAYS before its WINDOW_DAYS."""
    from dashboards.analytics import calibrated

    base_days, window = calibrated.BASELINE_DAYS, calibrated.WINDOW_DAYS
    z, effect, relative, answers = [], [], [], []
    volume = data.responses.astype(float)
    for day in range(first, first + days):
        b = slice(max(0, day - window - base_days + 1), day - window + 1)
        w = slice(day - window + 1, day + 1)
        if counts:
            base = calibrated.phase1_counts(volume[:, b], data.weekday[0, b])
            test = calibrated.window_counts(base, volume[:, w], data.weekday[0, w])
        else:
            base = calibrated.phase1_means(data.n[:, b], data.total[:, b], data.sumsq[:, b])
            test = calibrated.window_means(base, data.n[:, w], data.total[:, w])
        z.append(test.z)
        effect.append(test.effect)
        relative.append(test.relative)
        answers.append(test.answers)
    return Rolling(*(np.array(a).T for a in (z, effect, relative, answers)))


def onsets(flags: np.ndarray) -> np.ndarray:
    """Per row, how many runs of consecutive flagged days start (a run is one signal)."""
    previous = np.zeros_like(flags)
    previous[:, 1:] = flags[:, :-1]
    counts: np.ndarray = (flags & ~previous).sum(axis=1)
    return counts


def alerts_with_cooldown(flags: np.ndarray, cooldown: int) -> np.ndarray:
    """Per row, alerts sent: a run's first day alerts unless an alert lies within `cooldown`
    days before it (one incident is one message, as the alert evaluation does)."""
    starts = flags.copy()
    starts[:, 1:] &= ~flags[:, :-1]
    last = np.full(flags.shape[0], -(10**6))
    sent = np.zeros(flags.shape[0], dtype=int)
    for day in range(flags.shape[1]):
        fire = starts[:, day] & (day - last >= cooldown)
        sent += fire
        last = np.where(fire, day, last)
    return sent
