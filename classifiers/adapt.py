"""Adapting the sentiment head to a workspace from the star ratings its customers gave.

A rating is a weak label of a review's overall feeling: 5 stars → positive, 1–2 → negative
(3 and 4 say too little and are not used). They train the head, never tag a comment themselves.

Only the positive and negative columns of the head move; the neutral column stays as shipped
(ratings carry no neutral examples). The step is a few hundred full-batch gradient steps of
class-balanced cross-entropy with an L2 pull towards the shipped head. How strong the pull is,
is chosen on the workspace's own ratings (``choose_pull``: an inner split by author), never on
an evaluation set. Pure numpy: about a second for a few thousand ratings.
"""

from __future__ import annotations

import numpy as np

from .model import SENTIMENTS, SentimentHead, softmax

POSITIVE, NEGATIVE = SENTIMENTS.index("positive"), SENTIMENTS.index("negative")
# strengths of the L2 pull towards the shipped head, strongest first
PULLS = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
STEPS = 300
LEARNING_RATE = 0.5


def choose_pull(head: SentimentHead, vectors: np.ndarray, positive: np.ndarray, inner: np.ndarray) -> float:
    """The pull whose head, fitted on the ratings outside ``inner``, agrees best with those in
    it (the strongest pull among equals: the least change that does as well)."""
    best, best_score = PULLS[0], -1.0
    for pull in PULLS:
        fitted = adapt_head(head, vectors[~inner], positive[~inner], pull)
        score = agreement(fitted, vectors[inner], positive[inner])
        if score > best_score + 1e-9:
            best, best_score = pull, score
    return best


def adapt_head(head: SentimentHead, vectors: np.ndarray, positive: np.ndarray, pull: float) -> SentimentHead:
    """The head moved towards ``positive`` (True: the rating says positive, False: negative)."""
    y = np.where(positive, POSITIVE, NEGATIVE)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        raise ValueError("adapting needs ratings of both kinds (5 stars and 1–2 stars)")
    weight = np.where(positive, 0.5 / n_pos, 0.5 / n_neg)  # classes weigh the same, sum 1
    w0, b0 = head.weights.astype(np.float64), head.bias.astype(np.float64)
    w, b = w0.copy(), b0.copy()
    onehot = np.zeros((len(y), len(SENTIMENTS)))
    onehot[np.arange(len(y)), y] = 1.0
    moving = np.zeros(len(SENTIMENTS), dtype=bool)
    moving[[POSITIVE, NEGATIVE]] = True
    x = vectors.astype(np.float64)
    for _step in range(STEPS):
        grad_logits = (softmax(x @ w + b) - onehot) * weight[:, None]
        gw = x.T @ grad_logits + pull * (w - w0)
        gb = grad_logits.sum(axis=0) + pull * (b - b0)
        w[:, moving] -= LEARNING_RATE * gw[:, moving]
        b[moving] -= LEARNING_RATE * gb[moving]
    return SentimentHead(w.astype(np.float32), b.astype(np.float32))


def agreement(head: SentimentHead, vectors: np.ndarray, positive: np.ndarray) -> float:
    """Share of rated reviews whose tag is the rating's sentiment (a neutral tag disagrees)."""
    if not len(vectors):
        return float("nan")
    tagged = head.probabilities(vectors).argmax(axis=1)
    return float((tagged == np.where(positive, POSITIVE, NEGATIVE)).mean())


def digest(head: SentimentHead) -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=6)
    h.update(np.ascontiguousarray(head.weights).tobytes())
    h.update(np.ascontiguousarray(head.bias).tobytes())
    return h.hexdigest()
