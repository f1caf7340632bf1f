"""Migration 0004: crawl runs detail (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0004_crawl_runs_detail(db: Database) -> None:
    """Sources get a name and a page limit; runs record pages, skipped items, every error, the
    process that runs them and what started them; one-off crawls (``gapwatch crawl``) keep
    their source record out of the schedule."""
    _execute_all(
        db,
        """
        ALTER TABLE sources ADD COLUMN name TEXT;
        ALTER TABLE sources ADD COLUMN max_pages INTEGER;
        ALTER TABLE sources ADD COLUMN one_off INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sources ADD COLUMN run_requested_at TEXT;
        ALTER TABLE crawl_runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'schedule';
        ALTER TABLE crawl_runs ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN skipped_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN errors TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE crawl_runs ADD COLUMN error_count INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE crawl_runs ADD COLUMN pid INTEGER;
        CREATE INDEX crawl_runs_by_source ON crawl_runs (source_id, started_at);
        CREATE UNIQUE INDEX one_running_crawl_per_source ON crawl_runs (source_id) WHERE status = 'running'
        """,
    )
