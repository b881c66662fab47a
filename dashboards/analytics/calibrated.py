"""Calibrated monitoring of daily KPIs: days vary more than their answers do.

A day's mean x_t (satisfaction, gap, NPS) scatters around the level mu with two variance parts:
the between-day part tau^2 (staffing, weather, a campaign: it does not shrink with more answers)
and the sampling part sigma_w^2 / n_t. Counts (volume) follow a day-of-week level e_t with the
negative-binomial variance e_t + kappa * e_t^2. Day effects are autocorrelated (AR(1), phi).

Phase I (baseline, default the 56 days before the 7 monitored ones) estimates robustly:
- sigma_w^2: the pooled within-day variance of answers (from the sums);
- mu and tau^2: inverse-variance weighted mean and the DerSimonian-Laird moment estimate
  (DerSimonian & Laird 1986), starting from the median and leaving out days whose standardised
  value exceeds OUTLIER_Z and days already flagged (`exclude`), twice;
- volume: the mean of each weekday (weekly rhythm is normal), kappa by moments, same exclusion;
- phi: lag-1 autocorrelation of the standardised baseline days, bias-corrected, clipped to
  [0, PHI_MAX].

Phase II (the monitored window, default 7 days): the statistic is a weighted mean of the
deviations x_t - centre_t with weights decaying by (1 - lam) per day of age (an EWMA over the
window; for means also weighted by each day's precision), and its exact variance under "no
change" from the covariance tau_j tau_k phi^|j-k| + [j=k] within_j plus the uncertainty of the
centre. Z is that deviation
over its standard error; p is its two-sided normal p-value. Everything is vectorised over series
(rows), so the simulation tests run exactly this code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

BASELINE_DAYS = 56
WINDOW_DAYS = 7
LAMBDA = 0.35
OUTLIER_Z = 3.5
PHI_MAX = 0.8
MIN_BASELINE_DAYS = 14
"""Days with answers a baseline needs before any statistic is computed."""
MIN_WINDOW_DAYS = 3
"""Days with answers the monitored window needs."""
Z_ALERT = 3.5
"""One-sided limit of an alert (normal tail 0.00023 per day and KPI; see docs/statistics.md)."""

FloatArray = np.ndarray


@dataclass(frozen=True, slots=True)
class Phase1:
    """Baseline estimates per series (arrays of shape (S,)); NaN where the baseline is too thin.

    centre: mu (means) or the mean daily count (volume); expected: the per-weekday level of
    volume, shape (S, 7), None for means; between: tau^2 (means) or kappa (volume); within:
    sigma_w^2 (means, None for volume); centre_var: variance of the estimated centre; days: days
    used; excluded: days left out as outliers or already flagged.
    """

    centre: FloatArray
    between: FloatArray
    within: FloatArray | None
    phi: FloatArray
    centre_var: FloatArray
    days: FloatArray
    excluded: FloatArray
    expected: FloatArray | None = None
    expected_count: FloatArray | None = None


@dataclass(frozen=True, slots=True)
class WindowTest:
    """The monitored window of each series: deviation (KPI units), Z, two-sided p, answers, days.

    For volume `effect` is in responses per day and `relative` is effect / expected level.
    """

    effect: FloatArray
    relative: FloatArray
    z: FloatArray
    p_value: FloatArray
    answers: FloatArray
    days: FloatArray


def _lag1(z: FloatArray, days: FloatArray) -> FloatArray:
    """Bias-corrected lag-1 autocorrelation of standardised rows (NaN = missing), clipped."""
    a, b = z[:, :-1], z[:, 1:]
    both = np.isfinite(a) & np.isfinite(b)
    num = np.where(both, a * b, 0.0).sum(axis=1)
    den = np.where(np.isfinite(z), z * z, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = num / den
        # Kendall's small-sample bias of the lag-1 estimate is about -(1 + 3 phi) / n.
        phi = phi + (1.0 + 3.0 * phi) / np.maximum(days, 1.0)
    clipped: FloatArray = np.clip(np.nan_to_num(phi, nan=0.0), 0.0, PHI_MAX)
    return clipped


def _ar_factor(phi: FloatArray, days: FloatArray) -> FloatArray:
    # Variance of a mean of `days` AR(1) values relative to independent ones (upper bound form).
    factor: FloatArray = (1.0 + phi) / (1.0 - phi) * np.ones_like(days)
    return factor


def phase1_means(
    n: FloatArray, total: FloatArray, sumsq: FloatArray, *, exclude: FloatArray | None = None
) -> Phase1:
    """Baseline of mean-type KPIs from per-day count, sum and sum of squares, shape (S, B)."""
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    sumsq = np.asarray(sumsq, dtype=float)
    seen = n > 0
    if exclude is not None:
        flagged = seen & np.asarray(exclude, dtype=bool)
        seen = seen & ~np.asarray(exclude, dtype=bool)
    else:
        flagged = np.zeros_like(seen)
    safe_n = np.where(seen, n, 1.0)
    x = np.where(seen, total / safe_n, np.nan)
    resid_ss = np.where(seen, sumsq - total * total / safe_n, 0.0)
    dof = np.where(seen, n - 1.0, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        within = np.maximum(resid_ss.sum(axis=1), 0.0) / dof
    within = np.where(dof > 0, within, np.nan)
    sampling = within[:, None] / safe_n
    with np.errstate(invalid="ignore"):
        robust = np.nanmedian(np.where(seen, x, np.nan), axis=1) if seen.any() else x[:, 0]
    keep = seen.copy()
    centre, between = _dersimonian_laird(x, sampling, keep)
    for _ in range(2):
        # Start from all days and the median, so that one wild day cannot set the variance.
        var = between[:, None] + sampling
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (x - robust[:, None]) / np.sqrt(var)
        keep = seen & (np.abs(np.nan_to_num(z, nan=np.inf)) <= OUTLIER_Z)
        centre, between = _dersimonian_laird(x, sampling, keep)
        robust = centre
    var = between[:, None] + sampling
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(keep, (x - centre[:, None]) / np.sqrt(var), np.nan)
    days = keep.sum(axis=1).astype(float)
    phi = _lag1(z, days)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre_var = _ar_factor(phi, days) / np.where(keep, 1.0 / var, 0.0).sum(axis=1)
    thin = days < MIN_BASELINE_DAYS
    for array in (centre, between, within, centre_var):
        array[thin] = np.nan
    excluded = (seen & ~keep).sum(axis=1) + flagged.sum(axis=1)
    return Phase1(centre, between, within, phi, centre_var, days, excluded.astype(float))


def _dersimonian_laird(
    x: FloatArray, sampling: FloatArray, keep: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Random-effects mean and the DerSimonian-Laird tau^2 over the kept days of each row."""
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(keep, 1.0 / sampling, 0.0)
        sw = w.sum(axis=1)
        fixed = np.where(keep, w * x, 0.0).sum(axis=1) / sw
        q = np.where(keep, w * (x - fixed[:, None]) ** 2, 0.0).sum(axis=1)
        k = keep.sum(axis=1)
        c = sw - (w * w).sum(axis=1) / sw
        tau2 = np.maximum(0.0, (q - (k - 1)) / c)
        tau2 = np.nan_to_num(tau2, nan=0.0)
        wr = np.where(keep, 1.0 / (tau2[:, None] + sampling), 0.0)
        centre = np.where(keep, wr * x, 0.0).sum(axis=1) / wr.sum(axis=1)
    return centre, tau2


