"""Comment text to terms: tokens, lemmas (simplemma, offline, data inside the package), stop words.

A term is a lower-case lemma of at least three letters that is not a stop word. German and
English lemmas come from simplemma's dictionaries for the comment's language; English stop words
are scikit-learn's list, German ones data/stopwords_de.txt (function words and the verbs that carry
no topic in feedback: sein, haben, werden, machen, ...); data/evaluative.txt removes words of
praise and complaint in both languages (sentiment is measured on its own).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from simplemma import lemmatize, simple_tokenizer

LANGUAGES = ("de", "en")
MIN_TERM_LENGTH = 3
_WORD = re.compile(r"^[^\W\d_]+(?:-[^\W\d_]+)*$")

DATA = Path(__file__).with_name("data")


def _word_list(name: str) -> frozenset[str]:
    """Whitespace-separated words of a file in data/, lines starting with # left out."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return frozenset(word for line in lines if not line.startswith("#") for word in line.split())


GERMAN_STOP_WORDS = _word_list("stopwords_de.txt")
EVALUATIVE = _word_list("evaluative.txt")


@cache
def stop_words(language: str) -> frozenset[str]:
    """The stop words of a language; scikit-learn is imported only for English (it is slow to
    import, and a German comment on the answer's path should not wait for it)."""
    if language == "en":
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        return frozenset(ENGLISH_STOP_WORDS) | EVALUATIVE
    return GERMAN_STOP_WORDS | EVALUATIVE


def language_of(language: str) -> str:
    """The comment's language if we have its dictionaries, else German (most comments)."""
    return language if language in LANGUAGES else "de"


def tokens(text: str) -> list[str]:
    """Word tokens of a text (simplemma's tokenizer), punctuation and numbers dropped."""
    return [token for token in simple_tokenizer(text) if _WORD.match(token)]


def lemma(token: str, language: str) -> str:
    """The lower-case lemma of one token in the given language."""
    return str(lemmatize(token, lang=language_of(language))).lower()


def comment_terms(text: str, language: str) -> list[str]:
    """The topic-bearing terms of a comment, in order, repeats kept."""
    lang = language_of(language)
    stop = stop_words(lang)
    terms: list[str] = []
    for token in tokens(text):
        lower = token.lower()
        if lower in stop:
            continue
        term = lemma(token, lang)
        if len(term) >= MIN_TERM_LENGTH and term not in stop:
            terms.append(term)
    return terms


def surface_forms(texts: Iterable[tuple[str, str]]) -> dict[str, str]:
    """For each term, the word form customers wrote most often (to label themes readably)."""
    counts: dict[str, dict[str, float]] = {}
    for text, language in texts:
        lang = language_of(language)
        for position, token in enumerate(tokens(text)):
            forms = counts.setdefault(lemma(token, lang), {})
            # A capital at the start of a sentence says nothing about how the word is written.
            forms[token] = forms.get(token, 0) + (0.3 if position == 0 else 1.0)
    return {
        term: min(forms.items(), key=lambda item: (-item[1], item[0]))[0]
        for term, forms in counts.items()
    }
