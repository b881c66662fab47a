"""Relative weights equal Johnson's computation on raw data; bootstrap agrees with scipy's;
funnel limits equal the normal formula and hold their false-outside rate."""

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from dashboards.analytics.correlation import pairwise_correlations
from dashboards.analytics.funnel import funnel, limits
from dashboards.analytics.relative_weights import (
    relative_weights,
    relative_weights_of_data,
    weighted_pairwise,
)


def drivers(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    common = rng.normal(size=(n, 1))
    x = 0.6 * common + rng.normal(size=(n, 4))
    y = x @ np.array([0.5, 0.3, 0.0, 0.1]) + rng.normal(size=n)
    return x, y


def johnson_direct(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) on data: orthogonal Z = P Q' of the standardised X, then weights."""
    xs = (x - x.mean(0)) / x.std(0, ddof=1)
    ys = (y - y.mean()) / y.std(ddof=1)
    p, _delta, qt = np.linalg.svd(xs, full_matrices=False)
    z = p @ qt * np.sqrt(x.shape[0] - 1)  # unit variance, like the standardised X
    beta = np.linalg.lstsq(z, ys, rcond=None)[0]
    lam = np.linalg.lstsq(z, xs, rcond=None)[0]
    weights: np.ndarray = (lam**2).T @ (beta**2)
    return weights


def test_relative_weights_equal_the_direct_computation_and_sum_to_r2() -> None:
    x, y = drivers(np.random.default_rng(1), 300)
    r = np.corrcoef(np.column_stack([x, y]), rowvar=False)
    result = relative_weights(r[:4, :4], r[:4, 4], n=300)
    assert result.weights == pytest.approx(list(johnson_direct(x, y)), abs=1e-12)
    r2 = sm.OLS(y, sm.add_constant(x)).fit().rsquared
    assert result.r_squared == pytest.approx(r2, rel=1e-12)
    assert not result.adjusted


def test_a_matrix_that_is_not_psd_is_repaired_and_said_so() -> None:
    r_xx = np.array([[1.0, 0.9, 0.9], [0.9, 1.0, -0.9], [0.9, -0.9, 1.0]])
    result = relative_weights(r_xx, np.array([0.3, 0.2, 0.1]))
    assert result.adjusted and result.min_eigenvalue < 0
    assert all(w >= 0 for w in result.weights)


def test_bootstrap_intervals_agree_with_scipy_and_grey_a_null_driver() -> None:
    x, y = drivers(np.random.default_rng(2), 200)
    ours = relative_weights_of_data(x, y, bootstrap=200, seed=3)
    assert ours.intervals is not None

    def weight(idx: np.ndarray, j: int) -> float:
        rows = idx.astype(int)
        r = np.corrcoef(np.column_stack([x[rows], y[rows]]), rowvar=False)
        return relative_weights(r[:4, :4], r[:4, 4]).weights[j]

    for j in (0, 2):
        res = stats.bootstrap(
            (np.arange(200),),
            lambda idx, j=j: weight(idx, j),
            vectorized=False,
            n_resamples=200,
            method="percentile",
            random_state=4,
        )
        low, high = res.confidence_interval
        assert ours.intervals[j][0] == pytest.approx(low, abs=0.03)
        assert ours.intervals[j][1] == pytest.approx(high, abs=0.04)
    assert ours.greyed()[0] is False
    assert ours.n == 200


def test_funnel_limits_and_false_outside_rate(capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(5)
    ns = rng.integers(5, 400, 20_000)
    values = 5.0 + rng.normal(0, 1.3, ns.size) / np.sqrt(ns)
    result = funnel(
        {i: (float(v), int(n)) for i, (v, n) in enumerate(zip(values, ns, strict=True))},
        target=5.0,
        sd=1.3,
    )
    assert limits(5.0, 1.3, 100, 0.95) == pytest.approx(
        (5.0 - 1.959964 * 0.13, 5.0 + 1.959964 * 0.13)
    )
    outside = np.mean([p.verdict == "outside" for p in result.points])
    with capsys.disabled():
        print(f"\nfunnel: in-control touchpoints outside the 99.8 % limits: {outside:.2%}")
    assert outside <= 0.004


def test_weighted_pairwise_equals_the_pairwise_correlations_and_repeats_rows() -> None:
    rng = np.random.default_rng(8)
    data = rng.normal(size=(60, 4))
    data[rng.random((60, 4)) < 0.4] = np.nan
    ones = weighted_pairwise(data, np.ones(60))
    expected, _n = pairwise_correlations(data)
    off = ~np.eye(4, dtype=bool)
    assert ones[off] == pytest.approx(expected[off], abs=1e-12)
    counts = rng.integers(0, 3, 60).astype(float)
    repeated = np.repeat(data, counts.astype(int), axis=0)
    assert weighted_pairwise(data, counts)[off] == pytest.approx(
        pairwise_correlations(repeated)[0][off], abs=1e-12
    )


def test_an_inconsistent_joint_matrix_still_gives_r2_within_0_and_1() -> None:
    # Pairwise-complete correlations of drivers that never share a customer can contradict each
    # other and the outcome; repaired jointly, R^2 stays a share
    r_xx = np.array([[1.0, -0.9, -0.9], [-0.9, 1.0, -0.9], [-0.9, -0.9, 1.0]])
    result = relative_weights(r_xx, np.array([0.8, 0.8, 0.8]))
    assert result.adjusted
    assert 0.0 <= result.r_squared <= 1.0
