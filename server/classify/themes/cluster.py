"""The clustering: plain functions of vectors and texts (no database), and the constants that
tune them."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

SEED = 0
DIMENSIONS = 10  # principal components HDBSCAN clusters in (densities are meaningless in 384-d)
SAMPLE = 20_000  # comments HDBSCAN sees at most (its time grows faster than linearly)
MIN_COMMENTS = 10  # fewer unclaimed comments than this: no themes
MIN_THEME = 5  # the smallest theme, in comments ...
MIN_THEME_SHARE = 0.005  # ... or this share of the unclaimed comments, whichever is larger
MIN_SAMPLES = 3  # HDBSCAN's density estimate: neighbours a core comment needs
MERGE_DISTANCE = 0.3  # themes whose centres are closer than this cosine distance merge (average linkage)
JOIN_SIMILARITY = 0.5  # cosine to a theme's centre for a comment to be in the theme
KEEP_OVERLAP = 0.3  # Jaccard of members to keep a previous theme's identity ...
KEEP_SIMILARITY = 0.9  # ... or cosine of centres when the members changed too much
QUOTES = 3
QUOTE_DISTINCT = 0.9  # two quotes of a theme more alike than this (cosine) say the same thing
TERMS = 8
_TOKEN = r"(?u)\b[^\W\d_][^\W\d_']+(?:'[^\W\d_]+)?\b"  # words of 2+ letters; no numbers
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


# --- the clustering: plain functions of vectors and texts ------------------------------------------


def _sample_order(ids: Sequence[int]) -> np.ndarray:
    """Indexes of ``ids`` ordered by a hash of the id: a fixed, run-independent random order."""
    keys = [hashlib.blake2b(str(i).encode(), digest_size=8).digest() for i in ids]
    return np.array(sorted(range(len(ids)), key=keys.__getitem__), dtype=np.int64)


def min_theme_size(n: int) -> int:
    return max(MIN_THEME, round(n * MIN_THEME_SHARE))


def _centres(vectors: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    centres = np.zeros((count, vectors.shape[1]), dtype=np.float32)
    for k in range(count):
        centre = vectors[labels == k].mean(axis=0)
        centres[k] = centre / max(float(np.linalg.norm(centre)), 1e-9)
    return centres


@dataclass
class Clustering:
    labels: np.ndarray  # theme number per comment, -1 for none; numbered by size, largest first
    similarity: np.ndarray  # cosine to the theme's centre, 0 for none
    hdbscan_outliers: float  # the share HDBSCAN itself left out (of the comments it saw)


def cluster(vectors: np.ndarray, ids: Sequence[int], *, sample: int = SAMPLE) -> Clustering:
    """The themes of unit ``vectors`` (the comments ``ids``)."""
    from sklearn.cluster import HDBSCAN
    from sklearn.decomposition import PCA

    n = len(vectors)
    labels = np.full(n, -1, dtype=np.int64)
    similarity = np.zeros(n, dtype=np.float32)
    if n < MIN_COMMENTS:
        return Clustering(labels, similarity, 1.0)
    seen = _sample_order(ids)[:sample] if n > sample else np.arange(n)
    # densities need many points per dimension: few comments get fewer components
    components = min(DIMENSIONS, max(2, len(seen) // 20), vectors.shape[1])
    pca = PCA(n_components=components, svd_solver="full", random_state=SEED).fit(vectors[seen])
    projected = pca.transform(vectors[seen])
    found = HDBSCAN(
        min_cluster_size=min_theme_size(len(seen)), min_samples=MIN_SAMPLES, copy=True
    ).fit_predict(projected)
    if found.max() < 0:  # HDBSCAN never answers "one theme" unless allowed: ask again, allowing it
        found = HDBSCAN(
            min_cluster_size=min_theme_size(len(seen)), min_samples=MIN_SAMPLES, copy=True,
            allow_single_cluster=True,
        ).fit_predict(projected)  # fmt: skip
    labels[seen] = found
    left_out = float((found == -1).mean())
    count = int(found.max()) + 1
    if count == 0:
        return Clustering(labels, similarity, left_out)
    if count > 1:  # HDBSCAN splits a topic by its wordings: merge themes whose centres are close
        from sklearn.cluster import AgglomerativeClustering

        merged = AgglomerativeClustering(
            n_clusters=None, distance_threshold=MERGE_DISTANCE, metric="cosine", linkage="average"
        ).fit_predict(_centres(vectors, labels, count))
        labels = np.where(labels >= 0, merged[np.maximum(labels, 0)], -1)
        count = int(merged.max()) + 1
    centres = _centres(vectors, labels, count)
    scores = vectors @ centres.T  # cosine: all unit vectors
    nearest = scores.argmax(axis=1)
    best = scores[np.arange(n), nearest]
    # HDBSCAN found the themes; every comment now joins the nearest theme's centre if close enough
    # (one rule for all: a member HDBSCAN placed far from its centre in the projection is let go)
    labels = np.where(best >= JOIN_SIMILARITY, nearest, -1)
    if not (labels >= 0).any():
        return Clustering(labels, similarity, left_out)
    count = int(labels.max()) + 1
    sizes = np.bincount(labels[labels >= 0], minlength=count)
    rank = np.empty(count, dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(count)
    themed = labels >= 0
    similarity[themed] = scores[np.arange(n), np.maximum(labels, 0)][themed]
    labels[themed] = rank[labels[themed]]
    return Clustering(labels, similarity, left_out)


def class_terms(texts: Sequence[str], labels: np.ndarray, *, ignore: Sequence[str] = (),
                top: int = TERMS) -> list[list[str]]:  # fmt: skip
    """Each theme's most distinctive 1-2-word terms by class-based TF-IDF: a term's frequency in
    the theme (per word of the theme) times log(1 + A / f), A the average words per class and f
    the term's frequency in all classes; the left-out comments form a class of their own, so words
    said everywhere weigh little."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    count = int(labels.max()) + 1 if len(labels) else 0
    if count == 0:
        return []
    classes = [-1, *range(count)]
    documents = [" ".join(_URL.sub(" ", t) for t, k in zip(texts, labels, strict=True) if k == c)
                 for c in classes]  # fmt: skip
    stop_words = sorted(ENGLISH_STOP_WORDS | {w.lower() for w in ignore})
    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words=stop_words, token_pattern=_TOKEN)
    try:
        matrix = vectorizer.fit_transform(documents).toarray().astype(float)
    except ValueError:  # nothing but stop words
        return [[] for _ in range(count)]
    words = matrix.sum(axis=1, keepdims=True)
    tf = matrix / np.maximum(words, 1)
    idf = np.log(1 + words.mean() / np.maximum(matrix.sum(axis=0), 1))
    weights = tf * idf
    names = vectorizer.get_feature_names_out()
    terms = []
    for c in range(count):
        order = [j for j in np.argsort(-weights[c + 1], kind="stable") if matrix[c + 1, j] > 0]
        terms.append(_distinct([str(names[j]) for j in order], [matrix[c + 1, j] for j in order], top))
    return terms