def phase1_counts(
    counts: FloatArray, weekdays: FloatArray, *, exclude: FloatArray | None = None
) -> Phase1:
    """Baseline of daily counts, shape (S, B); NaN marks days before the series starts.

    weekdays: the weekday (0-6) of each baseline column. The expected count of a weekday is the
    mean of that weekday's kept days (the overall mean when fewer than two were kept).
    """
    c = np.asarray(counts, dtype=float)
    wd = np.asarray(weekdays, dtype=int)
    seen = np.isfinite(c)
    flagged = np.zeros_like(seen)
    if exclude is not None:
        flagged = seen & np.asarray(exclude, dtype=bool)
        seen = seen & ~np.asarray(exclude, dtype=bool)
    keep = seen.copy()
    onehot = (wd[:, None] == np.arange(7)[None, :]).astype(float)  # (B, 7)
    kappa = np.zeros(len(c))
    for rounds in range(3):
        kept = np.where(keep, c, 0.0)
        per_day = kept @ onehot
        per_n = keep.astype(float) @ onehot
        overall = kept.sum(axis=1) / np.maximum(keep.sum(axis=1), 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            level = np.where(per_n >= 2, per_day / np.maximum(per_n, 1), overall[:, None])
        expected = level @ onehot.T  # (S, B)
        var = expected + kappa[:, None] * expected**2
        with np.errstate(invalid="ignore", divide="ignore"):
            z = (c - expected) / np.sqrt(var)
            # The first round uses every day: kappa = 0 would make ordinary days look wild.
            if rounds:
                keep = seen & (np.abs(np.nan_to_num(z, nan=np.inf)) <= OUTLIER_Z)
            # A residual from a weekday mean of k days has variance (1 - 1/k) var: undo that.
            k = (keep.astype(float) @ onehot) @ onehot.T
            inflate = np.where(k >= 2, k / np.maximum(k - 1, 1), 1.0)
            excess = np.where(keep, (c - expected) ** 2 * inflate - expected, 0.0).sum(axis=1)
            kappa = np.maximum(
                0.0, np.nan_to_num(excess / np.where(keep, expected**2, 0.0).sum(axis=1))
            )
    days = keep.sum(axis=1).astype(float)
    var = expected + kappa[:, None] * expected**2
    with np.errstate(invalid="ignore", divide="ignore"):
        zs = np.where(keep, (c - expected) / np.sqrt(var), np.nan)
    phi = _lag1(zs, days)
    centre = np.where(keep, c, 0.0).sum(axis=1) / np.maximum(days, 1)
    thin = days < MIN_BASELINE_DAYS
    centre[thin] = np.nan
    kappa[thin] = np.nan
    excluded = (seen & ~keep).sum(axis=1) + flagged.sum(axis=1)
    return Phase1(
        centre, kappa, None, phi, np.zeros(len(c)), days, excluded.astype(float), level, per_n
    )


def _window_weights(observed: FloatArray, var: FloatArray, lam: float) -> FloatArray:
    age = np.arange(observed.shape[1])[::-1].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(observed, (1.0 - lam) ** age / var, 0.0)
    total = w.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, w / total, 0.0)


