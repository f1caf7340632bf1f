"""Migration 0015: training runs (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0015_training_runs(db: Database) -> None:
    """Retraining asked for from the audit page (``server.jobs.training``): a background run, its
    progress, the new model's audit next to the old one's, and whether it became active."""
    _execute_all(
        db,
        """
        CREATE TABLE training_runs (
            id INTEGER PRIMARY KEY,
            status TEXT NOT NULL CHECK (status IN
                ('queued', 'running', 'ready', 'failed', 'activated', 'discarded')),
            requested_by TEXT NOT NULL,
            requested_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            stage TEXT,
            progress REAL NOT NULL DEFAULT 0,
            examples INTEGER,
            kind TEXT,
            folder TEXT,
            model TEXT,
            audit_before TEXT,
            audit_after TEXT,
            error TEXT,
            decided_by TEXT,
            decided_at TEXT
        );
        CREATE INDEX training_runs_by_status ON training_runs (status)
        """,
    )
