"""Learning sentiment from the star ratings a workspace's customers already gave.

Once a workspace holds ``MIN_RATINGS`` rated customer reviews in a language the model reads, the
classifier job adapts the sentiment head to them (``classifiers.adapt``) before it tags: 5 stars
count as positive and 1–2 stars as negative, as training signal only (a rating never becomes a
tag). It learns again when the number of such ratings has grown by a quarter, or when the model
under it changed.

A fifth of the rated reviews, chosen by author (so one person's reviews are all on one side), is
held out; of the rest, a quarter of the authors choose how far the head may move from the
shipped one (``classifiers.adapt.choose_pull``) before it learns from all of the rest. The held-out
fifth decides: the adapted head is used only if its tags agree with those ratings at least as often as
the shipped head's do. The audit page shows how many ratings it learned from, that agreement before
and after, and how many comments' sentiment the re-tagging changed (``adaptation``).

A rating of at most 5 is read as stars; a larger one as a 0–100 score (stars × 20): the same rule
as the review queue's rating check (``audit.rating_disagreements``).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from sqlite_utils import Database

from server.store.db import utcnow, write_transaction

if TYPE_CHECKING:
    from classifiers.model import SentimentHead, Tagger

STARS = "(CASE WHEN c.rating <= 5 THEN c.rating ELSE c.rating / 20.0 END)"
MIN_RATINGS = 100  # rated reviews (5 or 1–2 stars) before the sentiment adapts
MIN_EACH = 20  # of each kind
RELEARN_GROWTH = 1.25  # learn again once there are this many times more ratings
HELD_OUT = 5  # one author in five is held out
KEY = "ratings_adaptation"


def rated(db: Database, languages_sql: str, params: list) -> list[tuple[int, str, bool, str]]:
    """(id, text, positive?, author) of rated customer reviews with a clear rating, in the
    languages the model reads (``languages_sql``: a condition on ``c``)."""
    rows = db.execute(
        f"SELECT c.id, c.text, {STARS} >= 4.5, coalesce(c.author, '#' || c.id) FROM comments c "
        f"WHERE c.kind = 'customer' AND c.rating IS NOT NULL AND ({STARS} >= 4.5 OR {STARS} <= 2) "
        f"AND {languages_sql} ORDER BY c.id",
        params,
    ).fetchall()
    return [(cid, text, bool(positive), author) for cid, text, positive, author in rows]


def record(db: Database) -> dict | None:
    """The last adaptation (or the reason none is used), as the audit shows it."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", [KEY]).fetchone()
    return json.loads(row[0]) if row else None


def _save_record(db: Database, value: dict) -> None:
    with write_transaction(db):
        db["meta"].upsert({"key": KEY, "value": json.dumps(value)}, pk="key")


def _held_out(author: str) -> bool:
    return hashlib.blake2b(author.encode("utf-8"), digest_size=2).digest()[0] % HELD_OUT == 0


def _inner(author: str) -> bool:
    """The inner split that chooses how far the head may move (a quarter of the authors)."""
    return hashlib.blake2b(author.encode("utf-8"), digest_size=2).digest()[1] % 4 == 0


@lru_cache(maxsize=4)
def _load_head(path: str) -> SentimentHead:
    from classifiers.model import SentimentHead

    with np.load(path) as saved:
        return SentimentHead(saved["weights"], saved["bias"])


def apply(db: Database, tagger: Tagger) -> Tagger:
    """``tagger`` with the workspace's adapted sentiment head, when one was made for it."""
    done = record(db)
    if not done or done.get("status") != "active" or done.get("base_model") != tagger.model_id:
        return tagger
    if not Path(done["file"]).is_file():
        return tagger
    return tagger.adapted(_load_head(done["file"]), done["digest"])


def adapt(db: Database, tagger: Tagger, folder: Path, languages_sql: str, params: list,
          *, minimum: int = MIN_RATINGS) -> dict | None:  # fmt: skip
    """Adapt the sentiment to the workspace's ratings if it is due; answer the new record (or
    None when nothing was due). ``tagger`` is the model without adaptation."""
    from classifiers.adapt import adapt_head, agreement, choose_pull, digest

    rows = rated(db, languages_sql, params)
    positive = sum(r[2] for r in rows)
    negative = len(rows) - positive
    previous = record(db)
    if len(rows) < minimum or min(positive, negative) < MIN_EACH:
        wanted = {"status": "waiting", "ratings": len(rows), "positive": positive, "negative": negative,
                  "needed": minimum, "needed_each": MIN_EACH}  # fmt: skip
        if previous != wanted:
            _save_record(db, wanted)
        return None
    if (previous and previous.get("status") in ("active", "not used")
            and previous.get("base_model") == tagger.model_id
            and len(rows) < previous.get("ratings", 0) * RELEARN_GROWTH):  # fmt: skip
        return None
    vectors = tagger.feel_vectors([r[1] for r in rows])
    labels = np.array([r[2] for r in rows])
    held = np.array([_held_out(r[3]) for r in rows])
    if held.all() or not held.any():
        held = np.arange(len(rows)) % HELD_OUT == 0
    fit = ~held
    inner = np.array([_inner(r[3]) for r in rows])[fit]
    if labels[fit].all() or not labels[fit].any() or inner.all() or not inner.any():
        return None
    if labels[fit][~inner].all() or not labels[fit][~inner].any():
        return None
    pull = choose_pull(tagger.sentiment, vectors[fit], labels[fit], inner)
    head = adapt_head(tagger.sentiment, vectors[fit], labels[fit], pull)
    before = agreement(tagger.sentiment, vectors[held], labels[held])
    after = agreement(head, vectors[held], labels[held])
    old, new = tagger.sentiment.probabilities(vectors).argmax(1), head.probabilities(vectors).argmax(1)
    changed = int((old != new).sum())
    value = {
        "status": "active" if after >= before else "not used",
        "ratings": len(rows), "positive": positive, "negative": negative,
        "learned_from": int(fit.sum()), "held_out": int(held.sum()),
        "agreement_before": round(before, 4), "agreement_after": round(after, 4),
        "changed_rated": changed, "pull": pull, "base_model": tagger.model_id, "created_at": utcnow(),
        "retagged": None, "changed": None,
    }  # fmt: skip
    if value["status"] == "not used":
        value["reason"] = "its tags agreed with the held-out ratings less often than the shipped model's"
    else:
        value["digest"] = digest(head)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"ratings-{value['digest']}.npz"
        np.savez(path, weights=head.weights, bias=head.bias)
        value["file"] = str(path)
        if previous and previous.get("file") and previous["file"] != str(path):
            Path(previous["file"]).unlink(missing_ok=True)
    _save_record(db, value)
    return value


def note_retag(db: Database, retagged: int, changed: int) -> None:
    """What the re-tagging after an adaptation changed: how many comments, how many flipped."""
    done = record(db)
    if done and done.get("status") == "active" and done.get("retagged") is None:
        _save_record(db, {**done, "retagged": retagged, "changed": changed})
