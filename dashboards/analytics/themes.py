"""Themes from comments: discovery by TF-IDF and non-negative matrix factorisation, assignment by
keyword weights, and matching of a new discovery to the themes a consultant already edited.

Why NMF (scikit-learn): short feedback comments mix few subjects; NMF gives each theme a
non-negative weight per term, so a theme is a readable list of words with weights that a
consultant can check and explain, and with the NNDSVDa start and multiplicative updates it has
no random element at all (the same comments always give the same themes). It factorises which
terms occur in which comment (binary counts) under the generalised Kullback-Leibler divergence,
which makes it a probabilistic topic model (PLSA; Gaussier & Goutte 2005): words that customers
use together form a theme even when they phrase it differently. Over TF-IDF with the Frobenius
loss it tended to return single frequent phrasings instead. Key-phrase extractors (YAKE) score
phrases per document and would still need a clustering step to form themes.

A theme's keyword weight is prominence × exclusivity: the term's NMF weight in the theme divided
by the theme's largest weight, times the share of the term's total NMF weight that falls on this
theme. A word shared by two themes ("Lieferung" in "pünktlich" and "beschädigt") counts for
neither on its own; a word that only one theme uses counts fully. A comment belongs to a theme
when the weights of the theme's keywords it contains add up to ASSIGN_THRESHOLD or more; a
pinned keyword weighs 1.0, so a pinned word alone routes a comment to its theme.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

ASSIGN_THRESHOLD = 0.6
MAX_THEMES_PER_COMMENT = 3
KEYWORDS_PER_THEME = 12
MIN_KEYWORD_WEIGHT = 0.15
MATCH_MIN_SIMILARITY = 0.3
PINNED_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class TopicCandidate:
    """One discovered topic: its keywords (term, weight 0..1, best first) and comment count."""

    keywords: tuple[tuple[str, float], ...]
    comments: int

    def label(self, forms: Mapping[str, str]) -> str:
        """The two strongest keywords as customers wrote them, e.g. "Karton · beschädigt"."""
        words = [forms.get(term, term) for term, _ in self.keywords[:2]]
        return " · ".join(words)


def _identity(terms: list[str]) -> list[str]:
    return terms


def discover_topics(
    documents: Sequence[list[str]],
    *,
    topics: int = 12,
    seed: int = 0,
    min_comments: int = 5,
    max_df: float = 0.5,
) -> list[TopicCandidate]:
    """Topics of tokenised comments (lists of terms), largest first; [] when too few comments."""
    # Imported here: scikit-learn is slow to import and only discovery needs it.
    from sklearn.decomposition import NMF
    from sklearn.feature_extraction.text import CountVectorizer

    non_empty = [doc for doc in documents if doc]
    if len(non_empty) < max(min_comments, topics):
        return []
    vectorizer = CountVectorizer(
        analyzer=_identity, min_df=min(min_comments, len(non_empty)), max_df=max_df, binary=True
    )
    try:
        matrix = vectorizer.fit_transform(non_empty).astype(float)
    except ValueError:  # every term pruned by min_df/max_df
        return []
    vocabulary = vectorizer.get_feature_names_out()
    k = min(topics, matrix.shape[1], matrix.shape[0])
    if k < 1:
        return []
    model = NMF(
        n_components=k,
        init="nndsvda",
        beta_loss="kullback-leibler",
        solver="mu",
        random_state=seed,
        max_iter=500,
    )
    doc_weights = model.fit_transform(matrix)
    components = model.components_
    weights = keyword_weights(components)
    dominant = np.bincount(doc_weights.argmax(axis=1)[doc_weights.max(axis=1) > 0], minlength=k)
    found: list[TopicCandidate] = []
    for t in range(k):
        order = np.argsort(-weights[t], kind="stable")[:KEYWORDS_PER_THEME]
        keywords = tuple(
            (str(vocabulary[i]), round(float(weights[t, i]), 4))
            for i in order
            if weights[t, i] >= MIN_KEYWORD_WEIGHT
        )
        if keywords and dominant[t] >= min_comments:
            found.append(TopicCandidate(keywords=keywords, comments=int(dominant[t])))
    found.sort(key=lambda c: (-c.comments, c.keywords))
    return found


def keyword_weights(components: np.ndarray) -> np.ndarray:
    """Prominence × exclusivity of each term in each topic (topics × terms, values 0..1)."""
    comp = np.asarray(components, dtype=float)
    top = comp.max(axis=1, keepdims=True)
    prominence = np.divide(comp, top, out=np.zeros_like(comp), where=top > 0)
    total = comp.sum(axis=0, keepdims=True)
    exclusivity = np.divide(comp, total, out=np.zeros_like(comp), where=total > 0)
    weights: np.ndarray = prominence * exclusivity
    return weights


def theme_scores(terms: set[str], keywords: Mapping[int, Mapping[str, float]]) -> dict[int, float]:
    """Per theme id, the summed weights of its keywords that occur in the comment."""
    scores: dict[int, float] = {}
    for theme_id, weights in keywords.items():
        score = sum(weight for term, weight in weights.items() if term in terms)
        if score > 0:
            scores[theme_id] = score
    return scores


def assign_themes(
    terms: Sequence[str],
    keywords: Mapping[int, Mapping[str, float]],
    *,
    threshold: float = ASSIGN_THRESHOLD,
    limit: int = MAX_THEMES_PER_COMMENT,
) -> list[tuple[int, float]]:
    """The themes of one comment: (theme id, score) reaching the threshold, best first."""
    scores = theme_scores(set(terms), keywords)
    chosen = [(theme_id, score) for theme_id, score in scores.items() if score >= threshold]
    chosen.sort(key=lambda item: (-item[1], item[0]))
    return chosen[:limit]


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Cosine similarity of two keyword-weight maps (0 when either is empty)."""
    dot = sum(weight * b.get(term, 0.0) for term, weight in a.items())
    norm = np.sqrt(sum(w * w for w in a.values())) * np.sqrt(sum(w * w for w in b.values()))
    return float(dot / norm) if norm > 0 else 0.0


def match_topics(
    candidates: Sequence[TopicCandidate],
    existing: Mapping[int, Mapping[str, float]],
    *,
    min_similarity: float = MATCH_MIN_SIMILARITY,
) -> dict[int, int]:
    """Map candidate index → existing theme id, greedily by highest similarity, one to one.

    A re-computation keeps a theme (its id, name, pins, merges, hidden flag) whenever one new
    topic resembles its previous keywords; ties go to the lower id so the result is stable.
    """
    pairs = []
    for index, candidate in enumerate(candidates):
        weights = dict(candidate.keywords)
        for theme_id, old in existing.items():
            similarity = cosine(weights, old)
            if similarity >= min_similarity:
                pairs.append((-similarity, theme_id, index))
    pairs.sort()
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, theme_id, index in pairs:
        if index in matched or theme_id in used:
            continue
        matched[index] = theme_id
        used.add(theme_id)
    return matched
