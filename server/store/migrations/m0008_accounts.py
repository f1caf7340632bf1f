"""Migration 0008: accounts (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0008_accounts(db: Database) -> None:
    """Users with roles; API tokens belong to a user (scope ``full`` or ``clip``); failed logins
    are counted for rate limiting. Tokens made before accounts have no user and are refused."""
    _execute_all(
        db,
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
            created_at TEXT NOT NULL,
            disabled_at TEXT,
            last_login_at TEXT
        );
        ALTER TABLE api_tokens ADD COLUMN user_id INTEGER REFERENCES users(id);
        UPDATE api_tokens SET scope = 'full' WHERE scope = 'write';
        CREATE TABLE login_failures (key TEXT NOT NULL, at TEXT NOT NULL);
        CREATE INDEX login_failures_by_key ON login_failures (key, at)
        """,
    )
