"""Faults: a store locked by another process, and the server killed during a bulk import."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from server import create_app
from server.store.db import open_db
from tests.conftest import count, log_in

GAPWATCH = Path(sys.executable).with_name("gapwatch")


def test_a_locked_store_answers_503_with_the_reason_then_recovers(db, db_path, token):
    app = create_app({"DB": str(db_path), "BUSY_TIMEOUT": 0.3})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing, for a long while
    try:
        response = client.post(
            "/api/comments", json=[{"text": "while locked", "brand": "Acme"}], headers=auth
        )
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert "the store is busy" in response.get_json()["error"]
        assert "Nothing was changed" in response.get_json()["error"]
        assert client.get("/api/comments", headers=auth).status_code == 200  # reading goes on (WAL)
        browser = app.test_client()
        log_in(browser, "ed")  # logging in writes too: the page says why it cannot
        page = browser.get("/overview")
        assert page.status_code in (200, 302, 503)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    response = client.post("/api/comments", json=[{"text": "after the lock", "brand": "Acme"}], headers=auth)
    assert response.status_code == 200 and response.get_json()["counts"]["new"] == 1
    assert [r[0] for r in db.execute("SELECT text FROM comments")] == ["after the lock"]


def _serve(db_path: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "GAPWATCH_DB": str(db_path), "GAPWATCH_SCHEDULER": "0"}
    proc = subprocess.Popen([GAPWATCH, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("gapwatch serve did not start")


def test_kill_9_during_a_bulk_import_loses_no_acknowledged_comment(db, db_path, token):
    from tests.served import free_port

    port = free_port()
    server = _serve(db_path, port)
    acknowledged: list[str] = []
    stop = threading.Event()

    def importer():
        batch = 0
        while not stop.is_set():
            texts = [f"bulk {batch} comment {i}" for i in range(200)]
            body = json.dumps([{"text": t, "brand": "Acme"} for t in texts]).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/comments", data=body, method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            )  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    if response.status == 200:
                        acknowledged.extend(texts)
            except (OSError, urllib.error.URLError):
                return  # the server is gone
            batch += 1

    thread = threading.Thread(target=importer)
    thread.start()
    while len(acknowledged) < 2000:
        time.sleep(0.01)
    server.send_signal(signal.SIGKILL)
    server.wait(10)
    stop.set()
    thread.join(20)

    restarted = _serve(db_path, port)  # the store opens again after the crash
    restarted.terminate()
    restarted.wait(10)
    check = open_db(db_path)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {r[0] for r in check.execute("SELECT text FROM comments")}
    assert set(acknowledged) <= stored  # every acknowledged comment is there
    assert len(stored) % 200 == 0  # and only whole batches: nothing half-written
    assert check.execute("SELECT count(*) FROM comments_fts").fetchone()[0] == count(check)
    check.close()


def test_a_damaged_model_is_refused_and_the_pages_still_serve(db, db_path, run, tmp_path):
    from server.classify.tagging import ACTIVE_MODEL_KEY

    folder = tmp_path / "models" / "2026-01-01T00-00-00"
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text('{"info": {"kind": "logistic"', encoding="utf-8")  # cut off
    (folder / "heads.npz").write_bytes(b"\x00garbage" * 64)
    with db.atomic():
        db["meta"].upsert({"key": ACTIVE_MODEL_KEY, "value": str(folder)}, pk="key")
    from server.collect.ingest import Context, ingest

    ingest(db, [{"text": "Sync never fails."}], Context(origin="api", brand="Acme"))
    result = run("classify")
    assert result.exit_code == 1 and "is damaged and was not used" in result.output
    assert "retrain with `gapwatch train`" in result.output
    assert db.execute("SELECT count(*) FROM tags").fetchone()[0] == 0  # nothing tagged with it
    client = create_app({"DB": str(db_path)}).test_client()
    log_in(client, "vi")
    for path in ("/overview", "/comments", "/competitors"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/health").get_json()["status"] == "ok"


def test_a_taxonomy_save_waits_for_another_writer_instead_of_failing(db, db_path):
    """WAL: a save whose transaction read first could not wait for a writer that committed
    meanwhile ("database is locked" at once); one that takes the write lock first waits."""
    import threading

    from server.classify.taxonomy import current_attributes, current_version, save_taxonomy
    from server.store.db import open_db

    other = open_db(db_path, migrate=False)
    other.conn.execute("BEGIN IMMEDIATE")
    other.conn.execute("INSERT INTO meta (key, value) VALUES ('writer', 'busy')")
    release = threading.Timer(1.0, other.conn.commit)
    release.start()
    try:
        version = save_taxonomy(db, current_attributes(db), note="while another process writes")
    finally:
        release.join()
        other.close()
    assert version == current_version(db) == 2
