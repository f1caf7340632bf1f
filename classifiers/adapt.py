"""Adapting the sentiment head to a workspace from the star ratings its customers gave.

A rating is a weak label of a review's overall feeling: 5 stars → positive, 1–2 → negative
(3 and 4 say too little and are not used). They train the head, never tag a comment themselves.

Ratings say which way a review leans, not whether it has a feeling at all (they carry no
neutral examples). So the positive and negative columns of the head move by one direction in
opposite ways, their sum stays as shipped, and the neutral column does not move: how far a text
is from neutral is the shipped model's judgement. Moving the columns freely raised the agreement
with ratings but called far fewer texts neutral: on real app reviews (``bench/ratings.py``) the
three-class macro-F1 fell by about five points, where this way it rises by about one.

The direction is the minimum of the class-balanced cross-entropy with an L2 pull towards the
shipped head (L-BFGS, to convergence). How strong the pull is, is chosen on the workspace's own
ratings (``choose_pull``: an inner split by author), never on an evaluation set. About a second
for a few thousand ratings.
"""

from __future__ import annotations

import numpy as np

from .model import SENTIMENTS, SentimentHead, softmax

POSITIVE, NEGATIVE = SENTIMENTS.index("positive"), SENTIMENTS.index("negative")
# strengths of the L2 pull towards the shipped head, strongest first
PULLS = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001)
MAX_ITERATIONS = 2000


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
    """The head moved towards ``positive`` (True: the rating says positive, False: negative):
    the minimum of the class-balanced cross-entropy plus ``pull`` / 2 times the squared distance
    to the shipped head, found by L-BFGS (to convergence: a fixed number of gradient steps
    stopped short of it, and left the adapted head depending on how many). Only the direction
    between positive and negative moves (see the module's note)."""
    from scipy.optimize import minimize

    y = np.where(positive, POSITIVE, NEGATIVE)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        raise ValueError("adapting needs ratings of both kinds (5 stars and 1–2 stars)")
    weight = np.where(positive, 0.5 / n_pos, 0.5 / n_neg)  # classes weigh the same, sum 1
    w0, b0 = head.weights.astype(np.float64), head.bias.astype(np.float64)
    onehot = np.zeros((len(y), len(SENTIMENTS)))
    onehot[np.arange(len(y)), y] = 1.0
    x = vectors.astype(np.float64)
    start = np.zeros(w0.shape[0] + 1)

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # one direction d: positive moves by +d, negative by -d, so their sum (and with it how
        # far a text is from neutral, which ratings do not tell) stays as shipped
        w, b = w0.copy(), b0.copy()
        d, db = theta[:-1], theta[-1]
        w[:, POSITIVE] += d
        w[:, NEGATIVE] -= d
        b[POSITIVE] += db
        b[NEGATIVE] -= db
        return w, b

    def loss_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = unpack(theta)
        probs = softmax(x @ w + b)
        loss = -(weight * np.log(probs[np.arange(len(y)), y] + 1e-12)).sum()
        loss += pull / 2 * (((w - w0) ** 2).sum() + ((b - b0) ** 2).sum())
        grad_logits = (probs - onehot) * weight[:, None]
        gw = x.T @ grad_logits + pull * (w - w0)
        gb = grad_logits.sum(axis=0) + pull * (b - b0)
        return loss, np.append(gw[:, POSITIVE] - gw[:, NEGATIVE], gb[POSITIVE] - gb[NEGATIVE])

    found = minimize(
        loss_and_gradient, start, jac=True, method="L-BFGS-B", options={"maxiter": MAX_ITERATIONS}
    )
    w, b = unpack(found.x)
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
