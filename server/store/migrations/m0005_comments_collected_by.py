"""Migration 0005: comments collected by (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import migration


@migration
def m0005_comments_collected_by(db: Database) -> None:
    """Who brought a comment in: the API token's name for clips and API posts."""
    db.execute("ALTER TABLE comments ADD COLUMN collected_by TEXT")
