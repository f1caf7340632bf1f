"""Human corrections of a comment's tags: they replace the model's attributes and/or sentiment
everywhere (figures, evidence, exports) and become training examples (``gapwatch train``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlite_utils import Database

from .db import utcnow, write_transaction
from .errors import Invalid, NotFound
from .taxonomy import current_attributes

SENTIMENTS = ("positive", "neutral", "negative")
_UNSET = object()


def correct(
    db: Database,
    comment_id: int,
    *,
    attributes: Sequence[str] | None | object = _UNSET,
    sentiment: str | None | object = _UNSET,
    by: str | None = None,
) -> dict:
    """Record what the comment really says. ``attributes`` (a list, possibly empty: "none of
    them") and ``sentiment`` replace the model's; one left out keeps the earlier correction's
    value, or the model's when there is none. Answers the comment's correction."""
    if attributes is _UNSET and sentiment is _UNSET:
        raise Invalid("say what to correct: attributes, sentiment or both")
    if not db.execute("SELECT 1 FROM comments WHERE id = ?", [comment_id]).fetchone():
        raise NotFound(f"no comment with id {comment_id}")
    row = db.execute(
        "SELECT attributes, sentiment FROM corrections WHERE comment_id = ?", [comment_id]
    ).fetchone()
    stored_attributes, stored_sentiment = row if row else (None, None)
    if attributes is not _UNSET:
        stored_attributes = None if attributes is None else json.dumps(_check_attributes(db, attributes))
    if sentiment is not _UNSET:
        if sentiment is not None and sentiment not in SENTIMENTS:
            raise Invalid(f"sentiment must be one of {', '.join(SENTIMENTS)}, not {str(sentiment)[:40]!r}")
        stored_sentiment = sentiment
    with write_transaction(db):
        if stored_attributes is None and stored_sentiment is None:
            db.execute("DELETE FROM corrections WHERE comment_id = ?", [comment_id])
        else:
            db["corrections"].upsert(
                {
                    "comment_id": comment_id,
                    "attributes": stored_attributes,
                    "sentiment": stored_sentiment,
                    "corrected_by": by,
                    "created_at": utcnow(),
                },
                pk="comment_id",
            )
    return get_correction(db, comment_id)


def remove_correction(db: Database, comment_id: int) -> None:
    """Go back to the model's tags for this comment."""
    if not db.execute("SELECT 1 FROM comments WHERE id = ?", [comment_id]).fetchone():
        raise NotFound(f"no comment with id {comment_id}")
    with write_transaction(db):
        db.execute("DELETE FROM corrections WHERE comment_id = ?", [comment_id])


def get_correction(db: Database, comment_id: int) -> dict:
    row = db.execute(
        "SELECT attributes, sentiment, corrected_by, created_at FROM corrections WHERE comment_id = ?",
        [comment_id],
    ).fetchone()
    if row is None:
        return {"comment_id": comment_id, "corrected": False}
    return {
        "comment_id": comment_id,
        "corrected": True,
        "attributes": None if row[0] is None else json.loads(row[0]),
        "sentiment": row[1],
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
