"""Migration 0010: review (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0010_review(db: Database) -> None:
    """The review queues (``server.measure.audit``): comments drawn for people to label, either at random
    within strata (brand x the model's leading attribute, or none) to measure the classifier, or
    the least certain ones to teach it. A label itself is a correction; an item records its queue,
    stratum and the stratum's size when drawn (the audit's weights), and whether it was labelled
    or skipped, by whom and when."""
    _execute_all(
        db,
        """
        CREATE TABLE review_items (
            id INTEGER PRIMARY KEY,
            comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
            queue TEXT NOT NULL CHECK (queue IN ('random', 'uncertain')),
            stratum TEXT NOT NULL,
            stratum_size INTEGER NOT NULL,
            model TEXT NOT NULL,
            drawn_at TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'labelled', 'skipped')),
            done_at TEXT,
            done_by TEXT,
            UNIQUE (comment_id, queue)
        );
        CREATE INDEX review_items_open ON review_items (queue, status, id)
        """,
    )
