"""``POST /api/comments`` (bulk, per-item outcomes) and ``GET /api/comments`` (search)."""

from __future__ import annotations

from flask import current_app, jsonify, request

from ..comments import CommentQuery, search_comments
from ..db import get_db
from ..errors import Invalid
from ..ingest import Context, ingest, summarise
from ..schema import json_type
from . import bp
from .auth import token_required
from .body import json_body


@bp.post("/comments")
@token_required
def post_comments():
    items = json_body()
    if isinstance(items, dict) and set(items) == {"comments"}:
        items = items["comments"]
    if not isinstance(items, list):
        raise Invalid(f"the body must be a JSON list of comments, not {json_type(items)}")
    limit = current_app.config["MAX_BATCH"]
    if len(items) > limit:
        raise Invalid(f"at most {limit} comments per request, got {len(items)}; split the list")
    if not items:
        raise Invalid("the list of comments is empty")
    outcomes = ingest(get_db(), items, Context(origin="api"), batch_size=len(items))
    counts = summarise(outcomes)
    status = 422 if counts["rejected"] == len(items) else 200
    body = {"counts": counts, "results": [o.as_dict() for o in outcomes]}
    if status == 422:
        body["error"] = "every comment was rejected; see results for each reason"
    return jsonify(body), status


@bp.get("/comments")
def get_comments():
    query = CommentQuery.from_args(request.args, default_per_page=current_app.config["PAGE_SIZE"])
    return jsonify(search_comments(get_db(), query))
