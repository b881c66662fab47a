"""Calibrated monitoring and "what changed": oracles and simulated false-signal rates and power.

Stable touchpoints have a weekly rhythm, autocorrelated day-to-day variation (AR(1), phi 0.3),
overdispersed volume and 5 to 80 answers a day. Rates are per stable touchpoint per 90 days.
"""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects
from statsmodels.stats.multitest import multipletests

from dashboards.analytics import calibrated
from dashboards.analytics.discoveries import (
    FDR,
    MIN_ANSWERS,
    MIN_EFFECT,
    Z_SIGNAL,
    Z_SIGNAL_VOLUME,
    Candidate,
    bh_adjusted,
    what_changed,
)
from tests.dashboards.analytics.simulation_support import (
    OFFICE_VOLUME,
    WEEKLY_VOLUME,
    Rolling,
    alerts_with_cooldown,
    onsets,
    rolling_tests,
    touchpoints,
)

B, W, DAYS = calibrated.BASELINE_DAYS, calibrated.WINDOW_DAYS, 90
FIRST = B + W - 1
POWER_FLOOR = 0.4
COOLDOWN_DAYS = 7  # AlertRule.cooldown_days' default
VOLUMES = np.array([5, 8, 12, 20, 30, 40, 60, 80, 10, 25])


def test_phase1_equals_dersimonian_laird_of_statsmodels() -> None:
    # Given 56 baseline days of 40 series without outliers
    rng = np.random.default_rng(11)
    data = touchpoints(rng, series=40, days=B, volume=30)
    # When the baseline is estimated
    base = calibrated.phase1_means(data.n, data.total, data.sumsq)
    # Then mean and tau^2 equal statsmodels' random-effects (DL) combination of the daily means
    for row in range(40):
        n = data.n[row]
        within = (data.sumsq[row] - data.total[row] ** 2 / n).sum() / (n - 1).sum()
        if base.excluded[row]:
            continue  # a day beyond the outlier limit: the oracle would keep it
        res = combine_effects(data.mean[row], within / n, method_re="dl")
        assert base.within is not None
        assert base.within[row] == pytest.approx(within, rel=1e-12)
        tau2 = max(float(res.tau2), 0.0)  # DL truncates a negative moment estimate at 0
        assert base.between[row] == pytest.approx(tau2, rel=1e-9, abs=1e-12)
        weights = 1.0 / (tau2 + within / n)
        assert base.centre[row] == pytest.approx(
            (weights * data.mean[row]).sum() / weights.sum(), rel=1e-12
        )
        if tau2 > 0:
            assert base.centre[row] == pytest.approx(res.mean_effect_re, rel=1e-12)


def test_window_variance_equals_the_quadratic_form_of_the_ar1_covariance() -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, (5, W))
    sd = rng.uniform(0.1, 0.3, (5, W))
    within = rng.uniform(0.01, 0.05, (5, W))
    phi = rng.uniform(0, 0.6, 5)
    got = calibrated._window_variance(a, sd, within, phi)
    for s in range(5):
        lag = np.abs(np.subtract.outer(np.arange(W), np.arange(W)))
        cov = np.outer(sd[s], sd[s]) * phi[s] ** lag + np.diag(within[s])
        assert got[s] == pytest.approx(a[s] @ cov @ a[s], rel=1e-12)


def test_phase1_leaves_out_a_special_cause_and_flagged_days() -> None:
    rng = np.random.default_rng(5)
    data = touchpoints(rng, series=1, days=B, volume=30)
    total = data.total.astype(float).copy()
    total[0, 20] = data.n[0, 20] * 1.5  # a day at 1.5 points: a special cause
    base = calibrated.phase1_means(data.n, total, data.sumsq)
    assert base.excluded[0] >= 1
    assert base.centre[0] == pytest.approx(np.nanmean(np.delete(data.mean[0], 20)), abs=0.05)
    flagged = np.zeros((1, B), dtype=bool)
    flagged[0, 30:37] = True
    excluded = calibrated.phase1_means(data.n, total, data.sumsq, exclude=flagged)
    assert excluded.days[0] == base.days[0] - 7