def _window_variance(
    a: FloatArray, between_sd: FloatArray, within: FloatArray, phi: FloatArray
) -> FloatArray:
    """a' C a with C_jk = sd_j sd_k phi^|j-k| + [j=k] within_j, per row."""
    width = a.shape[1]
    lag = np.abs(np.arange(width)[:, None] - np.arange(width)[None, :])
    corr = phi[:, None, None] ** lag[None, :, :]
    scaled = a * between_sd
    variance: FloatArray = np.einsum("sj,sjk,sk->s", scaled, corr, scaled)
    variance = variance + (a * a * within).sum(axis=1)
    return variance


def window_means(
    base: Phase1, n: FloatArray, total: FloatArray, *, lam: float = LAMBDA
) -> WindowTest:
    """Test the window's days (per-day count and sum, shape (S, W)) against the baseline."""
    if base.within is None:
        raise ValueError("a baseline of counts cannot test means")
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    observed = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(observed, total / np.where(observed, n, 1.0), np.nan)
        within = np.where(observed, base.within[:, None] / np.where(observed, n, 1.0), 0.0)
    tau2 = base.between[:, None] * np.ones_like(n)
    a = _window_weights(observed, tau2 + within, lam)
    effect = np.where(observed, a * (x - base.centre[:, None]), 0.0).sum(axis=1)
    var = _window_variance(a, np.sqrt(tau2), within, base.phi) + base.centre_var
    return _finish(effect, effect, var, n.sum(axis=1), observed, base)


def window_counts(
    base: Phase1, counts: FloatArray, weekdays: FloatArray, *, lam: float = LAMBDA
) -> WindowTest:
    """Test the window's daily counts (shape (S, W), NaN = no series yet) against the baseline."""
    if base.expected is None or base.expected_count is None:
        raise ValueError("a baseline of means cannot test counts")
    c = np.asarray(counts, dtype=float)
    wd = np.asarray(weekdays, dtype=int)
    observed = np.isfinite(c)
    expected = base.expected[:, wd]
    kappa = base.between[:, None]
    between_sd = np.sqrt(kappa) * expected
    sampling = expected
    # Equal weight per day (decaying with age), not by precision: a quiet Sunday with an expected
    # half response would otherwise dominate, and its skewed Poisson count fakes "volume up".
    a = _window_weights(observed, np.ones_like(expected), lam)
    effect = np.where(observed, a * (c - expected), 0.0).sum(axis=1)
    level = (a * expected).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = effect / level
        # Each weekday's level is the mean of its baseline days: its error adds per day.
        centre_var = (
            a * a * (expected + kappa * expected**2) / np.maximum(base.expected_count[:, wd], 1)
        ).sum(axis=1) * _ar_factor(base.phi, base.days)
    var = _window_variance(a, between_sd, sampling, base.phi) + centre_var
    return _finish(effect, relative, var, np.nansum(c, axis=1), observed, base)


def _finish(
    effect: FloatArray,
    relative: FloatArray,
    var: FloatArray,
    answers: FloatArray,
    observed: FloatArray,
    base: Phase1,
) -> WindowTest:
    days = observed.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = effect / np.sqrt(var)
    enough = (days >= MIN_WINDOW_DAYS) & np.isfinite(z) & (base.days >= MIN_BASELINE_DAYS)
    z = np.where(enough, z, np.nan)
    p = np.where(enough, 2.0 * stats.norm.sf(np.abs(np.nan_to_num(z))), np.nan)
    return WindowTest(effect, relative, z, p, answers, days)
