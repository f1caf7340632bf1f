"""``POST /api/comments`` (bulk, per-item outcomes), ``GET /api/comments`` (search),
``GET /api/comments.csv`` (the same search as a CSV download) and
``PUT``/``DELETE /api/comments/<id>/correction`` (a person's correction of the tags) and
``GET``/``POST /api/comments/<id>/similar`` (that correction applied to the most similar comments)."""

from __future__ import annotations

from flask import Response, current_app, g, jsonify, request, stream_with_context

from server.api import bp
from server.api.body import json_list, json_object
from server.classify.corrections import correct, get_correction, remove_correction
from server.collect.files import evidence_csv
from server.collect.ingest import Context, ingest, summarise
from server.errors import Invalid
from server.request_db import get_db
from server.store.comments import CommentQuery, search_comments
from server.store.db import open_db


@bp.post("/comments")
def post_comments():
    """(`?run=<id>`: what a crawl worker found for a run on the workers' queue, stored as that run's crawl
    of its source) a JSON list of up to 1,000 comments (`GAPWATCH_MAX_BATCH`), or `{"comments": [...]}`
    (fields as for import, `text` and `brand` required); a longer list is refused as soon as the limit is
    passed, before the rest is read. A comment with invalid Unicode (a lone surrogate such as `\\ud800`)
    is rejected alone, with the reason. Answers `{"counts": {"new", "duplicate", "rejected"}, "results":
    [{"status", "id"?, "reason"?}, …]}` in input order: 200, or 422 when every item was rejected"""
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
    workers' queue, stored as that run's crawl of its source (``server.collect.crawlqueue``)."""
    run = request.args.get("run")
    if run is None:
        return Context(origin="api")
    from server.collect.crawls import source_of_run
    from server.errors import NotFound

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
    """query parameters `brand`, `q` (full-text; every word must appear; at most 32 words and 500
    characters, else 400), `attribute`, `kind`, `channel`, `theme` (the comments a theme holds now),
    `from`, `to` (dates, inclusive), `sort` (`newest`, the default, `oldest`, `confident`, `uncertain`:
    by the model's highest score among the attributes it assigned), `page`, `per_page`. Answers
    `{"comments": […], "total", "page", "per_page", "pages"}`; each comment has its `attributes`,
    `sentiment`, `confidence`, `corrected` (and `corrected_by`), `detected_language` (ISO 639-1, `und`
    when undetermined, null until the classifier job ran) and `attribute_sentiment` (`{attribute:
    sentiment}` for its attributes: a person's, else the model's for the clause that speaks of it)"""
    query = CommentQuery.from_args(request.args, default_per_page=current_app.config["PAGE_SIZE"])
    return jsonify(search_comments(get_db(), query))


@bp.get("/comments.csv")
def get_comments_csv():
    """the same filters, every matching comment (oldest first) as a CSV download with its tags and
    confidence; a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) is
    prefixed with `'` (the same writer as `gapwatch export --format csv`)"""
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
    """the comment's correction: `{"comment_id", "corrected", "attributes", "sentiment",
    "attribute_sentiment", "corrected_by", "corrected_at"}`"""
    return jsonify(get_correction(get_db(), comment_id))


@bp.put("/comments/<int:comment_id>/correction")
def put_correction(comment_id: int):
    """(token) a person's correction: `{"attributes": [...]?, "sentiment": "positive"|"neutral"|"negative"?,
    "attribute_sentiment": {attribute: sentiment}?}` (an empty list: none of the attributes;
    `attribute_sentiment`: how the comment feels about each attribute, which beats the comment's sentiment
    for that attribute in the figures). It replaces the model's tags in every figure, list and export, and
    becomes a training example for `gapwatch train`. A field left out keeps the earlier correction's value
    (or the model's). 400 with the reason for an unknown attribute or sentiment, 404 for an unknown comment"""
    parts = ("attributes", "sentiment", "attribute_sentiment")
    body = json_object(set(parts))
    fields = {k: body[k] for k in parts if k in body}
    if not fields:
        raise Invalid("say what to correct: attributes, sentiment, attribute_sentiment, or several")
    return jsonify(correct(get_db(), comment_id, by=f"token:{g.token['name']}", **fields))


@bp.delete("/comments/<int:comment_id>/correction")
def delete_correction(comment_id: int):
    """(token) back to the model's tags"""
    remove_correction(get_db(), comment_id)
    return jsonify(get_correction(get_db(), comment_id))


@bp.get("/comments/<int:comment_id>/similar")
def get_similar(comment_id: int):
    """`n` (1–50, default 10): the uncorrected comments of the same brand and kind most like a corrected
    comment in meaning (cosine of the current model's encoder vectors, among the brand's 3,000 most recent):
    `{"comment", "correction": {"attributes", "sentiment", "attribute_sentiment"}, "similar": [comment…,
    each with "similarity"], "pool"}`; 400 when the comment has no correction. Saves nothing"""
    from server.classify.similar import parse_n, similar
    from server.classify.tagging import encoder_options, theme_encoder

    n = parse_n(request.args.get("n"))
    db = get_db()
    return jsonify(similar(db, comment_id, theme_encoder(db, encoder_options(current_app.config)), n=n))


@bp.post("/comments/<int:comment_id>/similar")
def post_similar(comment_id: int):
    """(token) `{"ids": [...]}` (at most 50): give those comments the same correction, in one transaction:
    every id must exist (404 naming the first that does not), or nothing is saved"""
    from server.classify.similar import apply

    body = json_object({"ids"})
    return jsonify(apply(get_db(), comment_id, body.get("ids"), by=f"token:{g.token['name']}"))
