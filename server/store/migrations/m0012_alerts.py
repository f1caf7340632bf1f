"""Migration 0012: alerts (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0012_alerts(db: Database) -> None:
    """Early warning (``server.tell.alerts``): rules per brand with their parameters, the alerts they
    raised (read or not, and how each was delivered), and the conditions that hold now, so one
    condition raises one alert until it changes."""
    _execute_all(
        db,
        """
        CREATE TABLE alert_rules (
            id INTEGER PRIMARY KEY,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            enabled INTEGER NOT NULL DEFAULT 1,
            params TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL,
            updated_by TEXT,
            UNIQUE (brand_id, kind)
        );
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            rule_id INTEGER REFERENCES alert_rules(id) ON DELETE SET NULL,
            brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            state TEXT NOT NULL,
            title TEXT NOT NULL,
            message TEXT NOT NULL,
            figures TEXT NOT NULL DEFAULT '{}',
            link TEXT,
            created_at TEXT NOT NULL,
            read_at TEXT,
            read_by TEXT,
            deliveries TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX alerts_unread ON alerts (read_at, id);
        CREATE TABLE alert_conditions (
            rule_id INTEGER NOT NULL REFERENCES alert_rules(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            state TEXT NOT NULL,
            since TEXT NOT NULL,
            alert_id INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
            PRIMARY KEY (rule_id, key)
        )
        """,
    )
