"""`gapwatch backup` while the store is being written, and `gapwatch restore` back."""

from __future__ import annotations

import sqlite3
import threading
import time

from server.collect.ingest import Context, ingest
from server.store.db import open_db
from tests.conftest import count


def test_backup_during_writes_then_restore_round_trips(db, db_path, run, tmp_path, monkeypatch):
    ingest(db, [{"text": f"before the backup {i}"} for i in range(500)], Context(origin="api", brand="Acme"))
    stop = threading.Event()
    written = []

    def writer():  # another connection keeps importing while the backup runs
        other = open_db(db_path)
        i = 0
        while not stop.is_set():
            ingest(other, [{"text": f"during the backup {i} {j}"} for j in range(50)],
                   Context(origin="api", brand="Acme"))  # fmt: skip
            written.append(50)
            i += 1
        other.close()

    thread = threading.Thread(target=writer)
    thread.start()
    while not written:  # the writer is busy before the backup starts
        time.sleep(0.01)
    try:
        target = tmp_path / "copies" / "gapwatch-backup.db"
        target.parent.mkdir()
        result = run("backup", str(target))
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output and not (tmp_path / "copies" / "gapwatch-backup.db.partial").exists()
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    in_copy = copy.execute("SELECT count(*) FROM comments").fetchone()[0]
    # a snapshot: whole batches only (every batch is one transaction), full-text index in step
    assert 550 <= in_copy <= 500 + sum(written) and (in_copy - 500) % 50 == 0
    assert copy.execute("SELECT count(*) FROM comments_fts").fetchone()[0] == in_copy
    copy.close()

    # restore into another workspace: the same comments
    other = tmp_path / "restored.db"
    monkeypatch.setenv("GAPWATCH_DB", str(other))
    restored = run("restore", str(target))
    assert restored.exit_code == 0 and f"Restored {in_copy} comments" in restored.output
    back = open_db(other)
    assert count(back) == in_copy and back.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert back.execute("SELECT count(*) FROM users").fetchone()[0] == 3  # accounts come back too


def test_restore_refuses_what_is_not_a_good_backup(run, tmp_path, db):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello, this is not a database at all" * 100)
    result = run("restore", str(junk))
    assert result.exit_code == 1 and "is not a readable SQLite database" in result.output
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("CREATE TABLE t (x)").connection.commit()
    result = run("restore", str(empty))
    assert result.exit_code == 1 and "is not a Gapwatch workspace" in result.output
    assert run("restore", str(tmp_path / "missing.db")).exit_code == 1
    assert count(db) == 0 and db.execute("SELECT count(*) FROM users").fetchone()[0] == 3  # untouched


def test_backup_onto_the_workspace_itself_is_refused(run, db_path, db):
    result = run("backup", str(db_path))
    assert result.exit_code == 1 and "another file than the workspace" in result.output
