"""The review queues and the audit (``server.measure.audit``):

- ``GET /api/audit``: precision, recall and F1 per attribute and sentiment accuracy of the current
  model on the labelled random sample, with 95 % intervals and sample sizes;
- ``POST /api/review/sample``: draw a stratified random sample into the random queue
  (``{"per_stratum"?, "days"?}``);
- ``POST /api/review/uncertain``: queue the least certain comments (``{"count"?}``);
- ``GET /api/review/next?queue=random|uncertain``: the next open item with the model's tags;
- ``POST /api/review/<id>``: ``{"action": "accept"|"fix"|"skip", "attributes"?, "sentiment"?}``.
"""

from flask import g, jsonify, request

from server.api import bp
from server.api.body import json_body
from server.classify.review import ACTIONS, draw_sample, draw_uncertain, label_item, next_item, progress
from server.measure.audit import audit
from server.request_db import get_db
from server.validation import Field, check_object, fields

SAMPLE = fields(Field("per_stratum", (int,)), Field("days", (int,)))
UNCERTAIN = fields(Field("count", (int,)))
LABEL = fields(
    Field("action", required=True, choices=ACTIONS), Field("attributes", (list,)), Field("sentiment")
)


@bp.get("/audit")
def audit_show():
    """how good the current model is on the workspace's labelled random sample: `{"labelled", "queues",
    "models", "note", "attributes": [{"attribute", "name", "precision", "recall", "f1"}], "sentiment",
    "strata", "ratings_adaptation"}` (`ratings_adaptation`: null, `{"status": "waiting", "ratings",
    "positive", "negative", "needed", "needed_each"}`, or what the sentiment learned from the workspace's
    ratings: `{"status": "active"|"not used", "ratings", "learned_from", "held_out", "agreement_before",
    "agreement_after", "changed_rated", "retagged", "changed", "pull", "created_at", …}`); each figure
    `{"value", "low", "high", "n"}` (95 % stratified bootstrap; `n`: labelled comments the model gave the
    attribute, for precision, or that have it, for recall), or `{"value": null, "n", "note"}` below 5 such
    comments. Below 10 labels in all: `"note"` says so"""
    return jsonify(audit(get_db()))


@bp.post("/review/sample")
def review_sample():
    """(token) `{"per_stratum"?: 10, "days"?: 90}`: draw a stratified random sample into the random queue,
    201 `{"drawn", "strata": {"Brand|attribute": n}}`"""
    body = check_object(json_body(), SAMPLE)
    given = {k: v for k, v in body.items() if v is not None}  # the rest keep draw_sample's defaults
    result = draw_sample(get_db(), **given)
    return jsonify(result), 201


@bp.post("/review/uncertain")
def review_uncertain():
    """(token) `{"count"?: 20}`: queue the least certain comments, 201 `{"drawn"}`"""
    body = check_object(json_body(), UNCERTAIN)
    given = {k: v for k, v in body.items() if v is not None}
    return jsonify(draw_uncertain(get_db(), **given)), 201


@bp.get("/review/next")
def review_next():
    """`?queue=random` (default) or `uncertain`: `{"item": {"id", "comment_id", "text", "brand", "date",
    "channel", "url", "model_attributes", "model_sentiment", …} or null, "queues": {queue: {"open",
    "labelled", "skipped"}}}`"""
    db = get_db()
    return jsonify({"item": next_item(db, request.args.get("queue", "random")), "queues": progress(db)})


@bp.post("/review/<int:item_id>")
def review_label(item_id: int):
    """(token) `{"action": "accept"|"fix"|"skip", "attributes"?, "sentiment"?}`: accept stores the model's
    tags as the label, fix the given attributes and/or sentiment (the other keeps the model's); either
    becomes a correction. 409 for an item already done, 400 for a bad action, attribute or sentiment, 404
    for an unknown item"""
    body = check_object(json_body(), LABEL)  # the attribute keys and sentiment are checked as corrections
    item = label_item(get_db(), item_id, body["action"], attributes=body["attributes"],
                      sentiment=body["sentiment"], by=f"token:{g.token['name']}")  # fmt: skip
    return jsonify(item)
