"""Retraining from the audit (``server.jobs.training``):

- ``GET /api/training``: the recent retraining runs, newest first;
- ``POST /api/training``: queue one (202); 409 while one is under way, 400 with too little to learn;
- ``GET /api/training/<id>``: one run: its status, stage and progress, and once ready the audit of
  the current model and of the new one on the same labelled random sample;
- ``POST /api/training/<id>/activate``: make a ready run's model the one that tags;
- ``POST /api/training/<id>/discard``: throw a ready run's model away.
"""

from flask import current_app, g, jsonify

from server.answers import wake_scheduler
from server.api import bp
from server.jobs import training
from server.request_db import get_db


def _by() -> str:
    return g.token["name"] if g.get("token") else "api"


@bp.get("/training")
def training_list():
    """the recent retraining runs, newest first: `{"runs": [{"id", "status" (queued, running, ready, failed,
    activated, discarded), "stage", "progress" (0–1), "requested_by", "requested_at", "started_at",
    "finished_at", "examples", "kind", "model", "audit_before", "audit_after", "error", "decided_by",
    "decided_at"}]}`"""
    return jsonify({"runs": training.recent(get_db())})


@bp.post("/training")
def training_request():
    """(token) queue a retraining (202 with the run); 409 while one is queued or running; 400 with fewer
    than 10 corrections outside the audit's random sample. The scheduler runs it"""
    run = training.request(get_db(), _by())
    wake_scheduler()
    return jsonify(run), 202


@bp.get("/training/<int:run_id>")
def training_show(run_id: int):
    """one run; once `ready`, `audit_before` and `audit_after` hold the current and the new model's audit
    (per attribute precision, recall, F1; sentiment accuracy) on the same labelled random sample, which
    the new model did not learn from"""
    return jsonify(training.get(get_db(), run_id))


@bp.post("/training/<int:run_id>/activate")
def training_activate(run_id: int):
    """(token) make a `ready` run's model the one that tags (every comment is tagged again); 409 for a run
    in any other state"""
    return jsonify(training.activate(get_db(), current_app.config["DB"], run_id, _by()))


@bp.post("/training/<int:run_id>/discard")
def training_discard(run_id: int):
    """(token) throw a `ready` run's model away"""
    return jsonify(training.discard(get_db(), run_id, _by()))