def _distinct(terms: list[str], counts: list[float], top: int) -> list[str]:
    """The first ``top`` terms that say something new. A term sharing words with kept terms
    replaces them when it contains them all and is said as often ("screen reader" replaces
    "screen" and "reader"), or when it is said more often than any of them ("dark mode" replaces
    "app dark"); otherwise it is dropped ("footprint like" after "carbon footprint")."""
    kept: list[tuple[str, float]] = []
    for term, count in zip(terms, counts, strict=True):
        words = set(term.split())
        overlapping = [k for k in kept if words & set(k[0].split())]
        if not overlapping:
            kept.append((term, count))
        else:
            most = max(k[1] for k in overlapping)
            contains = all(set(k[0].split()) < words for k in overlapping)
            if count > most or (contains and count >= most):
                kept[kept.index(overlapping[0])] = (term, count)
                kept = [k for k in kept if k not in overlapping[1:]]
        if len(kept) == top:
            break
    return [term for term, _count in kept]


def representatives(texts: Sequence[str], labels: np.ndarray, similarity: np.ndarray, theme: int,
                    vectors: np.ndarray | None = None, count: int = QUOTES) -> list[int]:  # fmt: skip
    """Indexes of ``count`` members near the theme's centre that say it differently: nearest
    first, skipping a text already chosen and, given the ``vectors``, a member within cosine
    ``QUOTE_DISTINCT`` of a chosen one (unless too few are left)."""
    members = np.flatnonzero(labels == theme)
    order = members[np.argsort(-similarity[members], kind="stable")]
    chosen: list[int] = []
    seen: set[str] = set()
    for strict in (True, False):
        for i in order:
            key = texts[i].casefold()
            if key in seen:
                continue
            if (
                strict
                and vectors is not None
                and chosen
                and (vectors[chosen] @ vectors[i]).max() > QUOTE_DISTINCT
            ):
                continue
            chosen.append(int(i))
            seen.add(key)
            if len(chosen) == count:
                return chosen
    return chosen


def match_identities(new: list[set[int]], new_centres: np.ndarray, old: dict[int, set[int]],
                     old_centres: dict[int, np.ndarray]) -> dict[int, int]:  # fmt: skip
    """New theme number -> previous theme id: greedily by member overlap (Jaccard), best first,
    then by centre similarity for what is left; each previous theme is taken at most once."""
    pairs = []
    for k, members in enumerate(new):
        for theme_id, before in old.items():
            shared = len(members & before)
            if shared:
                pairs.append((shared / len(members | before), k, theme_id))
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for overlap, k, theme_id in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if overlap >= KEEP_OVERLAP and k not in matched and theme_id not in taken:
            matched[k], _ = theme_id, taken.add(theme_id)
    left = [t for t in old if t not in taken]
    if left:
        sims = new_centres @ np.stack([old_centres[t] for t in left]).T
        for k in range(len(new)):
            if k in matched:
                continue
            j = int(sims[k].argmax())
            if sims[k, j] >= KEEP_SIMILARITY and left[j] not in taken:
                matched[k] = left[j]
                taken.add(left[j])
    return matched
