"""Prewhitened lag search: equals statsmodels, few false links on seasonal noise, finds lags."""

import numpy as np
import pytest
from statsmodels.regression.linear_model import yule_walker as sm_yule_walker
from statsmodels.tsa.stattools import ccf

from dashboards.analytics.prewhitening import (
    AR_ORDER,
    ar_filter,
    lag_search,
    prewhitened_ccf,
    yule_walker,
)
from tests.dashboards.analytics.simulation_support import WEEKLY_LEVEL, ar1

DAYS = 90
TOUCHPOINTS = 8  # 8 x 7 ordered pairs x 14 lags = 784 tests
MAX_LAG = 14


def seasonal_noise(rng: np.random.Generator, sets: int, series: int) -> np.ndarray:
    """(sets, series, DAYS) daily means with a weekly rhythm and AR(1) day effects."""
    week = 4 * WEEKLY_LEVEL[np.arange(DAYS) % 7]  # +-0.2 points by weekday
    noise = ar1(rng, (sets * series, DAYS), 0.3, 0.15).reshape(sets, series, DAYS)
    values: np.ndarray = 5.0 + week + noise
    return values


def test_yule_walker_and_ccf_equal_statsmodels() -> None:
    rng = np.random.default_rng(4)
    x, y = seasonal_noise(rng, 1, 2)[0]
    coef = yule_walker(x, AR_ORDER)
    expected, _sigma = sm_yule_walker(x, order=AR_ORDER, method="mle", demean=True)
    assert coef == pytest.approx(expected, rel=1e-10)

    # The model is fitted on the series with outlying days pulled in to 3 robust SDs
    def pulled(v: np.ndarray) -> np.ndarray:
        mad = 1.4826 * np.median(np.abs(v - np.median(v)))
        pulled_in: np.ndarray = np.clip(v, np.median(v) - 3 * mad, np.median(v) + 3 * mad)
        return pulled_in

    result = prewhitened_ccf(list(x), list(y), lags=range(MAX_LAG + 1))
    weekday = np.arange(DAYS) % 7
    dx = x - np.array([x[weekday == d].mean() for d in range(7)])[weekday]
    dy = y - np.array([y[weekday == d].mean() for d in range(7)])[weekday]
    coef = sm_yule_walker(pulled(dx), order=AR_ORDER, method="mle", demean=True)[0]
    ex, ey = ar_filter(dx, coef, 0.0), ar_filter(dy, coef, 0.0)
    oracle = ccf(ey, ex, adjusted=False, fft=False)[: MAX_LAG + 1]
    assert result.r == pytest.approx(list(oracle), abs=1e-12)
    assert result.n == DAYS - AR_ORDER


def test_seasonal_noise_rarely_shows_a_significant_link(capsys: pytest.CaptureFixture[str]) -> None:
    # Given 200 data sets of 8 unrelated touchpoints sharing a weekly rhythm
    rng = np.random.default_rng(2026)
    sets = seasonal_noise(rng, 200, TOUCHPOINTS)
    # When every pair and lag is searched
    hits = 0
    for data in sets:
        search = lag_search({i: list(row) for i, row in enumerate(data)}, max_lag=MAX_LAG)
        assert search.tests == 784
        hits += search.any_significant
    rate = hits / len(sets)
    with capsys.disabled():
        print(f"\nlag search on seasonal noise: a significant link in {rate:.1%} of data sets")
    # Then at most 5 % of the data sets claim a link
    assert rate <= 0.05


def test_a_planted_lag_is_found(capsys: pytest.CaptureFixture[str]) -> None:
    # Given 100 data sets where touchpoint 0 moves touchpoint 1 with a lag of 3..10 days and a
    # raw correlation of 0.5 or more
    rng = np.random.default_rng(7)
    sets = seasonal_noise(rng, 100, TOUCHPOINTS)
    lags = rng.integers(3, 11, len(sets))
    found = 0
    raw = []
    for data, lag in zip(sets, lags, strict=True):
        leader = data[0]
        follower = data[1].copy()
        follower[lag:] += 1.2 * (leader[:-lag] - leader.mean())
        raw.append(np.corrcoef(leader[:-lag], follower[lag:])[0, 1])
        series = {i: list(row) for i, row in enumerate(data)} | {1: list(follower)}
        search = lag_search(series, max_lag=MAX_LAG)
        found += any(
            link.leader == 0 and link.follower == 1 and link.lag == lag for link in search.links
        )
    power = found / len(sets)
    with capsys.disabled():
        print(
            f"\nplanted lag 3-10 days, raw r {np.min(raw):.2f}-{np.max(raw):.2f}: "
            f"found at the right lag in {power:.1%}"
        )
    assert np.min(raw) >= 0.5
    assert power >= 0.9


def test_too_short_series_give_no_claim() -> None:
    result = prewhitened_ccf([1.0, 2.0, 3.0] * 5, [2.0, 1.0, 3.0] * 5, lags=range(3))
    assert result.best_lag is None and not result.significant


def test_a_campaign_pulse_and_its_echo_are_found(capsys: pytest.CaptureFixture[str]) -> None:
    # Given 100 data sets where touchpoint 0's volume triples for 5 days and touchpoint 1's
    # satisfaction drops 7 days after each of those days (the demo's campaign -> hotline)
    rng = np.random.default_rng(11)
    sets = seasonal_noise(rng, 100, TOUCHPOINTS)
    found = 0
    raw = []
    for data in sets:
        start = int(rng.integers(20, 60))
        leader, follower = data[0].copy(), data[1].copy()
        leader[start : start + 5] += 1.5  # like volume x 3.5: ten daily standard deviations
        follower[start + 7 : start + 12] -= 1.0  # like the demo Hotline drop
        raw.append(np.corrcoef(leader[:-7], follower[7:])[0, 1])
        series = {i: list(row) for i, row in enumerate(data)} | {0: list(leader), 1: list(follower)}
        search = lag_search(series, max_lag=MAX_LAG)
        found += any(k.leader == 0 and k.follower == 1 and k.lag == 7 for k in search.links)
    with capsys.disabled():
        print(
            f"\ncampaign pulse, raw r at lag 7 {np.median(raw):.2f} (median): "
            f"found in {found / len(sets):.1%}"
        )
    assert np.median(raw) <= -0.4
    assert found / len(sets) >= 0.9
