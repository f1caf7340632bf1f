"""Retraining from the audit (``server.training``):

- ``GET /api/training``: the recent retraining runs, newest first;
- ``POST /api/training``: queue one (202); 409 while one is under way, 400 with too little to learn;
- ``GET /api/training/<id>``: one run: its status, stage and progress, and once ready the audit of
  the current model and of the new one on the same labelled random sample;
- ``POST /api/training/<id>/activate``: make a ready run's model the one that tags;
- ``POST /api/training/<id>/discard``: throw a ready run's model away.
"""

from flask import current_app, g, jsonify

from .. import training
from ..db import get_db
from . import bp


def _by() -> str:
    return g.token["name"] if g.get("token") else "api"


@bp.get("/training")
def training_list():
    return jsonify({"runs": training.recent(get_db())})


@bp.post("/training")
def training_request():
    return jsonify(training.request(get_db(), _by())), 202


@bp.get("/training/<int:run_id>")
def training_show(run_id: int):
    return jsonify(training.get(get_db(), run_id))


@bp.post("/training/<int:run_id>/activate")
def training_activate(run_id: int):
    return jsonify(training.activate(get_db(), current_app.config["DB"], run_id, _by()))


@bp.post("/training/<int:run_id>/discard")
def training_discard(run_id: int):
    return jsonify(training.discard(get_db(), run_id, _by()))
