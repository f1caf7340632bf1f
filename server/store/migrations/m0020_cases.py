"""Migration 0020: cases (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0020_cases(db: Database) -> None:
    """Cases (``server.tell.cases``): a person's claim, the testable statement it stands for (JSON, built
    with a form), its owner and state, the latest test; and its history (opened, tested, verdict
    changed, state and owner changes, people's comments)."""
    _execute_all(
        db,
        """
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            claim TEXT NOT NULL,
            statement TEXT NOT NULL,
            origin TEXT NOT NULL DEFAULT '{}',
            state TEXT NOT NULL CHECK (state IN ('open', 'tested', 'acknowledged', 'acting', 'resolved',
                                                 'dismissed')),
            owner TEXT,
            reason TEXT,
            verdict TEXT CHECK (verdict IN ('supported', 'not supported', 'not enough data')),
            result TEXT,
            tested_version TEXT,
            tested_at TEXT,
            created_by TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX cases_by_state ON cases (state, id);
        CREATE TABLE case_events (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
            at TEXT NOT NULL,
            by TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('opened', 'tested', 'verdict', 'state', 'owner', 'comment')),
            text TEXT NOT NULL
        );
        CREATE INDEX case_events_by_case ON case_events (case_id, id)
        """,
    )
