"""Migration 0011: audit snapshots (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0011_audit_snapshots(db: Database) -> None:
    """The audit as it stood each time its labels or the model's tags changed (``server.measure.drift``):
    per attribute F1 and sentiment accuracy with their intervals, so a fall can be noticed after
    a new model or new labels."""
    _execute_all(
        db,
        """
        CREATE TABLE audit_snapshots (
            id INTEGER PRIMARY KEY,
            taken_at TEXT NOT NULL,
            model TEXT NOT NULL,
            labelled INTEGER NOT NULL,
            digest TEXT NOT NULL,
            figures TEXT NOT NULL
        )
        """,
    )
