"""Migration 0009: themes (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0009_themes(db: Database) -> None:
    """Themes nobody declared (``server.classify.themes``): each run of the clustering, the themes with a
    lasting identity, which comments each holds now, each theme's size per run, and a cache of
    the encoder's vectors (a vector is reused while the model and the text are unchanged)."""
    _execute_all(
        db,
        """
        CREATE TABLE theme_runs (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
            trigger TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            seconds REAL,
            comments INTEGER,
            themed INTEGER,
            themes INTEGER,
            model TEXT,
            fingerprint TEXT,
            error TEXT
        );
        CREATE INDEX theme_runs_by_brand ON theme_runs (brand_id, id);
        CREATE TABLE themes (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('active', 'gone', 'promoted')),
            label TEXT NOT NULL,
            terms TEXT NOT NULL,
            quotes TEXT NOT NULL,
            size INTEGER NOT NULL,
            centroid BLOB NOT NULL,
            first_run INTEGER NOT NULL REFERENCES theme_runs(id),
            last_run INTEGER NOT NULL REFERENCES theme_runs(id),
            attribute TEXT,
            promoted_by TEXT,
            promoted_at TEXT
        );
        CREATE INDEX themes_by_brand ON themes (brand_id, status);
        CREATE TABLE theme_members (
            theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
            similarity REAL NOT NULL,
            PRIMARY KEY (theme_id, comment_id)
        ) WITHOUT ROWID;
        CREATE INDEX theme_members_by_comment ON theme_members (comment_id);
        CREATE TABLE theme_sizes (
            run_id INTEGER NOT NULL REFERENCES theme_runs(id) ON DELETE CASCADE,
            theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            size INTEGER NOT NULL,
            PRIMARY KEY (run_id, theme_id)
        ) WITHOUT ROWID;
        CREATE TABLE embeddings (
            comment_id INTEGER PRIMARY KEY REFERENCES comments(id) ON DELETE CASCADE,
            model TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            vector BLOB NOT NULL
        )
        """,
    )
