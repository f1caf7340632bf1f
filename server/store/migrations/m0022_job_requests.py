"""Migration 0022: job requests (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0022_job_requests(db: Database) -> None:
    """One table for background work asked for (``server.store.job_requests``), which replaces
    ``sources.run_requested_at`` and the ``themes_request:<brand id>`` keys of ``meta``; the
    requests waiting in them move over."""
    _execute_all(
        db,
        """
        CREATE TABLE job_requests (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('crawl', 'themes', 'classify')),
            subject TEXT NOT NULL DEFAULT '',
            requested_at TEXT NOT NULL,
            requested_by TEXT,
            UNIQUE (kind, subject)
        );
        INSERT INTO job_requests (kind, subject, requested_at)
            SELECT 'crawl', CAST(id AS TEXT), run_requested_at FROM sources
            WHERE run_requested_at IS NOT NULL ORDER BY run_requested_at;
        INSERT OR IGNORE INTO job_requests (kind, subject, requested_at)
            SELECT 'themes', substr(key, length('themes_request:') + 1), value FROM meta
            WHERE key LIKE 'themes_request:%';
        DELETE FROM meta WHERE key LIKE 'themes_request:%';
        ALTER TABLE sources DROP COLUMN run_requested_at;
        """,
    )
