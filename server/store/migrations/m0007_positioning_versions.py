"""Migration 0007: positioning versions (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0007_positioning_versions(db: Database) -> None:
    """Every declared positioning is kept: ``positioning`` holds the current weights,
    ``positioning_versions`` each saved version (weights, statement, note, when, by whom)."""
    _execute_all(
        db,
        """
        CREATE TABLE positioning_versions (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            version INTEGER NOT NULL,
            weights TEXT NOT NULL,
            statement TEXT,
            note TEXT,
            saved_by TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (brand_id, version)
        );
        ALTER TABLE taxonomy_versions ADD COLUMN saved_by TEXT
        """,
    )
    rows = db.execute(
        "SELECT b.id, b.positioning_statement, json_group_object(p.attribute, p.weight), b.created_at "
        "FROM brands b JOIN positioning p ON p.brand_id = b.id GROUP BY b.id"
    ).fetchall()
    for brand_id, statement, weights, created in rows:
        db.execute(
            "INSERT INTO positioning_versions (brand_id, version, weights, statement, note, created_at) "
            "VALUES (?, 1, ?, ?, 'positioning before versions were kept', ?)",
            [brand_id, weights, statement, created],
        )
