"""Migration 0014: languages (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0014_languages(db: Database) -> None:
    """Each comment's detected language (``server.classify.languages``): NULL until detected (the
    classifier job detects the comments stored before), ``und`` when it cannot be told."""
    _execute_all(
        db,
        """
        ALTER TABLE comments ADD COLUMN detected_language TEXT;
        CREATE INDEX comments_by_detected_language ON comments (detected_language)
        """,
    )
