"""Retraining asked for from the audit page: a background run with progress, whose model becomes
active only when an editor has seen its audit next to the current model's and says so.

A request (``request``) is refused when a run is already under way or when there is nothing new
to learn from (fewer than ``MIN_CORRECTIONS`` corrections outside the audit's random sample). The
scheduler runs queued requests (``run``): the model learns from every correction *except* the
audit's labelled random sample, so that sample can then measure it as it measures the current
model, on comments neither was trained on. A run that fails, or whose process dies, leaves
nothing activated; its half-written model folder is removed. ``activate`` makes a finished run's
model the one that tags (the classifier job re-tags everything); ``discard`` throws it away.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from server.errors import Conflict, Invalid, NotFound
from server.store.db import utcnow, write_transaction

if TYPE_CHECKING:
    from classifiers.encoder import EncoderOptions

log = logging.getLogger(__name__)

MIN_CORRECTIONS = 10  # corrections outside the audit sample before a retraining is worth it
UNDER_WAY = ("queued", "running")
PROGRESS_EVERY = 1.0  # seconds between progress writes
STOPPED = "the service stopped while it was training; nothing was activated"


def _row(row: dict | None) -> dict | None:
    if row is None:
        return None
    out = dict(row)
    for key in ("audit_before", "audit_after"):
        out[key] = json.loads(out[key]) if out.get(key) else None
    return out


def get(db: Database, run_id: int) -> dict:
    rows = list(db.query("SELECT * FROM training_runs WHERE id = ?", [run_id]))
    if not rows:
        raise NotFound(f"no training run {run_id}")
    return _row(rows[0])


def latest(db: Database) -> dict | None:
    rows = list(db.query("SELECT * FROM training_runs ORDER BY id DESC LIMIT 1"))
    return _row(rows[0]) if rows else None


def recent(db: Database, limit: int = 10) -> list[dict]:
    return [_row(r) for r in db.query("SELECT * FROM training_runs ORDER BY id DESC LIMIT ?", [limit])]


def learnable(db: Database) -> int:
    """Corrections a retraining learns from: all but the audit's labelled random sample."""
    from server.classify.review import AUDIT_SAMPLE_SQL

    sql = f"SELECT count(*) FROM corrections WHERE comment_id NOT IN ({AUDIT_SAMPLE_SQL})"
    return db.execute(sql).fetchone()[0]


def request(db: Database, by: str) -> dict:
    """Queue a retraining; refuse one while another is under way or with too little to learn."""
    with write_transaction(db):
        busy = db.execute(
            "SELECT id, requested_by, requested_at FROM training_runs WHERE status IN (?, ?)", UNDER_WAY
        ).fetchone()
        if busy:
            raise Conflict(f"a retraining is already under way (run {busy[0]}, asked for by {busy[1]} at "
                           f"{busy[2]}): wait for it to finish")  # fmt: skip
        count = learnable(db)
        if count < MIN_CORRECTIONS:
            raise Invalid(
                f"nothing new to learn from yet: {count} correction{'s' if count != 1 else ''} outside the "
                f"audit's random sample, at least {MIN_CORRECTIONS} needed. Label comments in the review "
                "queue's 'least sure' list or correct tags in the evidence list first"
            )
        cursor = db.execute(
            "INSERT INTO training_runs (status, requested_by, requested_at, stage) VALUES (?, ?, ?, ?)",
            ["queued", by, utcnow(), "waiting for the scheduler"],
        )
        run_id = cursor.lastrowid
    return get(db, run_id)


def queued(db: Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM training_runs WHERE status = 'queued' ORDER BY id")]


def fail_stale(db: Database) -> list[int]:
    """Runs left 'running' by a process that stopped: failed, nothing activated."""
    with write_transaction(db):
        stale = [r[0] for r in db.execute("SELECT id FROM training_runs WHERE status = 'running'")]
        for run_id in stale:
            _finish(db, run_id, "failed", error=STOPPED)
    return stale


def _update(db: Database, run_id: int, **values) -> None:
    sets = ", ".join(f"{k} = ?" for k in values)
    with write_transaction(db):
        db.execute(f"UPDATE training_runs SET {sets} WHERE id = ?", [*values.values(), run_id])


def _finish(db: Database, run_id: int, status: str, **values) -> None:
    values = {"status": status, "finished_at": utcnow(), **values}
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"UPDATE training_runs SET {sets} WHERE id = ?", [*values.values(), run_id])


