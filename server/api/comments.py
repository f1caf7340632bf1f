"""``POST /api/comments`` (bulk, per-item outcomes), ``GET /api/comments`` (search),
``GET /api/comments.csv`` (the same search as a CSV download) and
``PUT``/``DELETE /api/comments/<id>/correction`` (a person's correction of the tags) and
``GET``/``POST /api/comments/<id>/similar`` (that correction applied to the most similar comments)."""

from __future__ import annotations

from flask import Response, current_app, g, jsonify, request, stream_with_context

from ..comments import CommentQuery, search_comments
from ..corrections import correct, get_correction, remove_correction
from ..db import get_db, open_db
from ..errors import Invalid
from ..files import evidence_csv
from ..ingest import Context, ingest, summarise
from . import bp
from .body import json_list, json_object


@bp.post("/comments")
def post_comments():
    items = json_list(current_app.config["MAX_BATCH"], what="comments", wrapper="comments")
    if not items:
        raise Invalid("the list of comments is empty")
    outcomes = ingest(get_db(), items, _context(), batch_size=len(items))
    counts = summarise(outcomes)
    status = 422 if counts["rejected"] == len(items) else 200
    body = {"counts": counts, "results": [o.as_dict() for o in outcomes]}
    if status == 422:
        body["error"] = "every comment was rejected; see results for each reason"
    return jsonify(body), status


def _context() -> Context:
    """An API post's context; ``?run=<id>``: what a crawl worker found for a run put on the
    workers' queue, stored as that run's crawl of its source (``server.crawlqueue``)."""
    run = request.args.get("run")
    if run is None:
        return Context(origin="api")
    from ..crawls import source_of_run
    from ..errors import NotFound

    if not run.isdigit():
        raise Invalid(f"run must be a crawl run's number, not {run[:20]!r}")
    row = get_db().execute("SELECT queue FROM crawl_runs WHERE id = ?", [int(run)]).fetchone()
    if row is None or row[0] is None:
        raise NotFound(f"no crawl run {run} on the workers' queue")
    source = source_of_run(get_db(), int(run))
    who = g.get("principal")
    return Context(origin="crawl", brand=source["brand"], kind=source["comment_kind"], source_id=source["id"],
                   run_id=int(run), collected_by=who.via.removeprefix("token:") if who else None)  # fmt: skip


@bp.get("/comments")
def get_comments():
    query = CommentQuery.from_args(request.args, default_per_page=current_app.config["PAGE_SIZE"])
    return jsonify(search_comments(get_db(), query))


@bp.get("/comments.csv")
def get_comments_csv():
    """Every comment matching the filters (pagination ignored, oldest first) for a spreadsheet."""
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page", "sort")}
    query = CommentQuery.from_args(args)
    query.where(get_db())  # refuse an unknown brand or attribute before the download starts

    def lines():
        db = open_db(current_app.config["DB"], migrate=False)  # outlives the request's connection
        try:
            yield from evidence_csv(db, query)
        finally:
            db.close()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="gapwatch-evidence.csv"'},
    )


@bp.get("/comments/<int:comment_id>/correction")
def get_comment_correction(comment_id: int):
    return jsonify(get_correction(get_db(), comment_id))


@bp.put("/comments/<int:comment_id>/correction")
def put_correction(comment_id: int):
    parts = ("attributes", "sentiment", "attribute_sentiment")
    body = json_object(set(parts))
    fields = {k: body[k] for k in parts if k in body}
    if not fields:
        raise Invalid("say what to correct: attributes, sentiment, attribute_sentiment, or several")
    return jsonify(correct(get_db(), comment_id, by=f"token:{g.token['name']}", **fields))


@bp.delete("/comments/<int:comment_id>/correction")
def delete_correction(comment_id: int):
    remove_correction(get_db(), comment_id)
    return jsonify(get_correction(get_db(), comment_id))


@bp.get("/comments/<int:comment_id>/similar")
def get_similar(comment_id: int):
    """The ``n`` (1–50, default 10) uncorrected comments most like a corrected one."""
    from ..classify import encoder_options, theme_encoder
    from ..similar import parse_n, similar

    n = parse_n(request.args.get("n"))
    db = get_db()
    return jsonify(similar(db, comment_id, theme_encoder(db, encoder_options(current_app.config)), n=n))


@bp.post("/comments/<int:comment_id>/similar")
def post_similar(comment_id: int):
    """``{"ids": [...]}``: give those comments the correction of ``comment_id``, all or none."""
    from ..similar import apply

    body = json_object({"ids"})
    return jsonify(apply(get_db(), comment_id, body.get("ids"), by=f"token:{g.token['name']}"))
