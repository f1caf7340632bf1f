"""How good is the classifier on this workspace's own comments? The review queues and the audit.

- **Random queue** (``draw_sample``): recent customer comments drawn at random within strata,
  one stratum per brand and leading attribute the model gave (its highest-scoring assigned one,
  or none). Random, not chosen by confidence, so it can estimate accuracy; stratified, so that a
  rare attribute gets enough comments. Each item keeps its stratum's size when drawn.
- **Uncertain queue** (``draw_uncertain``): first the comments whose star rating disagrees
  strongly with their sentiment tag, then those the model was least sure of (lowest score among
  the attributes it assigned), to teach it; never counted in the audit.
- **Labels** (``label_item``): accept the model's tags, or fix attributes and/or sentiment, or
  skip. A label is a correction (``server.corrections``), so it also changes the figures and
  trains the next model; the item records who labelled it and when.
- **Audit** (``audit``): per attribute, the precision, recall and F1 of the tags the model gives
  now, against the labels of the random queue, each labelled comment weighted by its stratum's
  size over the number labelled in it (the sample's design); the same for sentiment accuracy.
  95 % intervals come from a stratified bootstrap (resampling the labelled comments within each
  stratum), seeded so a page shows the same interval on reload.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
from sqlite_utils import Database

from .adjust import AuditSample, Correction, make_correction, stratified_resamples
from .corrections import SENTIMENTS, correct
from .db import utcnow, write_transaction
from .errors import Conflict, Invalid, NotFound
from .ratings import STARS, record
from .taxonomy import current_attributes

PER_STRATUM = 10  # comments drawn per stratum in one draw
RECENT_DAYS = 90  # the random queue draws from the latest days that have comments
UNCERTAIN_DRAW = 20
RESAMPLES = 1000
MIN_LABELLED = 10  # fewer labelled comments than this: no figure, a note
MIN_PER_FIGURE = 5  # a precision (recall) needs this many labelled comments the model tagged (that have it)
ACTIONS = ("accept", "fix", "skip")
QUEUES = ("random", "uncertain")

# the model's leading assigned attribute of each tagged customer comment ("none" for none)
_LEADING = """
SELECT c.id, c.brand_id, b.name AS brand, t.model,
       coalesce((SELECT ta.attribute FROM tag_attributes ta WHERE ta.comment_id = c.id AND ta.assigned
                 ORDER BY ta.score DESC, ta.attribute LIMIT 1), 'none') AS leading
