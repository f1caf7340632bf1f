"""Migration 0018: person notify (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0018_person_notify(db: Database) -> None:
    """What each person chooses to get by email: alerts of which brands, and the weekly digest
    (``server.tell.channels``; sent through the SMTP server the admins set)."""
    _execute_all(
        db,
        """
        CREATE TABLE person_notify (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            email TEXT NOT NULL,
            brands TEXT NOT NULL DEFAULT '[]',
            digest INTEGER NOT NULL DEFAULT 0 CHECK (digest IN (0, 1)),
            updated_at TEXT NOT NULL
        )
        """,
    )
