"""The review queues: the comments people label, which measure the classifier (the audit,
``server.measure.audit``) and teach it (``server.jobs.learning``).

- **Random queue** (``draw_sample``): recent customer comments drawn at random within strata,
  one stratum per brand and leading attribute the model gave (its highest-scoring assigned one,
  or none). Random, not chosen by confidence, so it can estimate accuracy; stratified, so that a
  rare attribute gets enough comments. Each item keeps its stratum's size when drawn.
- **Uncertain queue** (``draw_uncertain``): first the comments whose star rating disagrees
  strongly with their sentiment tag, then those the model was least sure of (lowest score among
  the attributes it assigned), to teach it; never counted in the audit.
- **Labels** (``label_item``): accept the model's tags, or fix attributes and/or sentiment, or
  skip. A label is a correction (``server.classify.corrections``), so it also changes the figures and
  trains the next model; the item records who labelled it and when.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

from sqlite_utils import Database

from server.classify.corrections import correct
from server.classify.ratings import STARS
from server.errors import Conflict, Invalid, NotFound
from server.store.db import utcnow, write_transaction

PER_STRATUM = 10  # comments drawn per stratum in one draw
RECENT_DAYS = 90  # the random queue draws from the latest days that have comments
UNCERTAIN_DRAW = 20
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
    from server.store.comments import CommentQuery, search_comments

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


# The comments of the audit's labelled random sample: what measures a model, never what trains
# one that is then audited on it (``training``, ``learning.correction_examples``).
AUDIT_SAMPLE_SQL = "SELECT comment_id FROM review_items WHERE queue = 'random' AND status = 'labelled'"
