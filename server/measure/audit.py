"""How good is the classifier on this workspace's own comments? The audit, against the labels
of the random review queue (``server.classify.review``).

- **Audit** (``audit``): per attribute, the precision, recall and F1 of the tags the model gives
  now, against the labels of the random queue, each labelled comment weighted by its stratum's
  size over the number labelled in it (the sample's design); the same for sentiment accuracy.
  95 % intervals come from a stratified bootstrap (resampling the labelled comments within each
  stratum), seeded so a page shows the same interval on reload.
- **The correction it allows** (``correction``): the classifier's sensitivity and specificity
  per attribute, for correcting the figures (``server.measure.metrics``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence

import numpy as np
from sqlite_utils import Database

from server.classify.corrections import SENTIMENTS
from server.classify.ratings import record
from server.classify.review import progress
from server.classify.taxonomy import current_attributes
from server.measure.adjust import AuditSample, Correction, make_correction, stratified_resamples

RESAMPLES = 1000
MIN_LABELLED = 10  # fewer labelled comments than this: no figure, a note
MIN_PER_FIGURE = 5  # a precision (recall) needs this many labelled comments the model tagged (that have it)


def labelled_comments(db: Database) -> list[dict]:
    """Labelled comments of the random queue with the model's current tags and the label."""
    rows = db.query(
        "SELECT r.comment_id, r.stratum, r.stratum_size, cr.attributes AS truth, "
        "(SELECT text FROM comments WHERE id = r.comment_id) AS text, "
        "cr.sentiment AS truth_sentiment, t.sentiment AS model_sentiment, t.model, "
        "(SELECT json_group_array(ta.attribute) FROM tag_attributes ta "
        "WHERE ta.comment_id = r.comment_id AND ta.assigned) AS predicted "
        "FROM review_items r JOIN corrections cr ON cr.comment_id = r.comment_id "
        "JOIN tags t ON t.comment_id = r.comment_id "
        "WHERE r.queue = 'random' AND r.status = 'labelled' AND cr.attributes IS NOT NULL "
        "ORDER BY r.comment_id"
    )  # fmt: skip
    return [
        {**r, "truth": set(json.loads(r["truth"])), "predicted": set(json.loads(r["predicted"]))}
        for r in rows
    ]


