"""The workspace store: one SQLite file in WAL mode, opened through sqlite-utils."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from server.store import migrations


def utcnow() -> str:
    """The current time as stored everywhere: ISO 8601, UTC, second precision, ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_db(path: str | Path, *, migrate: bool = True) -> Database:
    """Open (and create, and bring up to date) the workspace at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
    db = Database(conn)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    if db.journal_mode != "wal":
        db.enable_wal()
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -32000")  # 32 MB: index inserts stay in memory
    # Checkpoint every ~40 MB of WAL instead of ~4 MB: each checkpoint syncs the disk, and
    # frequent ones halved bulk-import speed (bench/ingest.py). The WAL is cut back after.
    conn.execute("PRAGMA wal_autocheckpoint = 10000")
    conn.execute("PRAGMA journal_size_limit = 67108864")
    if migrate:
        migrations.apply(db)
    return db


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction that takes the write lock up front and commits all or nothing.

    Taking the lock first matters in WAL mode: a transaction that read before it writes cannot
    wait for another writer (SQLite answers "database is locked" at once), one begun IMMEDIATE
    waits up to the busy timeout. Inside a transaction already open it is a savepoint of it."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


QUERY_INTERRUPTED = "interrupted"  # what SQLite says when a query's time budget ran out


def time_budget(seconds: float):
    """A progress handler that stops the connection's statements once ``seconds`` have passed
    (SQLite then raises OperationalError 'interrupted', which the app answers with 503)."""
    deadline = time.monotonic() + seconds
    return lambda: 1 if time.monotonic() > deadline else 0


def workspace_secret(path: str | Path) -> str:
    """The workspace's own signing key (made once, kept in ``meta``), used when no
    GAPWATCH_SECRET_KEY is set: logins survive a restart and hold across serve processes."""
    import secrets

    db = open_db(path)
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'secret_key'").fetchone()
        if row:
            return row[0]
        with write_transaction(db):
            db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('secret_key', ?)", [secrets.token_hex(32)]
            )
        return db.execute("SELECT value FROM meta WHERE key = 'secret_key'").fetchone()[0]
    finally:
        db.close()
