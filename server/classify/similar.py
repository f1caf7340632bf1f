"""Corrections that scale: the comments most like a corrected one, shown, then corrected the same
way in one go (the evidence list's "apply to similar comments").

Similarity is the cosine of the current model's encoder vectors (the same vectors themes use,
cached in ``embeddings``). The pool is the same brand's comments of the same kind, the
``POOL`` most recent, without those a person already corrected: a person's word is never
overwritten by a neighbour's.
"""

from __future__ import annotations

import json

import numpy as np
from sqlite_utils import Database

from server.errors import Invalid, NotFound
from server.params import LARGEST, whole_number
from server.store.comments import comments_by_ids

POOL = 3000  # most recent comments of the brand searched for neighbours
MAX_SIMILAR = 50


def _source(db: Database, comment_id: int) -> dict:
    row = db.execute(
        "SELECT c.id, c.brand_id, c.kind, c.text, c.content_hash, cr.attributes, cr.sentiment, "
        "cr.attribute_sentiment FROM comments c LEFT JOIN corrections cr ON cr.comment_id = c.id "
        "WHERE c.id = ?",
        [comment_id],
    ).fetchone()
    if row is None:
        raise NotFound(f"no comment with id {comment_id}")
    keys = (
        "id",
        "brand_id",
        "kind",
        "text",
        "content_hash",
        "attributes",
        "sentiment",
        "attribute_sentiment",
    )
    source = dict(zip(keys, row, strict=True))
    if source["attributes"] is None and source["sentiment"] is None and source["attribute_sentiment"] is None:
        raise Invalid(
            f"comment {comment_id} has no correction yet: correct it first, then apply it to similar ones"
        )
    return source


def correction_of(source: dict) -> dict:
    """What applying ``source``'s correction sets on another comment."""
    return {
        "attributes": None if source["attributes"] is None else json.loads(source["attributes"]),
        "sentiment": source["sentiment"],
        "attribute_sentiment": json.loads(source["attribute_sentiment"])
        if source["attribute_sentiment"]
        else None,
    }


def similar(db: Database, comment_id: int, encoder, *, n: int = 10) -> dict:
    """The ``n`` comments most like a corrected comment, with their current tags and similarity."""
    from server.classify.themes import embed_comments

    if not 1 <= n <= MAX_SIMILAR:
        raise Invalid(f"n must be between 1 and {MAX_SIMILAR}, not {n}")
    source = _source(db, comment_id)
    pool = db.execute(
        "SELECT c.id, c.text, c.content_hash FROM comments c "
        "WHERE c.brand_id = ? AND c.kind = ? AND c.id != ? "
        "AND c.id NOT IN (SELECT comment_id FROM corrections) "
        "ORDER BY coalesce(c.published_at, c.collected_at) DESC, c.id DESC LIMIT ?",
        [source["brand_id"], source["kind"], comment_id, POOL],
    ).fetchall()
    found: list[dict] = []
    if pool:
        rows = [(source["id"], source["text"], source["content_hash"]), *pool]
        vectors = embed_comments(db, rows, encoder)
        scores = vectors[1:] @ vectors[0]
        order = np.argsort(-scores, kind="stable")[:n]
        ids = [pool[i][0] for i in order]
        by_id = {c["id"]: c for c in comments_by_ids(db, ids)}
        for i in order:
            comment = by_id[pool[i][0]]
            found.append({**comment, "similarity": round(float(scores[i]), 3)})
    return {"comment": comments_by_ids(db, [comment_id])[0], "correction": correction_of(source),
            "similar": found, "pool": len(pool)}  # fmt: skip


def parse_n(raw: str | None) -> int:
    """How many neighbours a request asks for (``n``: 1–50, default 10)."""
    n = 10 if raw in (None, "") else whole_number(raw)
    if n is None or not 1 <= n <= MAX_SIMILAR:
        raise Invalid(f"n must be a whole number between 1 and {MAX_SIMILAR}, not {str(raw)[:24]!r}")
    return n


def apply(db: Database, comment_id: int, ids: list[int], *, by: str | None) -> dict:
    """Give each of ``ids`` the correction of ``comment_id``, all in one transaction or none."""
    from server.classify.corrections import correct_many

    source = _source(db, comment_id)
    if (
        not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= LARGEST for i in ids)
    ):
        raise Invalid("ids must be a non-empty list of comment ids")
    if len(ids) > MAX_SIMILAR:
        raise Invalid(f"at most {MAX_SIMILAR} comments at a time, not {len(ids)}")
    fix = correction_of(source)
    done = correct_many(db, [i for i in ids if i != comment_id], by=by, **fix)
    return {"applied": len(done), "ids": done, "correction": fix}
