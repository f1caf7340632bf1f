"""Crawl runs: what each crawl did, its health in words, and the runs whose process died."""

from __future__ import annotations

import json
import os
import re
import sqlite3

from sqlite_utils import Database

from server.collect.crawls.sources import get_source
from server.errors import Conflict, NotFound
from server.store.db import utcnow, write_transaction

_RUN_COLUMNS = (
    "id, source_id, trigger, status, started_at, finished_at, pages, new_count, duplicate_count, "
    "rejected_count, skipped_count, error_count, errors, pid, queue"
)


# --- runs -------------------------------------------------------------------------------------


def start_run(db: Database, source_id: int, trigger: str) -> int:
    """Record a new ``running`` run; ``Conflict`` if the source is already being crawled."""
    get_source(db, source_id)
    try:
        with write_transaction(db):
            cursor = db.execute(
                "INSERT INTO crawl_runs (source_id, started_at, status, trigger) VALUES (?, ?, 'running', ?)",
                [source_id, utcnow(), trigger],
            )
    except sqlite3.IntegrityError:
        running = db.execute(
            "SELECT id FROM crawl_runs WHERE source_id = ? AND status = 'running'", [source_id]
        ).fetchone()
        raise Conflict(
            f"source {source_id} is already being crawled (run {running[0] if running else '?'})"
        ) from None
    return cursor.lastrowid


def finish_run(db: Database, run_id: int, result: dict) -> None:
    """Write a run's outcome in one statement; counts not given are taken from the store."""
    new = result["new"] if "new" in result else _stored_counts(db, run_id)
    errors = list(result.get("errors") or [])
    with write_transaction(db):
        db.execute(
            "UPDATE crawl_runs SET status = ?, finished_at = ?, pages = ?, new_count = ?, "
            "duplicate_count = ?, rejected_count = ?, skipped_count = ?, errors = ?, error_count = ?, "
            "error = ?, pid = NULL WHERE id = ? AND status = 'running'",
            [
                result.get("status", "failed"),
                utcnow(),
                result.get("pages", 0),
                new,
                result.get("duplicates", 0),
                result.get("rejected", 0),
                result.get("skipped", 0),
                json.dumps(errors),
                result.get("error_count", len(errors)),
                errors[0] if errors else None,
                run_id,
            ],
        )


def _stored_counts(db: Database, run_id: int) -> int:
    return db.execute("SELECT count(*) FROM comments WHERE run_id = ?", [run_id]).fetchone()[0]


def source_of_run(db: Database, run_id: int) -> dict:
    row = db.execute("SELECT source_id FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
    if row is None:
        raise NotFound(f"no crawl run {run_id}")
    return get_source(db, row[0])


def get_run(db: Database, run_id: int) -> dict:
    cursor = db.execute(f"SELECT {_RUN_COLUMNS} FROM crawl_runs WHERE id = ?", [run_id])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"no crawl run {run_id}")
    return _run_row(row, [d[0] for d in cursor.description])


def list_runs(db: Database, *, source_id: int | None = None, limit: int = 50) -> list[dict]:
    where, args = ("WHERE source_id = ?", [source_id]) if source_id is not None else ("", [])
    cursor = db.execute(
        f"SELECT {_RUN_COLUMNS} FROM crawl_runs {where} ORDER BY id DESC LIMIT ?", [*args, limit]
    )
    names = [d[0] for d in cursor.description]
    return [_run_row(row, names) for row in cursor.fetchall()]


def _run_row(row: tuple, names: list[str]) -> dict:
    run = dict(zip(names, row, strict=True))
    run["errors"] = json.loads(run["errors"] or "[]")
    return run


_IN_WORDS = [  # (pattern in the crawler's message, what it means for the person who added the source)
    (r"DNS lookup failed|no results for hostname|getaddrinfo|not known|could not be resolved",
     "the site's address could not be found: check its spelling"),
    (r"robots\.txt", "the site's robots.txt asks crawlers to keep out of this page (Gapwatch obeys it)"),
    (r"Connection refused|ConnectionRefused", "the site refused the connection: it may be down"),
    (r"timed? ?out|took longer than", "the site took too long to answer: the next run tries again"),
    (r"HTTP 401|HTTP 403", "the site refused access: it may block crawlers or need a login"),
    (r"HTTP 404|HTTP 410", "the page does not exist (any more): check the address"),
    (r"HTTP 429", "the site asked Gapwatch to slow down: the next run tries again"),
    (r"HTTP 5\d\d", "the site had an error of its own: the next run tries again"),
    (r"SSL|certificate|TLS", "the site's security certificate could not be checked"),
    (r"ConnectionLost|Connection was closed|ConnectionDone|ResponseNeverReceived",
     "the connection was cut off before the page arrived: the next run tries again"),
    (r"GAPWATCH_CRAWL_ALLOW_PRIVATE_NETWORKS",
     "the address points inside this network, which crawls may not reach (an admin setting allows it)"),
    (r"could not start the crawler|the crawler process",
     "the crawler could not run on this server: see its log"),
]  # fmt: skip


def in_words(error: str) -> str:
    """A crawler's error as the person who added the source can act on it (the technical
    message is shown folded beside it)."""
    for pattern, words in _IN_WORDS:
        if re.search(pattern, error, re.IGNORECASE):
            return words
    return error


def health(db: Database, source: dict) -> dict:
    """How a source is doing, in a word and a sentence, from its latest runs."""
    runs = list_runs(db, source_id=source["id"], limit=10)
    if not source["enabled"]:
        return {"state": "disabled", "text": "disabled: not crawled on schedule", "runs": runs}
    if not runs:
        return {"state": "new", "text": "never crawled yet", "runs": runs}
    if runs[0]["status"] == "running":
        return {"state": "running", "text": f"crawling since {runs[0]['started_at']}", "runs": runs}
    failed = 0
    for run in runs:
        if run["status"] != "failed":
            break
        failed += 1
    if failed:
        reason = (runs[0]["errors"] or ["no reason recorded"])[0]
        plural = "s" if failed > 1 else ""
        return {"state": "failing", "text": f"the last {failed} run{plural} failed: {in_words(reason)}",
                "detail": reason, "runs": runs}  # fmt: skip
    if runs[0]["status"] == "partial":
        return {"state": "partial", "text": f"last run partly failed ({runs[0]['error_count']} errors)",
                "runs": runs}  # fmt: skip
    return {"state": "ok", "text": f"last run ok, {runs[0]['new_count']} new comments", "runs": runs}


def summary(run: dict) -> dict:
    """What ``gapwatch crawl`` prints: the run in the issue's words."""
    return {
        "run": run["id"],
        "status": run["status"],
        "pages": run["pages"],
        "new": run["new_count"],
        "duplicates": run["duplicate_count"],
        "rejected": run["rejected_count"],
        "skipped": run["skipped_count"],
        "errors": run["errors"],
    }


def fail_orphans(db: Database) -> list[int]:
    """Mark ``running`` runs whose process is gone as failed (after a crash or a restart)."""
    orphans = [
        run_id
        for run_id, pid in db.execute(
            "SELECT id, pid FROM crawl_runs WHERE status = 'running' AND queue IS NULL"  # queued: workers'
        ).fetchall()
        if pid is None or not _alive(pid)
    ]
    for run_id in orphans:
        finish_run(
            db,
            run_id,
            {"status": "failed", "errors": ["the crawler process ended without recording its run"]},
        )
    return orphans


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
