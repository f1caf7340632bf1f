"""Migration 0017: notify channels (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0017_notify_channels(db: Database) -> None:
    """Where alerts and the weekly digest go, set by admins in the browser (``server.tell.channels``):
    a Slack or Microsoft Teams incoming webhook, a generic webhook, or email addresses."""
    _execute_all(
        db,
        """
        CREATE TABLE notify_channels (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('slack', 'teams', 'webhook', 'email')),
            name TEXT NOT NULL,
            target TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            tested_at TEXT,
            test_result TEXT
        )
        """,
    )
