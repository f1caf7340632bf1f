"""Migration 0013: sessions (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0013_sessions(db: Database) -> None:
    """Logins kept on the server (``server.people.accounts``): the cookie carries a random id whose hash is
    a row here, so logout, a password change, disabling and "sign out everywhere" end it. Users get
    ``username_key``, the name as logins compare it (NFKC, case-folded), unique."""

    _execute_all(
        db,
        """
        CREATE TABLE sessions (
            id_hash TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            address TEXT
        );
        CREATE INDEX sessions_by_user ON sessions (user_id);
        ALTER TABLE users ADD COLUMN username_key TEXT
        """,
    )
    for user_id, name in db.execute("SELECT id, username FROM users").fetchall():
        db.execute("UPDATE users SET username_key = ? WHERE id = ?", [username_key(name), user_id])
    db.execute("CREATE UNIQUE INDEX users_by_key ON users (username_key)")
    db.execute("DELETE FROM login_failures")  # their keys change from name|address to the account


def username_key(name: str) -> str:
    """``server.people.accounts.username_key`` as it was when this migration was written (a migration
    must not change when the code after it does): NFKC, case-folded, NFKC again."""
    import unicodedata

    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold())
