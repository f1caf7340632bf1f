"""The review queues and the audit (``server.audit``):

- ``GET /api/audit``: precision, recall and F1 per attribute and sentiment accuracy of the current
  model on the labelled random sample, with 95 % intervals and sample sizes;
- ``POST /api/review/sample``: draw a stratified random sample into the random queue
  (``{"per_stratum"?, "days"?}``);
- ``POST /api/review/uncertain``: queue the least certain comments (``{"count"?}``);
- ``GET /api/review/next?queue=random|uncertain``: the next open item with the model's tags;
- ``POST /api/review/<id>``: ``{"action": "accept"|"fix"|"skip", "attributes"?, "sentiment"?}``.
"""

from flask import g, jsonify, request

from ..audit import audit, draw_sample, draw_uncertain, label_item, next_item, progress
from ..db import get_db
from ..errors import Invalid
from . import bp
from .body import json_object


def _whole(body: dict, name: str, default: int) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(f"{name} must be a whole number")
    return value


@bp.get("/audit")
def audit_show():
    return jsonify(audit(get_db()))


@bp.post("/review/sample")
def review_sample():
    body = json_object({"per_stratum", "days"})
    result = draw_sample(get_db(), per_stratum=_whole(body, "per_stratum", 10), days=_whole(body, "days", 90))
    return jsonify(result), 201


@bp.post("/review/uncertain")
def review_uncertain():
    body = json_object({"count"})
    return jsonify(draw_uncertain(get_db(), count=_whole(body, "count", 20))), 201


@bp.get("/review/next")
def review_next():
    db = get_db()
    return jsonify({"item": next_item(db, request.args.get("queue", "random")), "queues": progress(db)})


@bp.post("/review/<int:item_id>")
def review_label(item_id: int):
    body = json_object({"action", "attributes", "sentiment"})
    attributes = body.get("attributes")
    if attributes is not None and (
        not isinstance(attributes, list) or not all(isinstance(a, str) for a in attributes)
    ):
        raise Invalid("attributes must be a list of attribute keys")
    sentiment = body.get("sentiment")
    if sentiment is not None and not isinstance(sentiment, str):
        raise Invalid("sentiment must be positive, neutral or negative")
    item = label_item(get_db(), item_id, body.get("action"), attributes=attributes, sentiment=sentiment,
                      by=f"token:{g.token['name']}")  # fmt: skip
    return jsonify(item)