def test_bh_equals_statsmodels() -> None:
    p = np.random.default_rng(2).uniform(0, 0.2, 37) ** 2
    assert bh_adjusted(list(p)) == pytest.approx(list(multipletests(p, method="fdr_bh")[1]))


def test_what_changed_needs_n_signal_bh_and_effect() -> None:
    rows = [
        Candidate("a", "satisfaction", -0.6, -5.0, 1e-6, 40),
        Candidate("b", "satisfaction", -0.1, -5.0, 1e-6, 400),  # too small to matter
        Candidate("c", "nps", -30.0, -4.0, 6e-5, 10),  # too few answers
        Candidate("d", "gap", 0.5, 2.5, 0.012, 50),  # not a signal
        Candidate("e", "volume", -20.0, -6.0, 2e-9, 300, relative=-0.4),
    ]
    found = {f.candidate.key: f.reason for f in what_changed(rows)}
    assert found == {
        "a": "listed",
        "b": "too_small",
        "c": "too_few_answers",
        "d": "not_significant",
        "e": "listed",
    }


def _organisation_days(rng: np.random.Generator, orgs: int) -> dict[str, Rolling]:
    """Rolling tests of satisfaction, gap, NPS and volume for orgs x 10 stable touchpoints."""
    series = orgs * VOLUMES.size
    volume = np.tile(VOLUMES, orgs)
    out: dict[str, Rolling] = {}
    for kpi, kwargs in (
        ("satisfaction", {}),
        ("gap", {"level": 4.0, "answer_sd": 1.6}),
        ("nps", {"nps": True}),
    ):
        data = touchpoints(rng, series=series, days=FIRST + DAYS, volume=volume, **kwargs)
        out[kpi] = rolling_tests(data, first=FIRST, days=DAYS)
        if kpi == "satisfaction":
            # Half the touchpoints keep office hours: almost no answers at weekends.
            office = touchpoints(
                rng,
                series=series,
                days=FIRST + DAYS,
                volume=volume,
                weekly_volume=np.where(
                    (np.arange(series) % 2)[:, None], OFFICE_VOLUME, WEEKLY_VOLUME
                ),
            )
            out["volume"] = rolling_tests(office, first=FIRST, days=DAYS, counts=True)
    return out


def test_what_changed_lists_few_false_signals_on_stable_touchpoints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given 30 organisations x 10 stable touchpoints x 4 KPIs, evaluated daily for 90 days
    orgs = 30
    tests = _organisation_days(np.random.default_rng(2026), orgs)
    kpis = list(tests)
    z = np.stack([tests[k].z for k in kpis], axis=1)
    effect = np.stack(
        [tests[k].relative if k == "volume" else tests[k].effect for k in kpis],
        axis=1,
    )
    answers = np.stack([tests[k].answers for k in kpis], axis=1)
    p = 2 * stats.norm.sf(np.abs(np.nan_to_num(z)))
    tested = np.isfinite(z) & (answers >= MIN_ANSWERS)
    listed = np.zeros_like(tested)
    n_tp = VOLUMES.size
    for o in range(orgs):
        rows = slice(o * n_tp, (o + 1) * n_tp)
        for d in range(DAYS):
            mask = tested[rows, :, d]
            if not mask.any():
                continue
            q = np.ones(mask.shape)
            q[mask] = multipletests(p[rows, :, d][mask], method="fdr_bh")[1]
            limit = np.array([Z_SIGNAL_VOLUME if k == "volume" else Z_SIGNAL for k in kpis])
            listed[rows, :, d] = mask & (q <= FDR) & (np.abs(z[rows, :, d]) >= limit)
    minimum = np.array([MIN_EFFECT[k] for k in kpis])[None, :, None]
    listed &= np.abs(np.nan_to_num(effect)) >= minimum
    per_touchpoint = np.sum([onsets(listed[:, k, :]) for k in range(len(kpis))], axis=0)
    rate = per_touchpoint.mean()
    share = (per_touchpoint > 0).mean()
    with capsys.disabled():
        print(
            f"\nwhat changed, stable: {rate:.3f} signals per touchpoint per 90 days, "
            f"{share:.1%} of touchpoints with any ({orgs * n_tp} touchpoints, 4 KPIs)"
        )
    assert rate <= 0.1


