"""Migration 0016: correction attribute sentiment (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0016_correction_attribute_sentiment(db: Database) -> None:
    """A person's sentiment per attribute in a correction (JSON ``{attribute: sentiment}``): "the
    price is bad, support is great" in one comment."""
    _execute_all(db, "ALTER TABLE corrections ADD COLUMN attribute_sentiment TEXT")
