"""``/api/sources`` and ``/api/runs``: what is crawled, how often, and what each crawl did.

Reading needs a login or a token; adding, changing and "run now" need an editor's token (see
``server.access``, which checks every request).
"Run now" is queued for the scheduler (the process that holds it starts the crawl within
seconds) and answers 202 with the source; the run then appears under ``/api/runs``.
"""

from flask import g, jsonify, request

from server.answers import wake_scheduler
from server.api import bp
from server.api.body import json_body
from server.collect.crawls import (
    add_source,
    get_run,
    get_source,
    list_runs,
    list_sources,
    request_run,
    update_source,
)
from server.errors import Invalid
from server.jobs.scheduler import heartbeat
from server.params import whole_number
from server.request_db import get_db


@bp.get("/sources")
def sources_index():
    """`{"sources": [{"id", "name", "kind", "kind_name" (what people call it: "Trustpilot page", "Reddit
    thread or subreddit"), "url", "brand", "comment_kind", "schedule", "max_pages", "params", "enabled",
    "last_run_at", …}]}`; `?all=1` includes one-off crawl sources"""
    include = request.args.get("all") in ("1", "true")
    return jsonify({"sources": list_sources(get_db(), include_one_off=include)})


@bp.post("/sources")
def sources_create():
    """(token) add a source: `{"kind"?, "url", "brand", "comment_kind"?, "schedule"?, "name"?, "max_pages"?,
    "params"?, "enabled"?}`; `kind` is a crawler kind (`schemaorg`, `reddit`, `hackernews`, `discourse`,
    `appstore`, `feed`, `github`, `stackexchange`, `youtube`) or a site choice (`trustpilot`, `g2`: read as
    `schemaorg`, only on their own sites); without `kind` (or with `"auto"`) the kind is recognised from the
    address (Reddit, Hacker News, App Store, GitHub, Stack Exchange, YouTube, Trustpilot/G2/Capterra, feed
    addresses); an address whose site needs another kind is refused, naming the kind that fits; 201 with the
    source, 400 with the reason (unknown kind, a kind that does not fit the address, bad URL or schedule,
    unknown field), 404 for an unknown brand"""
    return jsonify(add_source(get_db(), json_body())), 201


@bp.get("/sources/<int:source_id>")
def sources_show(source_id: int):
    """one source with its 10 latest runs"""
    db = get_db()
    return jsonify({**get_source(db, source_id), "runs": list_runs(db, source_id=source_id, limit=10)})


@bp.patch("/sources/<int:source_id>")
def sources_update(source_id: int):
    """(token) change `schedule`, `name`, `max_pages`, `params` or `enabled`"""
    return jsonify(update_source(get_db(), source_id, json_body()))


@bp.post("/sources/<int:source_id>/run")
def sources_run(source_id: int):
    """(token) "run now": queued for the scheduler, which starts it at once (within seconds when
    another server process runs it); 202 `{"queued": true, "source", "scheduler"}` (the
    scheduler's last heartbeat; `null` when none runs)"""
    db = get_db()
    source = request_run(db, source_id, by=f"token:{g.token['name']}")
    wake_scheduler()
    return jsonify({"queued": True, "source": source, "scheduler": heartbeat(db)}), 202


@bp.get("/runs")
def runs_index():
    """`?source=ID&limit=50`: `{"runs": [{"id", "source_id", "trigger", "status", "started_at",
    "finished_at", "pages", "new_count", "duplicate_count", "rejected_count", "skipped_count",
    "error_count", "errors", "pid"}]}`, newest first"""
    source = request.args.get("source")
    source_id = whole_number(source)
    limit = whole_number(request.args.get("limit", "50"))
    if (source is not None and source_id is None) or limit is None or not 1 <= limit <= 500:
        raise Invalid("source must be a source id and limit a number from 1 to 500")
    runs = list_runs(get_db(), source_id=source_id, limit=limit)
    return jsonify({"runs": runs})


@bp.get("/runs/<int:run_id>")
def runs_show(run_id: int):
    """one run"""
    return jsonify(get_run(get_db(), run_id))
