"""The heads on a frozen encoder: thresholds chosen on data the head did not learn from, the
sentiment head, logistic attribute heads, and the tagger made from the taxonomy alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import numpy as np

from .data import Example, none_sentences, seed_sentiment
from .encoder import Encoder
from .model import SENTIMENTS, AttributeHead, ModelInfo, SentimentHead, Tagger
from .taxonomy import Attribute

Progress = Callable[[str, float], None]  # (stage, fraction done)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def best_threshold(scores: np.ndarray, truth: np.ndarray, default: float = 0.5) -> float:
    """The cut that maximises F1 of ``scores >= cut`` against boolean ``truth``."""
    if not truth.any():
        return max(default, float(scores.max()) + 1e-6) if len(scores) else default
    order = np.argsort(-scores)
    s, t = scores[order], truth[order].astype(np.float64)
    tp = np.cumsum(t)
    predicted = np.arange(1, len(s) + 1)
    f1 = 2 * tp / (predicted + t.sum())
    # only cut between distinct scores
    valid = np.append(s[1:] < s[:-1], True)
    best = int(np.argmax(np.where(valid, f1, -1)))
    upper = s[best]
    lower = s[best + 1] if best + 1 < len(s) else upper - 1e-3
    return float((upper + lower) / 2)


def thresholds_for(scores: np.ndarray, labels: np.ndarray, default: float = 0.5) -> np.ndarray:
    return np.array(
        [best_threshold(scores[:, a], labels[:, a], default) for a in range(labels.shape[1])],
        dtype=np.float32,
    )


def label_matrix(examples: Sequence[Example], keys: list[str]) -> np.ndarray:
    index = {k: i for i, k in enumerate(keys)}
    y = np.zeros((len(examples), len(keys)), dtype=bool)
    for row, example in enumerate(examples):
        for attribute in example.attributes:
            if attribute in index:
                y[row, index[attribute]] = True
    return y


# What customers' comments about an attribute usually are: opinions. The sentiment head learns
# with balanced classes (a uniform prior) and is then shifted to this prior, so that "neutral"
# needs clear evidence. Assumed, not fitted to any evaluation set.
SENTIMENT_PRIOR = {"negative": 0.45, "neutral": 0.10, "positive": 0.45}


def fit_sentiment(vectors: np.ndarray, labels: Sequence[str]) -> SentimentHead:
    from sklearn.linear_model import LogisticRegression

    y = np.array([SENTIMENTS.index(label) for label in labels])
    clf = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    clf.fit(vectors, y)
    shift = np.log(np.array([SENTIMENT_PRIOR[s] for s in SENTIMENTS]) * len(SENTIMENTS))
    return SentimentHead(clf.coef_.T.astype(np.float32), (clf.intercept_ + shift).astype(np.float32))


def _sentiment_data(examples: Sequence[Example]) -> list[Example]:
    return seed_sentiment() + [e for e in examples if e.sentiment in SENTIMENTS]


def taxonomy_tagger(encoder: Encoder, attributes: list[Attribute]) -> Tagger:
    """Day one: score a text by its closest phrase of each attribute (definition and examples).

    Thresholds come from the taxonomy itself: each phrase, left out in turn, should be claimed
    by its own attribute and not by the others, and the bundled 'about nothing' sentences by none.
    Each clause then takes its closest attribute if it passes that threshold (see
    ``Tagger._closest_per_clause``): on held-out laptop reviews and on the demo comments this
    beat independent per-attribute thresholds (micro-F1 .42 vs .37 and .71 vs .61).
    """
    keys = [a.key for a in attributes]
    phrases = [(i, p) for i, a in enumerate(attributes) for p in a.phrases()]
    nothing = none_sentences()
    vectors = encoder.embed([p for _i, p in phrases] + nothing)
    owner = np.array([i for i, _p in phrases])
    proto, rest = vectors[: len(phrases)], vectors[len(phrases) :]
    head = AttributeHead("prototype", keys, np.zeros(len(keys), np.float32), proto, owner, rest)
    sims = np.vstack([proto @ proto.T, rest @ proto.T])  # (phrases + nothing, phrases)
    sims[np.arange(len(phrases)), np.arange(len(phrases))] = -1.0  # leave each phrase out
    scores = np.stack([sims[:, owner == a].max(axis=1) for a in range(len(keys))], axis=1)
    truth = np.zeros_like(scores, dtype=bool)
    truth[np.arange(len(phrases)), owner] = True
    # A phrase should be claimed by its own attribute, and no sentence about nothing by any.
    about_nothing = (scores[len(phrases) :] + 1) / 2
    head.thresholds = np.minimum(thresholds_for((scores + 1) / 2, truth), about_nothing.max(axis=0) + 1e-4)
    seed = _sentiment_data([])
    sentiment = fit_sentiment(encoder.embed([e.text for e in seed]), [e.sentiment for e in seed])
    info = ModelInfo("taxonomy", encoder.model_id, fingerprint=taxonomy_fingerprint(attributes))
    return Tagger(encoder, head, sentiment, info)


# Bump when the way a taxonomy becomes a tagger changes, so that every comment is re-tagged.
TAXONOMY_METHOD = 3


def taxonomy_fingerprint(attributes: list[Attribute]) -> str:
    """The same taxonomy (and method, and bundled 'about nothing' sentences) gives the same model
    id in every process: no re-tagging; a change to any of them re-tags every comment."""
    import hashlib
    import json

    payload = json.dumps([TAXONOMY_METHOD, [a.__dict__ for a in attributes], none_sentences()], default=list,
                         sort_keys=True)  # fmt: skip
    return "t" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def _with_taxonomy(examples: Sequence[Example], attributes: list[Attribute]) -> list[Example]:
    """Labelled examples plus the taxonomy's own phrases and the 'about nothing' sentences."""
    extra = [Example(p, (a.key,)) for a in attributes for p in a.examples]
    known = [e for e in examples if e.attributes_known]
    return known + extra + [Example(t) for t in none_sentences()]