FROM comments c JOIN brands b ON b.id = c.brand_id JOIN tags t ON t.comment_id = c.id
WHERE c.kind = 'customer' AND coalesce(c.published_at, c.collected_at) >= ?
"""


def _window_start(db: Database, days: int) -> str:
    latest = db.execute(
        "SELECT max(coalesce(published_at, collected_at)) FROM comments WHERE kind = 'customer'"
    ).fetchone()[0]
    if latest is None:
        return "0000"
    return (date.fromisoformat(latest[:10]) - timedelta(days=days - 1)).isoformat()


def draw_sample(db: Database, *, per_stratum: int = PER_STRATUM, days: int = RECENT_DAYS,
                seed: int | None = None) -> dict:  # fmt: skip
    """Add up to ``per_stratum`` random comments of each stratum (not drawn before) to the random
    queue; answer how many were drawn per stratum."""
    if not 1 <= per_stratum <= 500:
        raise Invalid("per_stratum must be between 1 and 500")
    if not 1 <= days <= 3650:
        raise Invalid("days must be between 1 and 3650")
    rng = random.Random(seed)
    strata: dict[str, list[tuple[int, str]]] = {}
    for row in db.query(_LEADING + " ORDER BY c.id", [_window_start(db, days)]):
        strata.setdefault(f"{row['brand']}|{row['leading']}", []).append((row["id"], row["model"]))
    drawn_before = {r[0] for r in db.execute("SELECT comment_id FROM review_items WHERE queue = 'random'")}
    now = utcnow()
    rows, counts = [], {}
    for stratum, members in sorted(strata.items()):
        fresh = [m for m in members if m[0] not in drawn_before]
        chosen = rng.sample(fresh, min(per_stratum, len(fresh)))
        counts[stratum] = len(chosen)
        rows += [{"comment_id": cid, "queue": "random", "stratum": stratum, "stratum_size": len(members),
                  "model": model, "drawn_at": now} for cid, model in chosen]  # fmt: skip
    with write_transaction(db):
        db["review_items"].insert_all(rows)
        for stratum, members in strata.items():  # every item of a stratum weighs by its latest size
            db.execute("UPDATE review_items SET stratum_size = ? WHERE queue = 'random' AND stratum = ?",
                       [len(members), stratum])  # fmt: skip
    return {"drawn": len(rows), "strata": counts}


def rating_disagreements(db: Database, limit: int) -> list[dict]:
    """Tagged customer comments (not corrected, not queued) whose star rating and sentiment tag
    disagree strongly: 4.5 stars or more tagged negative, 2 stars or fewer tagged positive, the
    surest tags first. A rating of at most 5 is read as stars, a larger one as 0–100 (stars × 20)."""
    stars = STARS
    rows = db.execute(
        f"SELECT c.id, b.name, t.model FROM comments c JOIN brands b ON b.id = c.brand_id "
        f"JOIN tags t ON t.comment_id = c.id "
        f"WHERE c.kind = 'customer' AND c.rating IS NOT NULL "
        f"AND c.id NOT IN (SELECT comment_id FROM corrections) "
        f"AND c.id NOT IN (SELECT comment_id FROM review_items) "
        f"AND (({stars} >= 4.5 AND t.sentiment = 'negative') OR ({stars} <= 2 AND t.sentiment = 'positive')) "
        f"ORDER BY abs(t.sentiment_score) DESC, c.id LIMIT ?",
        [limit],
    ).fetchall()  # fmt: skip
    return [{"id": cid, "brand": brand, "model": model} for cid, brand, model in rows]


def draw_uncertain(db: Database, *, count: int = UNCERTAIN_DRAW) -> dict:
    """Add ``count`` tagged customer comments (not labelled, not queued) to the uncertain queue:
    first those whose star rating disagrees strongly with their sentiment tag
    (``rating_disagreements``), then the least certain."""
    from .comments import CommentQuery, search_comments

    if not 1 <= count <= 200:
        raise Invalid("count must be between 1 and 200")
    disagreeing = rating_disagreements(db, count)
    queued = {r[0] for r in db.execute("SELECT comment_id FROM review_items")} | {
        c["id"] for c in disagreeing
    }
    chosen: list[dict] = []
    page = 1
    count -= len(disagreeing)
    while len(chosen) < count:
        found = search_comments(db, CommentQuery(kind="customer", sort="uncertain", page=page, per_page=200))
        fresh = [c for c in found["comments"] if c["id"] not in queued and not c["corrected"] and c["model"]]
        chosen += fresh[: count - len(chosen)]
        if page >= found["pages"]:
            break
        page += 1
    now = utcnow()
    items = [(c, "rating disagrees") for c in disagreeing] + [(c, "uncertain") for c in chosen]
    with write_transaction(db):
        db["review_items"].insert_all(
            {"comment_id": c["id"], "queue": "uncertain", "stratum": f"{c['brand']}|{why}",
             "stratum_size": 0, "model": c["model"], "drawn_at": now} for c, why in items
        )  # fmt: skip
    return {"drawn": len(items), "rating_disagrees": len(disagreeing)}


def _item(db: Database, item_id: int) -> dict:
    rows = list(db.query("SELECT * FROM review_items WHERE id = ?", [item_id]))
    if not rows:
        raise NotFound(f"no review item {item_id}")
    return rows[0]


def _model_tags(db: Database, comment_id: int) -> tuple[list[str], str | None]:
    attributes = [r[0] for r in db.execute(
        "SELECT attribute FROM tag_attributes WHERE comment_id = ? AND assigned ORDER BY score DESC",
        [comment_id]
    )]  # fmt: skip
    row = db.execute("SELECT sentiment FROM tags WHERE comment_id = ?", [comment_id]).fetchone()
    return attributes, row[0] if row else None


def next_item(db: Database, queue: str = "random") -> dict | None:
    """The next open item of ``queue`` with its comment and the model's tags (None when done)."""
    if queue not in QUEUES:
        raise Invalid(f"queue must be one of {', '.join(QUEUES)}, not {str(queue)[:40]!r}")
    rows = list(db.query(
        "SELECT r.id, r.comment_id, r.queue, r.stratum, c.text, c.channel, c.url, b.name AS brand, "
        "coalesce(c.published_at, c.collected_at) AS date FROM review_items r "
        "JOIN comments c ON c.id = r.comment_id JOIN brands b ON b.id = c.brand_id "
        "WHERE r.queue = ? AND r.status = 'open' ORDER BY r.id LIMIT 1", [queue]
    ))  # fmt: skip
    if not rows:
        return None
    item = rows[0]
    attributes, sentiment = _model_tags(db, item["comment_id"])
    return {**item, "date": item["date"][:10], "model_attributes": attributes, "model_sentiment": sentiment}


