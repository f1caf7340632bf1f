"""Human corrections of a comment's tags: they replace the model's attributes and/or sentiment
everywhere (figures, evidence, exports) and become training examples (``gapwatch train``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlite_utils import Database

from server.classify.taxonomy import current_attributes
from server.errors import Invalid, NotFound
from server.store.db import utcnow, write_transaction

SENTIMENTS = ("positive", "neutral", "negative")
_UNSET = object()


def correct(
    db: Database,
    comment_id: int,
    *,
    attributes: Sequence[str] | None | object = _UNSET,
    sentiment: str | None | object = _UNSET,
    attribute_sentiment: dict | None | object = _UNSET,
    by: str | None = None,
) -> dict:
    """Record what the comment really says. ``attributes`` (a list, possibly empty: "none of
    them") and ``sentiment`` replace the model's; one left out keeps the earlier correction's
    value, or the model's when there is none. Answers the comment's correction."""
    if attributes is _UNSET and sentiment is _UNSET and attribute_sentiment is _UNSET:
        raise Invalid("say what to correct: attributes, sentiment, the sentiment per attribute, or several")
    if not db.execute("SELECT 1 FROM comments WHERE id = ?", [comment_id]).fetchone():
        raise NotFound(f"no comment with id {comment_id}")
    row = db.execute(
        "SELECT attributes, sentiment, attribute_sentiment FROM corrections WHERE comment_id = ?",
        [comment_id],
    ).fetchone()
    stored_attributes, stored_sentiment, stored_feelings = row if row else (None, None, None)
    if attribute_sentiment is not _UNSET:
        stored_feelings = _check_feelings(db, attribute_sentiment)
    if attributes is not _UNSET:
        stored_attributes = None if attributes is None else json.dumps(_check_attributes(db, attributes))
    if sentiment is not _UNSET:
        if sentiment is not None and sentiment not in SENTIMENTS:
            raise Invalid(f"sentiment must be one of {', '.join(SENTIMENTS)}, not {str(sentiment)[:40]!r}")
        stored_sentiment = sentiment
    with write_transaction(db):
        if stored_attributes is None and stored_sentiment is None and stored_feelings is None:
            db.execute("DELETE FROM corrections WHERE comment_id = ?", [comment_id])
        else:
            db["corrections"].upsert(
                {
                    "comment_id": comment_id,
                    "attributes": stored_attributes,
                    "sentiment": stored_sentiment,
                    "attribute_sentiment": stored_feelings,
                    "corrected_by": by,
                    "created_at": utcnow(),
                },
                pk="comment_id",
            )
    return get_correction(db, comment_id)


def correct_many(
    db: Database,
    comment_ids: Sequence[int],
    *,
    attributes: Sequence[str] | None,
    sentiment: str | None,
    attribute_sentiment: dict | None,
    by: str | None = None,
) -> list[int]:
    """Give every comment of ``comment_ids`` the same whole correction (it replaces any earlier
    one), all in one transaction or none: an unknown id is refused before anything is written.
    Answers the ids corrected, in order."""
    wanted = sorted(set(comment_ids))
    if not wanted:
        return []
    marks = ", ".join("?" * len(wanted))
    known = {r[0] for r in db.execute(f"SELECT id FROM comments WHERE id IN ({marks})", wanted)}
    missing = [i for i in wanted if i not in known]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise NotFound(f"no comment with id {missing[0]}{more}")
    stored_attributes = None if attributes is None else json.dumps(_check_attributes(db, attributes))
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise Invalid(f"sentiment must be one of {', '.join(SENTIMENTS)}, not {str(sentiment)[:40]!r}")
    feelings = _check_feelings(db, attribute_sentiment)
    now = utcnow()
    with write_transaction(db):
        db.conn.executemany(
            "INSERT OR REPLACE INTO corrections (comment_id, attributes, sentiment, attribute_sentiment, "
            "corrected_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [(i, stored_attributes, sentiment, feelings, by, now) for i in wanted],
        )
    return wanted


def _check_feelings(db: Database, feelings: object) -> str | None:
    """``{attribute: sentiment}`` checked against the taxonomy, as stored (None: no such part)."""
    if feelings is None:
        return None
    if not isinstance(feelings, dict):
        raise Invalid('attribute_sentiment must be an object like {"price": "negative"}')
    known = {a["key"] for a in current_attributes(db)}
    clean = {}
    for key, feeling in feelings.items():
        if key not in known:
            raise Invalid(f"unknown attribute {str(key)[:40]!r} in attribute_sentiment")
        if feeling not in SENTIMENTS:
            choices = ", ".join(SENTIMENTS)
            raise Invalid(f"the sentiment for {key} must be one of {choices}, not {str(feeling)[:40]!r}")
        clean[key] = feeling
    return json.dumps(clean, sort_keys=True) if clean else None


def remove_correction(db: Database, comment_id: int) -> None:
    """Go back to the model's tags for this comment."""
    if not db.execute("SELECT 1 FROM comments WHERE id = ?", [comment_id]).fetchone():
        raise NotFound(f"no comment with id {comment_id}")
    with write_transaction(db):
        db.execute("DELETE FROM corrections WHERE comment_id = ?", [comment_id])


def get_correction(db: Database, comment_id: int) -> dict:
    row = db.execute(
        "SELECT attributes, sentiment, corrected_by, created_at, attribute_sentiment FROM corrections "
        "WHERE comment_id = ?",
        [comment_id],
    ).fetchone()
    if row is None:
        return {"comment_id": comment_id, "corrected": False}
    return {
        "comment_id": comment_id,
        "corrected": True,
        "attributes": None if row[0] is None else json.loads(row[0]),
        "sentiment": row[1],
        "attribute_sentiment": json.loads(row[4]) if row[4] else {},
        "corrected_by": row[2],
        "corrected_at": row[3],
    }


def _check_attributes(db: Database, attributes: object) -> list[str]:
    if isinstance(attributes, str) or not isinstance(attributes, (list, tuple)):
        raise Invalid("attributes must be a list of attribute keys (empty for none)")
    known = [a["key"] for a in current_attributes(db)]
    unknown = sorted({str(a) for a in attributes} - set(known))
    if unknown:
        raise Invalid(f"unknown attribute(s) {', '.join(unknown)} (known: {', '.join(known)})")
    return [a for a in known if a in set(attributes)]  # taxonomy order, no repeats