def _rate(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def _figure(point: float, draws: np.ndarray, n: int) -> dict:
    if n < MIN_PER_FIGURE or np.isnan(point):
        return {
            "value": None,
            "n": n,
            "note": f"too few labelled comments to measure it ({n} < {MIN_PER_FIGURE})",
        }
    low, high = np.nanpercentile(draws, [2.5, 97.5]) if np.isfinite(draws).any() else (point, point)
    return {
        "value": round(float(point), 4),
        "low": round(float(low), 4),
        "high": round(float(high), 4),
        "n": n,
    }


def audit(db: Database, *, resamples: int = RESAMPLES, seed: int = 0, predict=None) -> dict:
    """Per attribute precision, recall and F1 of the model's current tags on the labelled random
    sample, design-weighted, with 95 % stratified-bootstrap intervals; sentiment accuracy too.
    With ``predict`` (texts → tags), of that model's tags instead (a candidate not yet active),
    on the same sample with the same design."""
    labelled = labelled_comments(db)
    if predict is not None and labelled:
        tags = predict([r["text"] for r in labelled])
        labelled = [{**r, "predicted": set(t.attributes), "model_sentiment": t.sentiment}
                    for r, t in zip(labelled, tags, strict=True)]  # fmt: skip
    keys = [a["key"] for a in current_attributes(db)]
    names = {a["key"]: a["name"] for a in current_attributes(db)}
    counts = progress(db)
    base = {"labelled": len(labelled), "queues": counts, "min_labelled": MIN_LABELLED,
            "models": sorted({r["model"] for r in labelled}), "ratings_adaptation": record(db)}  # fmt: skip
    if len(labelled) < MIN_LABELLED:
        note = f"too few labelled comments ({len(labelled)} < {MIN_LABELLED}): review the random queue"
        return {**base, "note": note, "attributes": [], "sentiment": None}
    stratum_of, weights = _design(labelled)
    truth = np.array([[k in r["truth"] for k in keys] for r in labelled], dtype=float)
    predicted = np.array([[k in r["predicted"] for k in keys] for r in labelled], dtype=float)
    has_sentiment = np.array([r["truth_sentiment"] in SENTIMENTS for r in labelled])
    sentiment_right = np.array([r["truth_sentiment"] == r["model_sentiment"] for r in labelled], dtype=float)

    def estimates(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        tp = (w[:, None] * truth * predicted).sum(axis=0)
        fp = (w[:, None] * (1 - truth) * predicted).sum(axis=0)
        fn = (w[:, None] * truth * (1 - predicted)).sum(axis=0)
        precision, recall = _rate(tp, tp + fp), _rate(tp, tp + fn)
        f1 = _rate(2 * precision * recall, precision + recall)
        ws = w * has_sentiment
        accuracy = float((ws * sentiment_right).sum() / ws.sum()) if ws.sum() else float("nan")
        return precision, recall, f1, accuracy

    point = estimates(weights)
    rng = np.random.default_rng(seed)
    draws = [np.empty((resamples, len(keys))) for _ in range(3)] + [np.empty(resamples)]
    for b, counts in enumerate(stratified_resamples(stratum_of, resamples, rng)):
        result = estimates(weights * counts)
        for k in range(4):
            draws[k][b] = result[k]
    attributes = []
    for j, key in enumerate(keys):
        said = int(predicted[:, j].sum())
        true = int(truth[:, j].sum())
        attributes.append({
            "attribute": key, "name": names[key],
            "precision": _figure(point[0][j], draws[0][:, j], said),
            "recall": _figure(point[1][j], draws[1][:, j], true),
            "f1": _figure(point[2][j], draws[2][:, j], min(said, true)),
        })  # fmt: skip
    sentiment = _figure(point[3], draws[3], int(has_sentiment.sum()))
    return {**base, "note": None, "attributes": attributes, "sentiment": sentiment,
            "strata": len(set(stratum_of.tolist()))}  # fmt: skip


def _design(labelled: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Each labelled comment's stratum (an index) and design weight: its stratum's size over the
    number labelled in it."""
    strata = sorted({r["stratum"] for r in labelled})
    index = {s: i for i, s in enumerate(strata)}
    stratum_of = np.array([index[r["stratum"]] for r in labelled])
    sizes = {r["stratum"]: r["stratum_size"] for r in labelled}
    taken = np.bincount(stratum_of, minlength=len(strata))
    weights = np.array([sizes[r["stratum"]] / taken[index[r["stratum"]]] for r in labelled], dtype=float)
    return stratum_of, weights


def labels_digest(labelled: list[dict]) -> str:
    """A digest of the labelled sample and the model's tags of it: equal while neither changes."""
    digest = hashlib.blake2b(digest_size=16)
    for r in labelled:
        digest.update(json.dumps([r["comment_id"], r["stratum"], r["stratum_size"], sorted(r["truth"]),
                                  sorted(r["predicted"]), r["truth_sentiment"], r["model_sentiment"],
                                  r["model"]]).encode())  # fmt: skip
    return digest.hexdigest()


# --- the correction the audit allows (server.measure.metrics.corrected_figures) --------------------------

_CORRECTIONS: dict[tuple, Correction] = {}
_CORRECTIONS_LOCK = threading.Lock()


def correction(db: Database, attributes: Sequence[str] | None = None) -> Correction | None:
    """The classifier's sensitivity and specificity per attribute from the labelled random
    sample, design-weighted, with bootstrap replicates, for correcting the figures; ``None``
    while fewer than ``MIN_LABELLED`` comments are labelled. Computed once per set of labels and
    tags (a digest of them keys a small cache)."""
    from server.measure.metrics import BOOTSTRAP

    keys = list(attributes) if attributes is not None else [a["key"] for a in current_attributes(db)]
    labelled = labelled_comments(db)
    if len(labelled) < MIN_LABELLED:
        return None
    key = (tuple(keys), labels_digest(labelled))
    with _CORRECTIONS_LOCK:
        found = _CORRECTIONS.get(key)
    if found is not None:
        return found
    stratum_of, weights = _design(labelled)
    sample = AuditSample(
        truth=np.array([[k in r["truth"] for k in keys] for r in labelled], dtype=bool),
        predicted=np.array([[k in r["predicted"] for k in keys] for r in labelled], dtype=bool),
        stratum=stratum_of,
        weight=weights,
    )
    models = sorted({r["model"] for r in labelled})
    made = make_correction(keys, sample, labelled=len(labelled), models=models, key=key[1],
                           min_labels=MIN_PER_FIGURE, resamples=BOOTSTRAP)  # fmt: skip
    with _CORRECTIONS_LOCK:
        if len(_CORRECTIONS) > 32:
            _CORRECTIONS.clear()
        _CORRECTIONS[key] = made
    return made
