"""``/api/sources`` and ``/api/runs``: what is crawled, how often, and what each crawl did.

Reading needs a login or a token; adding, changing and "run now" need an editor's token (see
``server.access``, which checks every request).
"Run now" is queued for the scheduler (the process that holds it starts the crawl within
seconds) and answers 202 with the source; the run then appears under ``/api/runs``.
"""

from flask import jsonify, request

from ..crawls import add_source, get_run, get_source, list_runs, list_sources, request_run, update_source
from ..db import get_db
from ..errors import Invalid
from ..params import whole_number
from ..scheduler import heartbeat
from . import bp
from .body import json_body


@bp.get("/sources")
def sources_index():
    include = request.args.get("all") in ("1", "true")
    return jsonify({"sources": list_sources(get_db(), include_one_off=include)})


@bp.post("/sources")
def sources_create():
    return jsonify(add_source(get_db(), json_body())), 201


@bp.get("/sources/<int:source_id>")
def sources_show(source_id: int):
    db = get_db()
    return jsonify({**get_source(db, source_id), "runs": list_runs(db, source_id=source_id, limit=10)})


@bp.patch("/sources/<int:source_id>")
def sources_update(source_id: int):
    return jsonify(update_source(get_db(), source_id, json_body()))


@bp.post("/sources/<int:source_id>/run")
def sources_run(source_id: int):
    db = get_db()
    source = request_run(db, source_id)
    return jsonify({"queued": True, "source": source, "scheduler": heartbeat(db)}), 202


@bp.get("/runs")
def runs_index():
    source = request.args.get("source")
    source_id = whole_number(source)
    limit = whole_number(request.args.get("limit", "50"))
    if (source is not None and source_id is None) or limit is None or not 1 <= limit <= 500:
        raise Invalid("source must be a source id and limit a number from 1 to 500")
    runs = list_runs(get_db(), source_id=source_id, limit=limit)
    return jsonify({"runs": runs})


@bp.get("/runs/<int:run_id>")
def runs_show(run_id: int):
    return jsonify(get_run(get_db(), run_id))