def _logistic(vectors: np.ndarray, y: np.ndarray, c: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((vectors.shape[1], y.shape[1]), dtype=np.float32)
    bias = np.full(y.shape[1], -6.0, dtype=np.float32)  # an attribute never seen stays off
    for a in range(y.shape[1]):
        if y[:, a].any() and not y[:, a].all():
            clf = LogisticRegression(C=c, max_iter=2000).fit(vectors, y[:, a])
            weights[:, a], bias[a] = clf.coef_[0], clf.intercept_[0]
    return weights, bias


def logistic_tagger(
    encoder: Encoder, attributes: list[Attribute], examples: Sequence[Example], *, folds: int = 5
) -> Tagger:
    """A frozen encoder with one logistic head per attribute; thresholds from cross-validation."""
    keys = [a.key for a in attributes]
    data = _with_taxonomy(examples, attributes)
    vectors = encoder.embed([e.text for e in data])
    y = label_matrix(data, keys)
    out_of_fold = np.zeros(y.shape, dtype=np.float32)
    fold_of = np.arange(len(data)) % folds
    np.random.default_rng(0).shuffle(fold_of)
    for fold in range(folds):
        train, test = fold_of != fold, fold_of == fold
        w, b = _logistic(vectors[train], y[train])
        out_of_fold[test] = 1 / (1 + np.exp(-(vectors[test] @ w + b)))
    weights, bias = _logistic(vectors, y)
    head = AttributeHead("linear", keys, thresholds_for(out_of_fold, y), weights, bias)
    seed = _sentiment_data(examples)
    sentiment = fit_sentiment(encoder.embed([e.text for e in seed]), [e.sentiment for e in seed])
    info = ModelInfo("logistic", encoder.model_id, trained_on=len(examples), created_at=_now())
    return Tagger(encoder, head, sentiment, info)
