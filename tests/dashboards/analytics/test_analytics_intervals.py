"""Intervals: oracles (statsmodels) and coverage by simulation or exact enumeration."""

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from dashboards.analytics import ValueSums, welch_test, wilson_estimate
from dashboards.analytics.intervals import (
    ClusterSums,
    claim_supported,
    cluster_variance,
    clustered_mean,
    daily_mean_change,
    nps_adjusted_wald,
    nps_change_test,
)
from dashboards.analytics.kpis import Estimate
from tests.dashboards.analytics.simulation_support import touchpoints

SIZES = (8, 30, 200)


def responses(
    rng: np.random.Generator, reps: int, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """reps x size responses with 1-4 paired items each; a response's items share its mood.

    Returns m (answers per response), S (sum of satisfaction per response) and the scores.
    """
    m = rng.integers(1, 5, (reps, size))
    mood = rng.normal(0.0, 0.9, (reps, size, 1))
    latent = 5.0 + mood + rng.normal(0.0, 0.8, (reps, size, 4))
    scores = np.clip(np.rint(latent), 1, 7)
    used = np.arange(4)[None, None, :] < m[..., None]
    return m, np.where(used, scores, 0).sum(axis=2), scores


def test_clustered_mean_equals_statsmodels_cluster_robust_ols() -> None:
    rng = np.random.default_rng(1)
    m, s, scores = responses(rng, 1, 25)
    answers = np.concatenate([scores[0, i, : m[0, i]] for i in range(25)])
    groups = np.repeat(np.arange(25), m[0])
    fit = sm.OLS(answers, np.ones(answers.size)).fit(
        cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
    )
    sums = ClusterSums.of_clusters(list(zip(m[0].tolist(), s[0].tolist(), strict=True)))
    est = clustered_mean(sums)
    assert est.value == pytest.approx(fit.params[0], rel=1e-12)
    var = cluster_variance(sums)
    assert var is not None
    assert np.sqrt(var) == pytest.approx(fit.bse[0], rel=1e-10)
    low, high = fit.conf_int()[0]
    assert est.ci == pytest.approx((low, high), rel=1e-10)
    assert est.n == 25


@pytest.mark.parametrize("size", SIZES)
def test_response_level_interval_has_its_coverage(
    size: int, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(size)
    reps = 4000
    truth_m, truth_s, _ = responses(np.random.default_rng(0), 1, 400_000)
    truth = truth_s.sum() / truth_m.sum()
    m, s, _ = responses(rng, reps, size)
    # Vectorised version of clustered_mean (checked against it below) and the naive interval
    n, total = m.sum(axis=1), s.sum(axis=1)
    r = total / n
    var = size / (size - 1) * ((s - r[:, None] * m) ** 2).sum(axis=1) / n**2
    half = stats.t.ppf(0.975, size - 1) * np.sqrt(var)
    covered = (np.abs(r - truth) <= half).mean()
    first = clustered_mean(ClusterSums.of_clusters(list(zip(m[0], s[0], strict=True))))
    assert first.ci == pytest.approx((r[0] - half[0], r[0] + half[0]), rel=1e-12)
    _, _, scores = responses(np.random.default_rng(size), reps, size)
    used = np.arange(4)[None, None, :] < m[..., None]
    sq = np.where(used, scores**2, 0).sum(axis=(1, 2))
    naive_sd = np.sqrt((sq - total**2 / n) / (n - 1))
    naive = (np.abs(r - truth) <= stats.t.ppf(0.975, n - 1) * naive_sd / np.sqrt(n)).mean()
    with capsys.disabled():
        print(
            f"\ntouchpoint satisfaction, {size} responses: response-level 95 % interval covers "
            f"{covered:.1%}; answers as units {naive:.1%}"
        )
    assert (0.935 <= covered <= 0.965) if size >= 30 else covered >= 0.92


NPS_MIXES = ((0.5, 0.2), (0.3, 0.3), (0.7, 0.1), (0.2, 0.5))


def exact_coverage(size: int, p_pro: float, p_det: float, interval: str) -> float:
    """Exact coverage by enumerating every (promoters, detractors) outcome of n answers."""
    truth = 100 * (p_pro - p_det)
    covered = 0.0
    for pro in range(size + 1):
        for det in range(size - pro + 1):
            prob = stats.multinomial.pmf(
                [pro, size - pro - det, det], size, [p_pro, 1 - p_pro - p_det, p_det]
            )
            sums = ValueSums(size, 0, 0, 0, pro, size - pro - det, det)
            est = nps_adjusted_wald(sums)
            if interval == "wald":
                from dashboards.analytics import nps_kpi

                est = nps_kpi(sums)
            if est.ci is not None and est.ci[0] <= truth <= est.ci[1]:
                covered += prob
    return covered


@pytest.mark.parametrize("size", (8, 30))
def test_nps_adjusted_wald_coverage_is_exact_and_nominal(
    size: int, capsys: pytest.CaptureFixture[str]
) -> None:
    results = {mix: exact_coverage(size, *mix, "adjusted") for mix in NPS_MIXES}
    wald = {mix: exact_coverage(size, *mix, "wald") for mix in NPS_MIXES}
    with capsys.disabled():
        print(
            f"\nNPS n={size}: adjusted Wald covers "
            + ", ".join(f"{c:.1%}" for c in results.values())
            + " (Wald: "
            + ", ".join(f"{c:.1%}" for c in wald.values())
            + f") for (p+, p-) = {list(results)}"
        )
    for coverage in results.values():
        assert (0.935 <= coverage <= 0.965) if size >= 30 else coverage >= 0.92


def test_nps_adjusted_wald_coverage_at_200_by_simulation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rng = np.random.default_rng(200)
    for p_pro, p_det in NPS_MIXES:
        draws = rng.multinomial(200, [p_pro, 1 - p_pro - p_det, p_det], 20_000)
        pro, det = draws[:, 0] + 0.75, draws[:, 2] + 0.75
        diff = (pro - det) / 203
        var = (pro + det) / 203 - diff**2
        half = 1.959963984540054 * np.sqrt(var / 203)
        covered = (np.abs(diff - (p_pro - p_det)) <= half).mean()
        check = nps_adjusted_wald(ValueSums(200, 0, 0, 0, *draws[0]))
        assert check.ci == pytest.approx((100 * (diff[0] - half[0]), 100 * (diff[0] + half[0])))
        with capsys.disabled():
            print(f"\nNPS n=200 (p+={p_pro}, p-={p_det}): adjusted Wald covers {covered:.1%}")
        assert 0.935 <= covered <= 0.965


@pytest.mark.parametrize("size", SIZES)
def test_top_two_box_wilson_coverage(size: int, capsys: pytest.CaptureFixture[str]) -> None:
    shares = (0.3, 0.5, 0.7, 0.85)
    coverage = []
    for p in shares:
        k = np.arange(size + 1)
        inside = [
            (ci := wilson_estimate(int(x), size).ci) is not None and ci[0] <= p <= ci[1] for x in k
        ]
        coverage.append(float(stats.binom.pmf(k, size, p)[inside].sum()))
    with capsys.disabled():
        print(
            f"\ntop-two-box n={size}: Wilson covers "
            + ", ".join(f"{c:.1%}" for c in coverage)
            + f" for shares {shares}"
        )
    assert min(coverage) >= 0.92


def test_nps_change_test_holds_its_level(capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(5)
    hits = 0
    reps = 4000
    for _ in range(reps):
        a, b = rng.multinomial(60, [0.4, 0.35, 0.25], 2)
        test = nps_change_test(ValueSums(60, 0, 0, 0, *a), ValueSums(60, 0, 0, 0, *b))
        hits += test.significant()
    with capsys.disabled():
        print(f"\nNPS change test, no change, n=60 each: significant in {hits / reps:.1%}")
    assert 0.03 <= hits / reps <= 0.065


def test_change_arrows_hold_their_level_when_days_differ(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given two 30-day periods of stable touchpoints with overdispersed, autocorrelated days
    rng = np.random.default_rng(9)
    data = touchpoints(rng, series=1500, days=60, volume=20, day_sd=0.25)
    arrows = welch = 0
    for row in range(data.n.shape[0]):
        n, total, sq = data.n[row], data.total[row], data.sumsq[row]
        a = list(zip(n[:30].tolist(), total[:30].tolist(), strict=True))
        b = list(zip(n[30:].tolist(), total[30:].tolist(), strict=True))
        arrows += daily_mean_change(a, b).significant()
        w = welch_test(
            n[:30].sum(),
            total[:30].sum(),
            sq[:30].sum(),
            n[30:].sum(),
            total[30:].sum(),
            sq[30:].sum(),
        )
        welch += w.significant()
    rows = data.n.shape[0]
    with capsys.disabled():
        print(
            f"\nchange arrows, no change: daily-mean test significant in {arrows / rows:.1%}, "
            f"Welch on answers in {welch / rows:.1%}"
        )
    # nominal 5 %: what remains comes from estimating the autocorrelation from 30 days
    assert arrows / rows <= 0.07


def test_change_arrows_say_not_enough_data() -> None:
    few = [(3, 15.0)] * 4
    assert not daily_mean_change(few, few).enough
    assert daily_mean_change([(10, 50.0)] * 6, [(10, 40.0)] * 6).diff == pytest.approx(-1.0)


def test_claims_need_n_and_an_interval_beyond_the_threshold() -> None:
    assert claim_supported(Estimate(-1.2, (-1.6, -0.8), 40), threshold=0.0, side="below")
    assert not claim_supported(Estimate(-1.2, (-1.6, 0.1), 40), threshold=0.0, side="below")
    assert not claim_supported(Estimate(-100.0, (-100.0, -40.0), 3), threshold=0.0, side="below")
