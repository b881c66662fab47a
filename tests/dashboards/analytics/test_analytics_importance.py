"""Derived importance and importance-performance quadrants against numpy/scipy on raw data."""

import numpy as np
import pytest
from scipy import stats

from dashboards.analytics import (
    Quadrant,
    betas_from_correlations,
    importance,
    ipa_quadrants,
    pearson,
)

TOL = 1e-9


def simulate_customers(
    rng: np.random.Generator, customers: int, weights: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Satisfaction at each touchpoint (correlated) and an NPS driven by the weights."""
    k = len(weights)
    common = rng.normal(size=(customers, 1))
    sat = 4.5 + 0.8 * common + rng.normal(size=(customers, k))
    nps = 5.0 + sat @ np.array(weights) * 0.7 + rng.normal(size=customers)
    return sat, nps


def standardised_betas(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    zx = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    zy = (y - y.mean()) / y.std(ddof=1)
    beta: np.ndarray = np.linalg.lstsq(zx, zy, rcond=None)[0]
    return beta


def test_complete_data_gives_pearson_and_least_squares_betas() -> None:
    # Given 200 customers who all answered at three touchpoints
    rng = np.random.default_rng(3)
    sat, nps = simulate_customers(rng, 200, [1.0, 0.4, 0.0])
    linked = {
        tp: [(f"c{i}", float(sat[i, j]), float(nps[i])) for i in range(200)]
        for j, tp in enumerate(["web", "hotline", "invoice"])
    }

    # When importance is derived
    result = importance(linked)

    # Then r, its Fisher interval and p-value equal scipy, and betas equal least squares
    expected_beta = standardised_betas(sat, nps)
    assert result.ridge_linked == 0.0
    for j, entry in enumerate(result.touchpoints):
        ref = stats.pearsonr(sat[:, j], nps)
        ci = ref.confidence_interval(0.95)
        assert entry.method == "linked"
        assert entry.linked == 200
        assert entry.correlation.n == 200
        assert entry.correlation.r == pytest.approx(ref.statistic, abs=TOL)
        assert entry.importance == entry.correlation.r
        assert entry.correlation.ci == pytest.approx((ci.low, ci.high), abs=TOL)
        assert entry.correlation.p_value == pytest.approx(ref.pvalue, abs=TOL)
        assert entry.beta == pytest.approx(expected_beta[j], abs=TOL)
    by_key = result.by_key()
    assert by_key["web"].beta is not None and by_key["invoice"].beta is not None
    assert by_key["web"].beta > by_key["invoice"].beta


def test_missing_visits_use_the_pairwise_correlation_matrix() -> None:
    # Given customers who each visited only some touchpoints
    rng = np.random.default_rng(8)
    n, keys = 400, ["a", "b", "c", "d"]
    sat, nps = simulate_customers(rng, n, [0.8, 0.5, 0.2, 0.0])
    visited = rng.random((n, 4)) < 0.55
    linked = {
        key: [(i, float(sat[i, j]), float(nps[i])) for i in range(n) if visited[i, j]]
        for j, key in enumerate(keys)
    }

    # When importance is derived
    result = importance(linked, min_overlap=10)

    # Then r per touchpoint uses that touchpoint's customers, and the betas solve R_xx b = r_xy
    # with each R_xx entry over the customers who visited both touchpoints
    r_xx = np.eye(4)
    r_xy = np.zeros(4)
    for j in range(4):
        seen = visited[:, j]
        r_xy[j] = stats.pearsonr(sat[seen, j], nps[seen]).statistic
        for m in range(j + 1, 4):
            both = visited[:, j] & visited[:, m]
            r_xx[j, m] = r_xx[m, j] = stats.pearsonr(sat[both, j], sat[both, m]).statistic
    expected = np.linalg.solve(r_xx, r_xy)
    assert result.ridge_linked == 0.0
    for j, entry in enumerate(result.touchpoints):
        assert entry.linked == int(visited[:, j].sum())
        assert entry.correlation.r == pytest.approx(r_xy[j], abs=TOL)
        assert entry.beta == pytest.approx(expected[j], abs=TOL)


def test_too_few_linked_customers_fall_back_to_daily_series() -> None:
    # Given one touchpoint with many linked customers and one with only a few
    rng = np.random.default_rng(21)
    sat, nps = simulate_customers(rng, 60, [1.0, 0.5])
    linked = {
        "shop": [(i, float(sat[i, 0]), float(nps[i])) for i in range(60)],
        "store": [(i, float(sat[i, 1]), float(nps[i])) for i in range(10)],
    }
    days = 60
    daily_nps: list[float | None] = list(rng.normal(20, 10, days))
    store_daily: list[float | None] = [
        5.0 + 0.02 * v + rng.normal(0, 0.3) if v is not None else None for v in daily_nps
    ]
    store_daily[5] = None
    daily_nps[9] = None
    daily: dict[str, list[float | None]] = {
        "shop": [5.0] * days,
        "store": store_daily,
        "fair": [None] * days,
    }

    # When importance is derived with a daily fallback
    result = importance(linked, daily=daily, daily_nps=daily_nps, min_linked=30)
    by_key = result.by_key()

    # Then the store uses the daily method: r over the days both series have a value
    assert by_key["shop"].method == "linked"
    assert by_key["store"].method == "daily"
    assert by_key["store"].linked == 10
    keep = [i for i in range(days) if store_daily[i] is not None and daily_nps[i] is not None]
    ref = stats.pearsonr([store_daily[i] for i in keep], [daily_nps[i] for i in keep])
    assert by_key["store"].correlation.n == days - 2
    assert by_key["store"].correlation.r == pytest.approx(ref.statistic, abs=TOL)
    # A single fallback touchpoint's standardised weight is its correlation
    assert by_key["store"].beta == pytest.approx(ref.statistic, abs=TOL)
    # and a touchpoint without any data says so instead of inventing a figure
    assert by_key["fair"].method == "none"
    assert by_key["fair"].correlation.r is None
    assert by_key["fair"].beta is None
    assert [t.key for t in result.touchpoints] == ["shop", "store", "fair"]


def test_collinear_touchpoints_get_a_ridge_instead_of_exploding_betas() -> None:
    # Given two touchpoints whose satisfaction is almost identical
    rng = np.random.default_rng(4)
    base = rng.normal(size=300)
    sat = np.column_stack([base, base + rng.normal(0, 1e-4, 300), rng.normal(size=300)])
    nps = base + 0.5 * sat[:, 2] + rng.normal(size=300)
    linked = {j: [(i, float(sat[i, j]), float(nps[i])) for i in range(300)] for j in range(3)}

    result = importance(linked, max_condition=100.0)

    assert result.ridge_linked > 0.0
    betas = [t.beta for t in result.touchpoints]
    assert all(b is not None and abs(b) < 1.0 for b in betas)
    # The two twins share the weight nearly equally
    assert betas[0] == pytest.approx(betas[1], abs=0.01)
    # and the ridge is the smallest one that reaches the condition limit
    r: np.ndarray = np.asarray(np.corrcoef(sat, rowvar=False))
    r_xy = np.array([stats.pearsonr(sat[:, j], nps).statistic for j in range(3)])
    reg = betas_from_correlations(r, r_xy, max_condition=100.0)
    eig = np.linalg.eigvalsh(r + reg.ridge * np.eye(3))
    assert eig[-1] / eig[0] == pytest.approx(100.0, rel=1e-6)
    assert reg.condition == pytest.approx(100.0, rel=1e-9)


def test_customer_nps_is_averaged_and_repeat_visits_collapse() -> None:
    # Given a customer seen twice at one touchpoint and with two NPS answers
    rows = [(f"c{i}", float(i % 5), float(i % 7)) for i in range(40)]
    rows.append(("c0", 4.0, 10.0))
    result = importance({"tp": rows}, min_linked=30)
    entry = result.touchpoints[0]
    assert entry.linked == 40
    sat = [float(i % 5) for i in range(40)]
    nps = [float(i % 7) for i in range(40)]
    sat[0], nps[0] = (0.0 + 4.0) / 2, (0.0 + 10.0) / 2
    assert entry.correlation.r == pytest.approx(stats.pearsonr(sat, nps).statistic, abs=TOL)


def test_pearson_edge_cases() -> None:
    assert pearson([1.0, 2.0], [3.0, 4.0]).r is None
    assert pearson([5.0] * 10, list(range(10))).r is None
    perfect = pearson([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0, 10.0])
    assert perfect.r == 1.0
    assert perfect.ci == (1.0, 1.0)
    assert perfect.p_value == 0.0
    three = pearson([1.0, None, 2.0, 3.0], [1.0, 5.0, 3.0, 2.0])
    assert three.n == 3
    assert three.ci is None
    assert three.r == pytest.approx(stats.pearsonr([1, 2, 3], [1, 3, 2]).statistic, abs=TOL)


def test_ipa_quadrants_split_at_the_mean_or_median() -> None:
    points = {
        "hotline": (0.6, 3.9),  # important, poor
        "shop": (0.5, 6.1),  # important, good
        "invoice": (0.1, 4.0),  # unimportant, poor
        "fair": (0.05, 6.5),  # unimportant, good
        "chatbot": (None, 5.0),
    }
    result = ipa_quadrants(points)
    assert result.importance_split == pytest.approx(np.mean([0.6, 0.5, 0.1, 0.05]), abs=TOL)
    assert result.performance_split == pytest.approx(np.mean([3.9, 6.1, 4.0, 6.5]), abs=TOL)
    quadrants = {p.key: p.quadrant for p in result.points}
    assert quadrants == {
        "hotline": Quadrant.CONCENTRATE_HERE,
        "shop": Quadrant.KEEP_UP,
        "invoice": Quadrant.LOW_PRIORITY,
        "fair": Quadrant.POSSIBLE_OVERKILL,
        "chatbot": None,
    }
    assert quadrants["hotline"] == "concentrate_here"
    # Median split: an outlier does not drag the line; a point on the line counts as high
    skewed = {"a": (0.1, 1.0), "b": (0.2, 2.0), "c": (0.3, 3.0), "d": (5.0, 100.0)}
    med = ipa_quadrants(skewed, split="median")
    assert med.importance_split == pytest.approx(0.25, abs=TOL)
    assert [p.quadrant for p in med.points] == [
        Quadrant.LOW_PRIORITY,
        Quadrant.LOW_PRIORITY,
        Quadrant.KEEP_UP,
        Quadrant.KEEP_UP,
    ]
    assert ipa_quadrants({}).points == []
    assert ipa_quadrants({"x": (None, 1.0)}).importance_split is None
    with pytest.raises(ValueError, match="split"):
        ipa_quadrants(skewed, split="mode")  # type: ignore[arg-type]


def test_touchpoints_without_shared_customers_count_as_uncorrelated() -> None:
    # Given two touchpoints whose customers never overlap
    rng = np.random.default_rng(6)
    sat, nps = simulate_customers(rng, 120, [0.9, 0.4])
    linked = {
        "first": [(i, float(sat[i, 0]), float(nps[i])) for i in range(60)],
        "second": [(i, float(sat[i, 1]), float(nps[i])) for i in range(60, 120)],
    }
    result = importance(linked, min_overlap=10)
    # Then R_xx is the identity and each beta equals its own correlation
    for entry, rows in zip(result.touchpoints, (range(60), range(60, 120)), strict=True):
        j = 0 if entry.key == "first" else 1
        idx = list(rows)
        expected = stats.pearsonr(sat[idx, j], nps[idx]).statistic
        assert entry.beta == pytest.approx(expected, abs=TOL)
    assert result.ridge_linked == 0.0
