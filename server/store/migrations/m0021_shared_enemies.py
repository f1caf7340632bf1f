"""Migration 0021: shared enemies (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0021_shared_enemies(db: Database) -> None:
    """Shared enemies (``server.tell.enemies``): a customer problem (an attribute's complaints, or a
    theme's) with a name, a target for its rate, an owner on each side, active or retired."""
    _execute_all(
        db,
        """
        CREATE TABLE shared_enemies (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            attribute TEXT,
            theme_id INTEGER REFERENCES themes(id) ON DELETE SET NULL,
            target REAL NOT NULL CHECK (target >= 0 AND target <= 1),
            commercial_owner TEXT NOT NULL,
            technical_owner TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
            named_at TEXT NOT NULL,
            named_by TEXT,
            retired_at TEXT,
            retired_by TEXT,
            retired_reason TEXT
        )
        """,
    )
