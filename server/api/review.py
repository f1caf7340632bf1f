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

from ..audit import ACTIONS, audit, draw_sample, draw_uncertain, label_item, next_item, progress
from ..db import get_db
from ..schema import Field, check_object, fields
from . import bp
from .body import json_body

SAMPLE = fields(Field("per_stratum", (int,)), Field("days", (int,)))
UNCERTAIN = fields(Field("count", (int,)))
LABEL = fields(
    Field("action", required=True, choices=ACTIONS), Field("attributes", (list,)), Field("sentiment")
)


@bp.get("/audit")
def audit_show():
    return jsonify(audit(get_db()))


@bp.post("/review/sample")
def review_sample():
    body = check_object(json_body(), SAMPLE)
    given = {k: v for k, v in body.items() if v is not None}  # the rest keep draw_sample's defaults
    result = draw_sample(get_db(), **given)
    return jsonify(result), 201


@bp.post("/review/uncertain")
def review_uncertain():
    body = check_object(json_body(), UNCERTAIN)
    given = {k: v for k, v in body.items() if v is not None}
    return jsonify(draw_uncertain(get_db(), **given)), 201


@bp.get("/review/next")
def review_next():
    db = get_db()
    return jsonify({"item": next_item(db, request.args.get("queue", "random")), "queues": progress(db)})


@bp.post("/review/<int:item_id>")
def review_label(item_id: int):
    body = check_object(json_body(), LABEL)  # the attribute keys and sentiment are checked as corrections
    item = label_item(get_db(), item_id, body["action"], attributes=body["attributes"],
                      sentiment=body["sentiment"], by=f"token:{g.token['name']}")  # fmt: skip
    return jsonify(item)