def progress(db: Database) -> dict:
    """Per queue: how many items are open, labelled and skipped."""
    counts = {q: {"open": 0, "labelled": 0, "skipped": 0} for q in QUEUES}
    for queue, status, n in db.execute("SELECT queue, status, count(*) FROM review_items GROUP BY 1, 2"):
        counts[queue][status] = n
    return counts


def label_item(db: Database, item_id: int, action: str, *, attributes: Sequence[str] | None = None,
               sentiment: str | None = None, by: str | None = None) -> dict:  # fmt: skip
    """Record a person's verdict on a queued comment: ``accept`` (the model is right), ``fix``
    (``attributes`` and/or ``sentiment`` say what is right; the other keeps the model's) or
    ``skip``. Answers the item."""
    item = _item(db, item_id)
    if action not in ACTIONS:
        raise Invalid(f"action must be one of {', '.join(ACTIONS)}, not {str(action)[:40]!r}")
    if item["status"] != "open":
        raise Conflict(f"review item {item_id} was already {item['status']}")
    model_attributes, model_sentiment = _model_tags(db, item["comment_id"])
    with write_transaction(db):
        if action != "skip":
            if action == "fix" and attributes is None and sentiment is None:
                raise Invalid("a fix says the right attributes, the right sentiment or both")
            truth_attributes = model_attributes if attributes is None else attributes
            truth_sentiment = sentiment if sentiment is not None else model_sentiment
            correct(db, item["comment_id"], attributes=truth_attributes, sentiment=truth_sentiment, by=by)
        db["review_items"].update(item_id, {"status": "skipped" if action == "skip" else "labelled",
                                            "done_at": utcnow(), "done_by": by})  # fmt: skip
    return _item(db, item_id)


# --- the audit --------------------------------------------------------------------------------


# The comments of the audit's labelled random sample: what measures a model, never what trains
# one that is then audited on it (``training``, ``learning.correction_examples``).
AUDIT_SAMPLE_SQL = "SELECT comment_id FROM review_items WHERE queue = 'random' AND status = 'labelled'"


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


# --- the correction the audit allows (server.metrics.corrected_figures) --------------------------

_CORRECTIONS: dict[tuple, Correction] = {}
_CORRECTIONS_LOCK = threading.Lock()


def correction(db: Database, attributes: Sequence[str] | None = None) -> Correction | None:
    """The classifier's sensitivity and specificity per attribute from the labelled random
    sample, design-weighted, with bootstrap replicates, for correcting the figures; ``None``
    while fewer than ``MIN_LABELLED`` comments are labelled. Computed once per set of labels and
    tags (a digest of them keys a small cache)."""
    from .metrics import BOOTSTRAP

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
