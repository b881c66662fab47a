"""Pure theme analytics against independent scipy/statsmodels computations."""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from dashboards.analytics.masking import mask_personal_data
from dashboards.analytics.sentiment import comment_sentiment, german_sentiment
from dashboards.analytics.text import comment_terms
from dashboards.analytics.theme_impact import (
    GroupSums,
    proportion_difference,
    rank_by_contribution,
    theme_impact,
    welch_difference,
    wilson,
)
from dashboards.analytics.themes import assign_themes, discover_topics, match_topics


def _sums(sat: np.ndarray, nps: np.ndarray) -> GroupSums:
    return GroupSums(
        comments=len(sat),
        sat_n=len(sat),
        sat_sum=float(sat.sum()),
        sat_sumsq=float((sat * sat).sum()),
        nps_n=len(nps),
        promoters=int((nps >= 9).sum()),
        detractors=int((nps <= 6).sum()),
    )


def _nps_codes(nps: np.ndarray) -> np.ndarray:
    return np.where(nps >= 9, 100.0, np.where(nps <= 6, -100.0, 0.0))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_theme_impact_equals_scipy_welch_on_raw_responses(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Response means over two paired items: halves on 1..7; themed responses score lower.
    sat_with = rng.integers(1, 8, size=(40, 2)).mean(axis=1) - 0.5
    sat_without = rng.integers(2, 8, size=(300, 2)).mean(axis=1)
    nps_with = rng.integers(0, 11, 40)
    nps_without = rng.integers(3, 11, 300)
    with_theme = _sums(sat_with, nps_with)
    everything = with_theme + _sums(sat_without, nps_without)

    impact = theme_impact(7, with_theme, everything)

    sat_test = stats.ttest_ind(sat_with, sat_without, equal_var=False)
    sat_ci = sat_test.confidence_interval(0.95)
    assert impact.satisfaction_impact.value == pytest.approx(sat_with.mean() - sat_without.mean())
    assert impact.satisfaction_impact.ci == pytest.approx((sat_ci.low, sat_ci.high), rel=1e-9)
    nps_test = stats.ttest_ind(_nps_codes(nps_with), _nps_codes(nps_without), equal_var=False)
    nps_ci = nps_test.confidence_interval(0.95)
    assert impact.nps_impact.ci == pytest.approx((nps_ci.low, nps_ci.high), rel=1e-9)
    assert impact.nps_with == pytest.approx(_nps_codes(nps_with).mean())
    assert impact.share.value == pytest.approx(40 / 340)
    assert impact.satisfaction_impact.value is not None
    assert impact.contribution == pytest.approx(impact.satisfaction_impact.value * 40 / 340)


def test_share_and_trend_intervals_equal_statsmodels() -> None:
    low, high = proportion_confint(23, 310, alpha=0.05, method="wilson")
    assert wilson(23, 310).ci == pytest.approx((low, high), rel=1e-9)
    diff = proportion_difference(40, 200, 15, 220)
    ci = confint_proportions_2indep(40, 200, 15, 220, method="wald", compare="diff")
    assert diff.value == pytest.approx(40 / 200 - 15 / 220)
    assert diff.ci == pytest.approx(ci, rel=1e-9)


def test_too_few_responses_give_no_impact_and_rank_last() -> None:
    rng = np.random.default_rng(0)
    few = _sums(np.array([2.0, 3.0, 2.5]), np.array([1, 2, 3]))
    many = _sums(rng.integers(1, 8, 50).astype(float), rng.integers(0, 11, 50))
    everyone = many + few + _sums(rng.integers(3, 8, 300).astype(float), rng.integers(0, 11, 300))
    small = theme_impact(1, few, everyone)
    large = theme_impact(2, many, everyone)
    assert small.satisfaction_impact.value is None and small.contribution is None
    assert [i.theme_id for i in rank_by_contribution([small, large])] == [2, 1]


def test_welch_interval_covers_the_true_difference_on_realistic_scores() -> None:
    """Coverage of the nominal 95 % interval: small, unequal groups of discrete 1..7 scores."""
    rng = np.random.default_rng(42)
    reps, covered = 2000, 0
    probs_a = np.array([0.15, 0.2, 0.2, 0.15, 0.15, 0.1, 0.05])
    probs_b = np.array([0.02, 0.03, 0.1, 0.15, 0.25, 0.3, 0.15])
    true = (np.arange(1, 8) * probs_a).sum() - (np.arange(1, 8) * probs_b).sum()
    a = rng.choice(np.arange(1, 8), p=probs_a, size=(reps, 12)).astype(float)
    b = rng.choice(np.arange(1, 8), p=probs_b, size=(reps, 150)).astype(float)
    for i in range(reps):
        ci = welch_difference(
            12, a[i].sum(), (a[i] ** 2).sum(), 150, b[i].sum(), (b[i] ** 2).sum()
        ).ci
        assert ci is not None
        covered += ci[0] <= true <= ci[1]
    assert 0.93 <= covered / reps <= 0.97


def test_masking_covers_emails_phones_and_ibans() -> None:
    text = (
        "Schreiben Sie an max.mustermann+cx@beispiel-mail.de oder rufen Sie +49 (0)30 123456-78, "
        "0171/2345678 oder 030 12 34 56 78 an. Erstattung auf DE89 3704 0044 0532 0130 00 bzw. "
        "at611904300234573201. Bestellt am 12.03.2024 (2024-03-12), 3 Teile, 20 Minuten gewartet."
    )
    masked = mask_personal_data(text)
    for secret in ("mustermann", "123456", "2345678", "12 34 56", "3704", "1904300234573201"):
        assert secret not in masked
    assert masked.count("[Telefon]") == 3
    assert masked.count("[IBAN]") == 2
    assert masked.count("[E-Mail]") == 1
    for kept in ("12.03.2024", "2024-03-12", "20 Minuten", "3 Teile"):
        assert kept in masked


def test_sentiment_handles_negation_in_both_languages() -> None:
    assert german_sentiment("Die Beratung war gut.") > 0.3
    assert german_sentiment("Die Beratung war nicht gut.") < 0
    assert german_sentiment("Das hat leider nicht geklappt.") < 0
    assert german_sentiment("Nicht schlecht.") > 0
    assert german_sentiment("Freundlich, aber die Wartezeit war eine Katastrophe.") < 0
    assert comment_sentiment("The staff was helpful.", "en") > 0.3
    assert comment_sentiment("The staff was not helpful.", "en") < 0


def test_terms_are_lemmas_without_stop_or_evaluative_words() -> None:
    assert comment_terms("Die Pakete kamen leider beschädigt an, super!", "de") == [
        "paket",
        "beschädigen",
    ]
    assert comment_terms("The parcels arrived damaged", "en") == ["parcel", "arrive", "damage"]


def _corpus() -> list[list[str]]:
    rng = np.random.default_rng(3)
    groups = [
        ["wartezeit", "warteschleife", "telefon", "minute"],
        ["rechnung", "betrag", "fehlerhaft", "gutschrift"],
        ["paket", "beschädigen", "karton", "zerdrückt"],
    ]
    docs = []
    for i in range(300):
        words = groups[i % 3]
        docs.append(list(rng.choice(words, size=3, replace=False)))
    return docs


def test_discovery_is_deterministic_and_finds_the_groups() -> None:
    first = discover_topics(_corpus(), topics=3, min_comments=5)
    second = discover_topics(_corpus(), topics=3, min_comments=5)
    assert first == second
    tops = sorted(topic.keywords[0][0] for topic in first)
    groups = ({"wartezeit", "warteschleife", "telefon", "minute"},
              {"rechnung", "betrag", "fehlerhaft", "gutschrift"},
              {"paket", "beschädigen", "karton", "zerdrückt"})  # fmt: skip
    for topic in first:
        assert any({term for term, _ in topic.keywords} <= group for group in groups)
    assert len(set(tops)) == 3


def test_pinned_keyword_alone_routes_and_match_keeps_ids() -> None:
    keywords = {1: {"wartezeit": 1.0, "telefon": 0.3}, 2: {"rechnung": 1.0}}
    assert assign_themes(["telefon"], keywords) == []
    pinned = {1: {**keywords[1], "warteschleife": 1.0}, 2: keywords[2]}
    assert assign_themes(["warteschleife"], pinned) == [(1, 1.0)]
    topics = discover_topics(_corpus(), topics=3, min_comments=5)
    existing = {10 + i: dict(topic.keywords) for i, topic in enumerate(topics)}
    assert match_topics(topics, existing) == {0: 10, 1: 11, 2: 12}