def _summary(result: dict) -> dict:
    """What the page compares: per attribute precision, recall and F1, and sentiment accuracy."""
    keep = ("attribute", "name", "precision", "recall", "f1")
    return {
        "labelled": result["labelled"],
        "note": result.get("note"),
        "attributes": [{k: a[k] for k in keep} for a in result.get("attributes", [])],
        "sentiment": result.get("sentiment"),
    }


def run(db: Database, db_path: str | Path, run_id: int, *, options: EncoderOptions | None = None,
        train: Callable | None = None) -> dict:  # fmt: skip
    """Run a queued retraining to 'ready' (or 'failed'); never activates anything."""
    from server.classify import tagging
    from server.jobs import learning
    from server.measure.audit import audit

    with write_transaction(db):
        claimed = db.execute(
            "UPDATE training_runs SET status = 'running', started_at = ?, stage = 'starting', progress = 0 "
            "WHERE id = ? AND status = 'queued'",
            [utcnow(), run_id],
        ).rowcount
    if not claimed:
        return get(db, run_id)  # another scheduler took it, or it is no longer queued
    last = {"at": 0.0, "stage": None, "fraction": 0.0}

    def progress(stage: str, fraction: float) -> None:
        """Written when the stage changes, every 5 %, or once a second, whichever comes first."""
        now = time.monotonic()
        moved = abs(fraction - last["fraction"]) >= 0.05 or fraction >= 1
        if stage != last["stage"] or moved or now - last["at"] >= PROGRESS_EVERY:
            last.update(at=now, stage=stage, fraction=fraction)
            _update(db, run_id, stage=stage, progress=round(max(0.0, min(1.0, fraction)), 4))

    folder = None
    models = tagging.models_dir(db_path)
    existing = set(models.iterdir()) if models.is_dir() else set()
    try:
        progress("measuring the current model", 0.0)
        before = _summary(audit(db))
        progress("training", 0.0)
        report = (train or learning.train)(db, db_path, options=options, activate=False,
                                           exclude_audit_sample=True, progress=progress)  # fmt: skip
        folder = Path(report.folder)
        _update(db, run_id, stage="measuring the new model", progress=1.0, folder=str(folder))
        candidate = learning.saved_tagger(folder, options)
        after = _summary(audit(db, predict=candidate.predict))
    except Exception as exc:  # noqa: BLE001 - any failure: say so, activate nothing
        log.exception("training run %s failed", run_id)
        active = tagging.active_model_path(db)
        for path in (set(models.iterdir()) if models.is_dir() else set()) - existing:
            if path.is_dir() and path != active:  # what this run half-wrote
                shutil.rmtree(path, ignore_errors=True)
        with write_transaction(db):
            _finish(db, run_id, "failed", error=f"{type(exc).__name__}: {exc}"[:2000], folder=None)
        return get(db, run_id)
    with write_transaction(db):
        _finish(db, run_id, "ready", stage="done", progress=1.0, examples=report.examples,
                kind=report.kind, model=report.model, audit_before=json.dumps(before),
                audit_after=json.dumps(after))  # fmt: skip
    return get(db, run_id)


def activate(db: Database, db_path: str | Path, run_id: int, by: str) -> dict:
    """Make a finished run's model the one that tags."""
    from server.jobs.learning import activate_model

    found = get(db, run_id)
    if found["status"] != "ready":
        raise Conflict(f"only a finished retraining can be activated; run {run_id} is {found['status']}")
    folder = Path(found["folder"])
    if not (folder / "meta.json").is_file():
        raise Conflict(f"the model of run {run_id} is no longer on disk ({folder}); retrain")
    activate_model(db, db_path, folder)
    with write_transaction(db):
        db.execute(
            "UPDATE training_runs SET status = 'activated', decided_by = ?, decided_at = ? WHERE id = ?",
            [by, utcnow(), run_id],
        )
    return get(db, run_id)


def discard(db: Database, run_id: int, by: str) -> dict:
    """Throw a finished run's model away (the current model keeps tagging)."""
    from server.classify.tagging import active_model_path

    found = get(db, run_id)
    if found["status"] != "ready":
        raise Conflict(f"only a finished retraining can be discarded; run {run_id} is {found['status']}")
    folder = Path(found["folder"]) if found["folder"] else None
    if folder is not None and folder.is_dir() and folder != active_model_path(db):
        shutil.rmtree(folder, ignore_errors=True)
    with write_transaction(db):
        db.execute(
            "UPDATE training_runs SET status = 'discarded', decided_by = ?, decided_at = ? WHERE id = ?",
            [by, utcnow(), run_id],
        )
    return get(db, run_id)
