"""Lagged cross-correlation equals statsmodels' ccf; the correlation matrix equals scipy."""

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.tsa.stattools import ccf

from dashboards.analytics import correlation_matrix, lagged_correlation

TOL = 1e-9


def planted_lag(rng: np.random.Generator, days: int, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Campaign volume x, and a satisfaction y that drops `lag` days after volume peaks."""
    x = rng.poisson(30, size=days + lag).astype(float)
    y = 5.5 - 0.03 * x[:days] + rng.normal(0, 0.15, days)
    return x[lag:], y  # x_t drives y_{t+lag}


def test_r_equals_statsmodels_ccf_with_y_first() -> None:
    # Given two daily series where x leads y by 7 days
    rng = np.random.default_rng(2)
    x, y = planted_lag(rng, 120, 7)

    # When the lagged correlation is computed
    res = lagged_correlation(list(x), list(y), max_lag=14)

    # Then r[k] = corr(x_t, y_{t+k}) equals statsmodels' ccf(y, x, adjusted=False)[k]
    expected = ccf(y, x, adjusted=False)[:15]
    assert res.lags == list(range(15))
    assert np.array(res.r, dtype=float) == pytest.approx(expected, abs=TOL)
    # and, checked directly against the definition at lag 7
    dx, dy = x - x.mean(), y - y.mean()
    direct = float(dx[:-7] @ dy[7:]) / (x.size * x.std() * y.std())
    assert res.r[7] == pytest.approx(direct, abs=TOL)
    # The strongest lag is the planted one, negative and outside the band
    assert res.best_lag == 7
    assert res.best_r is not None
    assert res.best_r < -0.5
    assert res.band == pytest.approx(1.96 / math.sqrt(120), abs=TOL)
    assert res.significant
    assert res.n == 120
    assert res.interpolated == 0


def test_sign_option_picks_the_largest_positive_or_negative_r() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=100)
    y = np.zeros(100)
    y[3:] += x[:-3]
    y[8:] -= 0.6 * x[:-8]
    y += rng.normal(0, 0.2, 100)
    assert lagged_correlation(x.tolist(), y.tolist(), sign="positive").best_lag == 3
    negative = lagged_correlation(x.tolist(), y.tolist(), sign="negative")
    assert negative.best_lag == 8
    assert negative.best_r is not None and negative.best_r < 0


def test_missing_days_are_trimmed_at_the_ends_and_interpolated_inside() -> None:
    # Given series with gaps at the start, inside and at the end
    rng = np.random.default_rng(5)
    x = rng.normal(size=50)
    y = rng.normal(size=50)
    xs: list[float | None] = list(x)
    ys: list[float | None] = list(y)
    xs[0] = xs[1] = None
    ys[49] = None
    xs[10] = None
    ys[20] = ys[21] = None

    res = lagged_correlation(xs, ys, max_lag=5)

    # Then the result equals statsmodels' ccf on the trimmed, linearly interpolated series
    xt, yt = x[2:49].copy(), y[2:49].copy()
    xt[10 - 2] = (x[9] + x[11]) / 2
    yt[20 - 2] = y[19] + (y[22] - y[19]) / 3
    yt[21 - 2] = y[19] + 2 * (y[22] - y[19]) / 3
    assert res.n == 47
    assert res.interpolated == 3
    assert np.array(res.r, dtype=float) == pytest.approx(ccf(yt, xt, adjusted=False)[:6], abs=TOL)


def test_constant_or_short_series_give_none_not_nan() -> None:
    flat = lagged_correlation([4.0] * 30, list(range(30)), max_lag=3)
    assert flat.r == [None, None, None, None]
    assert flat.best_lag is None
    assert not flat.significant
    short = lagged_correlation([1.0, 2.0], [2.0, 1.0], max_lag=3)
    assert short.r == [None] * 4
    assert short.band is None
    # Lags beyond the data are None, the others defined
    tiny = lagged_correlation([1.0, 3.0, 2.0, 5.0], [2.0, 1.0, 4.0, 3.0], max_lag=5)
    assert tiny.r[:3] == pytest.approx(
        ccf(np.array([2.0, 1.0, 4.0, 3.0]), np.array([1.0, 3.0, 2.0, 5.0]), adjusted=False)[:3],
        abs=TOL,
    )
    assert tiny.r[3:] == [None, None, None]
    empty = lagged_correlation([None] * 10, [1.0] * 10)
    assert empty.n == 0
    assert all(v is None for v in empty.r)
    with pytest.raises(ValueError, match="length"):
        lagged_correlation([1.0], [1.0, 2.0])


def test_correlation_matrix_is_pairwise_complete_pearson() -> None:
    rng = np.random.default_rng(13)
    a = rng.normal(size=40)
    b = a + rng.normal(size=40)
    c = rng.normal(size=40)
    series: dict[str, list[float | None]] = {
        "a": list(a),
        "b": [None if i % 5 == 0 else float(v) for i, v in enumerate(b)],
        "c": list(c),
        "flat": [3.0] * 40,
    }
    m = correlation_matrix(series)
    assert m.keys == ["a", "b", "c", "flat"]
    keep = [i for i in range(40) if i % 5]
    assert m.get("a", "b") == pytest.approx(stats.pearsonr(a[keep], b[keep]).statistic, abs=TOL)
    assert m.get("b", "a") == m.get("a", "b")
    assert m.get("a", "c") == pytest.approx(stats.pearsonr(a, c).statistic, abs=TOL)
    assert m.get("b", "c") == pytest.approx(stats.pearsonr(b[keep], c[keep]).statistic, abs=TOL)
    assert m.n[0][1] == 32
    assert m.n[0][2] == 40
    assert m.get("a", "a") == 1.0
    assert m.get("flat", "flat") is None
    assert m.get("a", "flat") is None
