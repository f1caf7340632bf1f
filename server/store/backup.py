"""Backups of the workspace while the service runs, and restoring one.

``backup`` copies the store with SQLite's online backup API in one step: the copy is a single
consistent snapshot (a read transaction; writers go on meanwhile, in WAL mode), written to a
temporary file that replaces the target only once it is complete and checked. ``restore`` checks a
backup and copies it back through the same API into the workspace, so the live file, its WAL and
any open reader stay consistent; it refuses while a ``gapwatch serve`` holds the workspace.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from pathlib import Path

from server.errors import Conflict, Invalid


def _check(path: Path) -> int:
    """The number of comments in a Gapwatch store at ``path``; ``Invalid`` saying what is wrong."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise Invalid(f"{path} cannot be opened: {exc}") from None
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise Invalid(f"{path} is damaged: {result}")
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"comments", "_sqlite_migrations"} <= tables:
            raise Invalid(f"{path} is not a Gapwatch workspace (no comments table)")
        return conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise Invalid(f"{path} is not a readable SQLite database: {exc}") from None
    finally:
        conn.close()


def backup(db_path: str | Path, target: str | Path) -> dict:
    """Write a consistent copy of the workspace to ``target``; answer what was written."""
    db_path, target = Path(db_path), Path(target)
    if target.resolve() == db_path.resolve():
        raise Invalid("the backup must go to another file than the workspace itself")
    if target.exists() and target.is_dir():
        raise Invalid(f"{target} is a folder: give a file name")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(str(db_path), timeout=30)
    try:
        dest = sqlite3.connect(str(partial))
        try:
            source.backup(dest)  # all pages in one step: one snapshot
            dest.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
        finally:
            dest.close()
    finally:
        source.close()
    comments = _check(partial)
    os.replace(partial, target)
    return {"path": str(target), "bytes": target.stat().st_size, "comments": comments}


def _served(db_path: Path) -> bool:
    """Whether a ``gapwatch serve`` holds this workspace (its scheduler lock is taken)."""
    lock = Path(f"{db_path}.scheduler.lock")
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def restore(source_path: str | Path, db_path: str | Path, *, force: bool = False) -> dict:
    """Replace the workspace's content by the backup at ``source_path``."""
    source_path, db_path = Path(source_path), Path(db_path)
    if not source_path.is_file():
        raise Invalid(f"no backup file {source_path}")
    comments = _check(source_path)
    if _served(db_path) and not force:
        raise Conflict("a `gapwatch serve` is running on this workspace: stop it first (or use --force)")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(str(db_path), timeout=30)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    from server.store.db import open_db

    open_db(db_path).close()  # back in WAL mode, migrations of a newer Gapwatch applied
    return {"path": str(db_path), "comments": comments}
