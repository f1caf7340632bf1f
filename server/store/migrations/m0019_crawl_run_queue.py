"""Migration 0019: crawl run queue (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0019_crawl_run_queue(db: Database) -> None:
    """Where a run was put for workers (``server.collect.crawlqueue``; the Redis address, no password);
    NULL: it runs in a child process of the service."""
    _execute_all(db, "ALTER TABLE crawl_runs ADD COLUMN queue TEXT")
