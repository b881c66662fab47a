"""KPIs from daily sums equal numpy/scipy/statsmodels computed on the raw answers."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from dashboards.analytics import (
    SMALL_N,
    Estimate,
    PairedSums,
    ValueSums,
    change_significance,
    nps_change,
    nps_kpi,
    paired_kpis,
    value_mean,
    value_top2,
    volume_change,
)

TOL = 1e-9
SCALE_MAX = 7


def paired_day_sums(e: np.ndarray, s: np.ndarray, *, scale_max: int = SCALE_MAX) -> PairedSums:
    """Sums of one day as the aggregation stores them (an independent numpy computation)."""
    g = s - e
    return PairedSums(
        n=int(e.size),
        sum_e=int(e.sum()),
        sum_s=int(s.sum()),
        sumsq_e=int((e * e).sum()),
        sumsq_s=int((s * s).sum()),
        sum_es=int((e * s).sum()),
        sum_gap=int(g.sum()),
        sumsq_gap=int((g * g).sum()),
        top2_e=int((e >= scale_max - 1).sum()),
        top2_s=int((s >= scale_max - 1).sum()),
    )


def value_day_sums(v: np.ndarray, *, scale_max: int = 10) -> ValueSums:
    return ValueSums(
        n=int(v.size),
        sum_v=int(v.sum()),
        sumsq_v=int((v * v).sum()),
        top2_v=int((v >= scale_max - 1).sum()),
        promoters=int((v >= 9).sum()),
        passives=int(((v >= 7) & (v <= 8)).sum()),
        detractors=int((v <= 6).sum()),
    )


def raw_paired(rng: np.random.Generator, days: int, per_day: int) -> list[tuple[np.ndarray, ...]]:
    out: list[tuple[np.ndarray, ...]] = []
    for _ in range(days):
        n = int(rng.poisson(per_day))
        e = rng.integers(1, 8, size=n)
        s = np.clip(e + rng.integers(-3, 3, size=n), 1, 7)
        out.append((e, s))
    return out


def t_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    lo, hi = stats.t.interval(level, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    return float(lo), float(hi)


def assert_ci(ci: tuple[float, float] | None, expected: tuple[float, float]) -> None:
    assert ci is not None
    assert ci[0] == pytest.approx(expected[0], abs=TOL)
    assert ci[1] == pytest.approx(expected[1], abs=TOL)


@pytest.mark.parametrize(("seed", "days", "per_day", "level"), [(1, 30, 8, 0.95), (2, 5, 3, 0.9)])
def test_paired_kpis_match_scipy_on_raw_answers(
    seed: int, days: int, per_day: int, level: float
) -> None:
    # Given raw answers over several days, stored as daily sums
    rng = np.random.default_rng(seed)
    raw = raw_paired(rng, days, per_day)
    period = PairedSums.sum_of(paired_day_sums(e, s) for e, s in raw)
    e = np.concatenate([r[0] for r in raw])
    s = np.concatenate([r[1] for r in raw])

    # When the KPIs come from the summed days
    kpis = paired_kpis(period, level=level)

    # Then every figure equals scipy/statsmodels on the raw answers
    assert kpis.n == e.size
    for est, x in ((kpis.expectation, e), (kpis.satisfaction, s), (kpis.gap, s - e)):
        assert est.n == x.size
        assert est.value == pytest.approx(x.mean(), abs=TOL)
        assert est.sd == pytest.approx(x.std(ddof=1), abs=TOL)
        assert_ci(est.ci, t_interval(x, level))
    # The gap interval is the paired-difference interval, consistent with ttest_rel
    ci = stats.ttest_rel(s, e).confidence_interval(level)
    assert_ci(kpis.gap.ci, (ci.low, ci.high))
    for est, x in ((kpis.top2_satisfaction, s), (kpis.top2_expectation, e)):
        count = int((x >= 6).sum())
        assert est.value == pytest.approx(count / x.size, abs=TOL)
        lo, hi = proportion_confint(count, x.size, alpha=1 - level, method="wilson")
        assert_ci(est.ci, (lo, hi))
    assert kpis.small_n is (e.size < SMALL_N)


def test_nps_matches_direct_computation_on_raw_classes() -> None:
    # Given raw 0-10 answers over many days
    rng = np.random.default_rng(7)
    days = [rng.integers(0, 11, size=int(rng.poisson(6))) for _ in range(40)]
    period = ValueSums.sum_of(value_day_sums(v) for v in days)
    v = np.concatenate(days)

    # When NPS and the value mean come from the sums
    nps = nps_kpi(period)
    mean = value_mean(period)

    # Then they equal the direct computation on the raw classes
    score = np.where(v >= 9, 1.0, np.where(v <= 6, -1.0, 0.0))
    p_pro, p_det = (v >= 9).mean(), (v <= 6).mean()
    expected = 100 * (p_pro - p_det)
    var = score.var(ddof=0)  # = p+ + p- - (p+ - p-)^2
    assert var == pytest.approx(p_pro + p_det - (p_pro - p_det) ** 2, abs=TOL)
    half = stats.norm.ppf(0.975) * 100 * math.sqrt(var / v.size)
    assert nps.value == pytest.approx(expected, abs=TOL)
    assert nps.n == v.size
    assert_ci(nps.ci, (expected - half, expected + half))
    assert mean.value == pytest.approx(v.mean(), abs=TOL)
    assert_ci(mean.ci, t_interval(v.astype(float)))
    top2 = value_top2(period)
    lo, hi = proportion_confint(int((v >= 9).sum()), v.size, method="wilson")
    assert_ci(top2.ci, (lo, hi))


def test_nps_interval_is_clipped_to_the_scale() -> None:
    # Given mostly promoters in a small sample, the raw interval would pass 100
    sums = ValueSums.from_values([10, 10, 10, 10, 9, 5])
    est = nps_kpi(sums)
    assert est.value == pytest.approx(100 * (5 - 1) / 6, abs=TOL)
    assert est.ci is not None
    assert est.ci[1] == 100.0
    assert est.value is not None
    assert -100.0 <= est.ci[0] < est.value


@pytest.mark.parametrize("n", [0, 1])
def test_empty_and_single_answer_give_none_not_errors(n: int) -> None:
    pairs = [(4, 6)][:n]
    kpis = paired_kpis(PairedSums.from_pairs(pairs))
    nps = nps_kpi(ValueSums.from_values([10][:n]))
    mean = value_mean(ValueSums.from_values([8][:n], nps=False))
    for est in (kpis.expectation, kpis.satisfaction, kpis.gap, nps, mean):
        assert est.ci is None
        assert est.sd is None
        assert est.n == n
    if n == 0:
        assert kpis.satisfaction == Estimate(None, None, 0)
        assert nps.value is None
        assert kpis.top2_satisfaction.value is None
    else:
        assert (kpis.expectation.value, kpis.satisfaction.value, kpis.gap.value) == (4.0, 6.0, 2.0)
        assert nps.value == 100.0
        assert mean.value == 8.0
    assert kpis.small_n


def test_constant_answers_and_all_promoters_give_zero_width_not_nan() -> None:
    kpis = paired_kpis(PairedSums.from_pairs([(5, 7)] * 40))
    assert kpis.satisfaction.sd == 0.0
    assert kpis.satisfaction.ci == (7.0, 7.0)
    assert kpis.gap.ci == (2.0, 2.0)
    assert kpis.top2_satisfaction.value == 1.0
    lo, hi = proportion_confint(40, 40, method="wilson")
    assert_ci(kpis.top2_satisfaction.ci, (lo, hi))
    assert not kpis.small_n
    nps = nps_kpi(ValueSums.from_values([9, 10] * 20))
    assert (nps.value, nps.ci, nps.sd) == (100.0, (100.0, 100.0), 0.0)


def test_variance_from_float_sums_never_goes_negative() -> None:
    # Constant data whose sums are floats: n*sumsq - sum^2 may round below zero
    value = 0.1
    n = 3
    est = paired_kpis(
        PairedSums(n=n, sum_s=value * n, sumsq_s=value * value * n)  # type: ignore[arg-type]
    ).satisfaction
    assert est.sd is not None
    assert est.sd >= 0.0
    assert est.sd < 1e-7
    assert est.ci is not None
    assert not any(math.isnan(x) for x in est.ci)


def test_level_outside_zero_one_is_rejected() -> None:
    with pytest.raises(ValueError, match="level"):
        paired_kpis(PairedSums.from_pairs([(1, 2), (2, 3)]), level=1.0)


@given(
    answers=st.lists(
        st.tuples(st.integers(1, 7), st.integers(1, 7), st.integers(0, 10)), max_size=60
    ),
    cuts=st.lists(st.integers(0, 60), max_size=8),
)
@settings(max_examples=60, deadline=None)
def test_summing_days_in_any_grouping_equals_the_whole(
    answers: list[tuple[int, int, int]], cuts: list[int]
) -> None:
    # Given the answers split into arbitrary "days" at the cut points
    bounds = sorted({0, len(answers), *(c for c in cuts if c <= len(answers))})
    chunks = [answers[a:b] for a, b in itertools.pairwise(bounds)]
    paired = [PairedSums.from_pairs([(e, s) for e, s, _ in c]) for c in chunks]
    values = [ValueSums.from_values([v for _, _, v in c]) for c in chunks]
    whole_p = PairedSums.from_pairs([(e, s) for e, s, _ in answers])
    whole_v = ValueSums.from_values([v for _, _, v in answers])

    # Then the sum of days, in any order and grouping, is the whole period
    assert PairedSums.sum_of(paired) == whole_p
    assert PairedSums.sum_of(reversed(paired)) == whole_p
    assert sum(paired, PairedSums.zero()) == whole_p
    assert ValueSums.sum_of(values) == whole_v
    half = len(paired) // 2
    assert PairedSums.sum_of(paired[:half]) + PairedSums.sum_of(paired[half:]) == whole_p
    # and so are the KPIs
    assert paired_kpis(PairedSums.sum_of(paired)) == paired_kpis(whole_p)
    assert nps_kpi(ValueSums.sum_of(values)) == nps_kpi(whole_v)


def test_sums_reject_mixing_types_and_zero_is_neutral() -> None:
    p = PairedSums.from_pairs([(3, 4)])
    assert p + PairedSums.zero() == p
    assert ValueSums.zero() == ValueSums()
    assert PairedSums.sum_of([]) == PairedSums.zero()
    with pytest.raises(TypeError):
        _ = p + ValueSums()


def test_change_significance_matches_welch_and_proportion_tests() -> None:
    # Given a previous and a current period of raw answers
    rng = np.random.default_rng(11)
    prev = raw_paired(rng, 14, 10)
    rng_cur = np.random.default_rng(12)
    cur = [(e, np.clip(s - 2, 1, 7)) for e, s in raw_paired(rng_cur, 7, 10)]
    a = PairedSums.sum_of(paired_day_sums(e, s) for e, s in prev)
    b = PairedSums.sum_of(paired_day_sums(e, s) for e, s in cur)
    ea, sa = np.concatenate([p[0] for p in prev]), np.concatenate([p[1] for p in prev])
    eb, sb = np.concatenate([p[0] for p in cur]), np.concatenate([p[1] for p in cur])

    for alternative in ("two-sided", "less", "greater"):
        # When the change b - a is tested
        change = change_significance(a, b, alternative=alternative)
        # Then it equals scipy's Welch test on the raw answers
        for comp, xa, xb in (
            (change.satisfaction, sa, sb),
            (change.gap, sa - ea, sb - eb),
            (change.expectation, ea, eb),
        ):
            ref = stats.ttest_ind(xb, xa, equal_var=False, alternative=alternative)
            assert comp.diff == pytest.approx(xb.mean() - xa.mean(), abs=TOL)
            assert comp.statistic == pytest.approx(ref.statistic, abs=TOL)
            assert comp.p_value == pytest.approx(ref.pvalue, abs=TOL)
            assert comp.df == pytest.approx(ref.df, abs=TOL)
        # and the two-proportion z-test of statsmodels for top-two-box
        sm_alt = {"two-sided": "two-sided", "less": "smaller", "greater": "larger"}[alternative]
        z, p = proportions_ztest(
            [int((sb >= 6).sum()), int((sa >= 6).sum())], [sb.size, sa.size], alternative=sm_alt
        )
        assert change.top2_satisfaction.statistic == pytest.approx(z, abs=TOL)
        assert change.top2_satisfaction.p_value == pytest.approx(p, abs=TOL)
    drop = change_significance(a, b, alternative="less")
    assert drop.satisfaction.diff is not None
    assert drop.satisfaction.diff < 0
    assert drop.satisfaction.significant()


def test_change_significance_edge_cases() -> None:
    one = PairedSums.from_pairs([(4, 5)])
    many = PairedSums.from_pairs([(4, 5), (5, 6), (3, 3)])
    assert change_significance(PairedSums(), many).satisfaction.diff is None
    small = change_significance(one, many).satisfaction
    assert small.p_value is None
    assert small.diff == pytest.approx(14 / 3 - 5, abs=TOL)
    # Both constant but different: certain change; both constant and equal: none
    lo = PairedSums.from_pairs([(4, 4)] * 5)
    hi = PairedSums.from_pairs([(4, 6)] * 5)
    assert change_significance(lo, hi).satisfaction.p_value == 0.0
    assert change_significance(lo, hi, alternative="less").satisfaction.p_value == 1.0
    assert change_significance(lo, lo).satisfaction.p_value == 1.0


def test_nps_change_uses_the_unpooled_nps_variance() -> None:
    rng = np.random.default_rng(5)
    va = rng.integers(0, 11, size=120)
    vb = np.clip(rng.integers(0, 11, size=90) - 2, 0, 10)
    comp = nps_change(value_day_sums(va), value_day_sums(vb), alternative="less")

    def score(v: np.ndarray) -> np.ndarray:
        return np.where(v >= 9, 100.0, np.where(v <= 6, -100.0, 0.0))

    sa, sb = score(va), score(vb)
    diff = sb.mean() - sa.mean()
    z = diff / math.sqrt(sa.var() / sa.size + sb.var() / sb.size)
    assert comp.diff == pytest.approx(diff, abs=TOL)
    assert comp.statistic == pytest.approx(z, abs=TOL)
    assert comp.p_value == pytest.approx(stats.norm.cdf(z), abs=TOL)
    assert nps_change(ValueSums(), value_day_sums(vb)).p_value is None


def test_volume_change_is_an_exact_poisson_rate_test() -> None:
    comp = volume_change(140, 30, days_a=14, days_b=7, alternative="less")
    assert comp.diff == pytest.approx(30 / 7 - 10, abs=TOL)
    ref = stats.binomtest(30, 170, 7 / 21, alternative="less").pvalue
    assert comp.p_value == pytest.approx(ref, abs=TOL)
    assert comp.significant()
    assert volume_change(0, 0).p_value == 1.0
