"""Sentiment of a comment, offline and explainable: a lexicon of word valences with rules.

English: VADER (vaderSentiment; its lexicon ships in the package; negation, boosters, "but" and
punctuation rules by Hutto & Gilbert 2014). German: the same scale and the same rules applied
here to the lexicon in data/sentiment_de.tsv (words customers use in feedback), with German
negators (nicht, kein, nie, ...) that may stand before the word or, as German puts them, right
after the verb ("das klappt nicht"). Both give VADER's compound score in -1..1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from simplemma import simple_tokenizer
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from .text import lemma

LEXICON_PATH = Path(__file__).with_name("data") / "sentiment_de.tsv"
NEGATION_SCALAR = -0.74  # VADER's factor for a negated word
BOOSTER_INCREMENT = 0.293  # VADER's increment for an intensifier ("sehr gut")
ALPHA = 15.0  # VADER's normalisation: compound = s / sqrt(s² + alpha)
NEGATE_BEFORE = 3
NEGATE_AFTER = 2
STRONG = 0.5
"""|compound| at or above this is a clear sentiment (used to flag a clash with the score)."""

NEGATORS = frozenset(
    "nicht kein keine keinen keinem keiner keines nie niemals nichts niemand weder ohne".split()  # noqa: SIM905
)
BOOSTERS = frozenset(
    "sehr total extrem äußerst absolut völlig wirklich besonders super richtig echt viel so".split()  # noqa: SIM905
)
DAMPENERS = frozenset(["etwas", "bisschen", "relativ", "ziemlich", "eher", "kaum"])
CONTRASTS = frozenset(["aber", "jedoch", "allerdings", "trotzdem", "doch"])
CLAUSE_BREAKS = frozenset(".,;:!?")


@cache
def german_lexicon() -> dict[str, float]:
    """term → valence (-4..4) from the lexicon file; multi-word entries keep their space."""
    lexicon: dict[str, float] = {}
    for line in LEXICON_PATH.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, valence = line.rsplit("\t", 1)
        lexicon[term.strip()] = float(valence)
    return lexicon


@cache
def _english() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def normalise(total: float) -> float:
    """VADER's compound: a sum of valences squashed into -1..1."""
    return total / math.sqrt(total * total + ALPHA) if total else 0.0


def _valence(tokens: list[str], i: int, lexicon: dict[str, float]) -> float:
    word = tokens[i]
    pair = f"{tokens[i - 1]} {word}" if i else ""
    if pair in lexicon:
        return 0.0  # counted as a two-word entry at the previous token
    following = f"{word} {tokens[i + 1]}" if i + 1 < len(tokens) else ""
    if following in lexicon:
        return lexicon[following]
    if word in lexicon:
        return lexicon[word]
    return lexicon.get(lemma(word, "de"), 0.0)


def _negated(tokens: list[str], i: int) -> bool:
    for j in range(i - 1, max(-1, i - 1 - NEGATE_BEFORE), -1):
        if tokens[j] in CLAUSE_BREAKS:
            break
        if tokens[j] in NEGATORS:
            return True
    for j in range(i + 1, min(len(tokens), i + 1 + NEGATE_AFTER)):
        if tokens[j] in CLAUSE_BREAKS or tokens[j] in CONTRASTS:
            break
        if tokens[j] in ("nicht", "nie", "niemals"):
            return True
    return False


def german_sentiment(text: str) -> float:
    """Compound sentiment (-1..1) of a German text."""
    lexicon = german_lexicon()
    tokens = [token.lower() for token in simple_tokenizer(text)]
    contrast = next((i for i, token in enumerate(tokens) if token in CONTRASTS), None)
    total = 0.0
    for i, token in enumerate(tokens):
        if token in NEGATORS or token in BOOSTERS or token in CLAUSE_BREAKS:
            continue
        valence = _valence(tokens, i, lexicon)
        if not valence:
            continue
        if i and tokens[i - 1] in BOOSTERS:
            valence += math.copysign(BOOSTER_INCREMENT, valence)
        elif i and tokens[i - 1] in DAMPENERS:
            valence -= math.copysign(BOOSTER_INCREMENT, valence)
        if _negated(tokens, i):
            valence *= NEGATION_SCALAR
        if contrast is not None:
            # As VADER does with "but": what follows the contrast weighs more.
            valence *= 0.5 if i < contrast else 1.5
        total += valence
    if text.rstrip().endswith("!"):
        total += math.copysign(min(text.count("!"), 4) * 0.292, total) if total else 0.0
    return round(normalise(total), 4)


def comment_sentiment(text: str, language: str) -> float:
    """Compound sentiment (-1..1) of a comment in its language (German unless "en")."""
    if language == "en":
        return round(float(_english().polarity_scores(text)["compound"]), 4)
    return german_sentiment(text)


def clashes_with_score(
    *,
    sentiment: float,
    satisfaction: float | None,
    nps: int | None,
    scale: tuple[int, int] = (1, 7),
) -> bool:
    """True when the words and the score disagree strongly: a promoter or a top satisfaction
    with a clearly negative comment, or a detractor/bottom satisfaction with a glowing one."""
    low, high = scale
    top = (nps is not None and nps >= 9) or (satisfaction is not None and satisfaction >= high - 1)
    bottom = (nps is not None and nps <= 4) or (
        satisfaction is not None and satisfaction <= low + 1
    )
    return (top and sentiment <= -STRONG) or (bottom and sentiment >= STRONG)


def sentiment_class(value: float) -> int:
    """-1, 0 or 1: VADER's conventional bands (compound ≤ -0.05, within ±0.05, ≥ 0.05)."""
    return -1 if value <= -0.05 else (1 if value >= 0.05 else 0)


def score_class(satisfaction: float, scale: tuple[int, int] = (1, 7)) -> int:
    """-1, 0 or 1: below, at or above the middle of the scale (4 on 1..7)."""
    middle = (scale[0] + scale[1]) / 2
    return -1 if satisfaction < middle - 0.5 else (1 if satisfaction > middle + 0.5 else 0)


@dataclass(frozen=True, slots=True)
class Agreement:
    """How a comment's sentiment agrees with the satisfaction the customer gave.

    spearman: rank correlation (Spearman's rho) of sentiment and satisfaction; same_class: share
    of comments whose sentiment class (-1/0/1) equals the score's class; same_polarity: among
    comments where both are non-neutral, the share with the same sign.
    """

    n: int
    spearman: float | None
    same_class: float | None
    same_polarity: float | None


def agreement(pairs: Sequence[tuple[float, float]], scale: tuple[int, int] = (1, 7)) -> Agreement:
    """Agreement of (sentiment, satisfaction) pairs; None where there are too few."""
    n = len(pairs)
    if n < 3:
        return Agreement(n, None, None, None)
    from scipy import stats  # slow to import; only this report needs it

    sentiments = np.array([p[0] for p in pairs], dtype=float)
    scores = np.array([p[1] for p in pairs], dtype=float)
    rho = stats.spearmanr(sentiments, scores).statistic
    s_class = np.array([sentiment_class(v) for v in sentiments])
    c_class = np.array([score_class(v, scale) for v in scores])
    polar = (s_class != 0) & (c_class != 0)
    return Agreement(
        n=n,
        spearman=None if np.isnan(rho) else float(rho),
        same_class=float(np.mean(s_class == c_class)),
        same_polarity=float(np.mean(s_class[polar] == c_class[polar])) if polar.any() else None,
    )