def test_alert_statistic_raises_few_false_alerts(capsys: pytest.CaptureFixture[str]) -> None:
    # Given 400 stable touchpoints: drops of satisfaction and NPS alert, volume both ways
    rng = np.random.default_rng(7)
    volume = np.tile(VOLUMES, 40)
    sat = touchpoints(rng, series=volume.size, days=FIRST + DAYS, volume=volume)
    nps = touchpoints(rng, series=volume.size, days=FIRST + DAYS, volume=volume, nps=True)
    z_sat = rolling_tests(sat, first=FIRST, days=DAYS).z
    z_nps = rolling_tests(nps, first=FIRST, days=DAYS).z
    limit = calibrated.Z_ALERT
    flags = (np.nan_to_num(z_sat) <= -limit) | (np.nan_to_num(z_nps) <= -limit)
    alerts = alerts_with_cooldown(flags, COOLDOWN_DAYS)
    with capsys.disabled():
        print(
            f"\nalerts, stable: {alerts.mean():.3f} per touchpoint per 90 days, "
            f"max {alerts.max()} on one touchpoint ({volume.size} touchpoints)"
        )
    assert alerts.mean() <= 0.25
    # one touchpoint in a hundred may see a second false alert in 90 days, not more
    assert (alerts > 1).mean() <= 0.01


@pytest.mark.parametrize("volume", [5, 20, 80])
def test_a_step_of_one_and_a_half_sd_is_found(
    volume: int, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given touchpoints whose satisfaction drops by 1.5 SD of the daily mean on day FIRST
    rng = np.random.default_rng(volume)
    runs = 400
    stable = touchpoints(rng, series=runs, days=FIRST, volume=volume)
    sd = float(np.nanmean(np.nanstd(stable.mean, axis=1)))
    probe = touchpoints(
        np.random.default_rng(1),
        series=200,
        days=20,
        volume=400,
        step=np.full(200, -1.0),
        step_from=10,
    )
    per_point = np.nanmean(probe.mean[:, :10]) - np.nanmean(probe.mean[:, 10:])
    step = np.full(runs, -1.5 * sd / per_point)
    data = touchpoints(
        rng, series=runs, days=FIRST + 2 * W, volume=volume, step=step, step_from=FIRST
    )
    # When each day after the step is evaluated
    test = rolling_tests(data, first=FIRST, days=2 * W)
    alerted = np.nan_to_num(test.z) <= -calibrated.Z_ALERT
    listed = (np.nan_to_num(test.z) <= -Z_SIGNAL) & (
        np.abs(test.effect) >= MIN_EFFECT["satisfaction"]
    )
    within_7, within_14 = alerted[:, :W].any(axis=1).mean(), alerted.any(axis=1).mean()
    with capsys.disabled():
        print(
            f"\nstep of 1.5 SD ({1.5 * sd:.2f} points) at {volume} answers a day: alert within "
            f"7 days in {within_7:.1%}, within 14 days in {within_14:.1%}; listed in what "
            f"changed within 7 days in {listed[:, :W].any(axis=1).mean():.1%}"
        )
    # Then it alerts within a week in at least the share the calibrated limits allow: the
    # target of 90 % is out of reach with this much day-to-day variation (docs/statistics.md)
    assert within_7 >= POWER_FLOOR
