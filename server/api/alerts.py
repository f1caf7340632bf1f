"""Early warning (``server.tell.alerts``, ``server.tell.notify``):

- ``GET /api/alerts?unread=1&brand=&page=``: the alerts, newest first, and how many are unread;
- ``POST /api/alerts/<id>/read`` (``{"read"?: true}``; false marks it unread again) and
  ``POST /api/alerts/read-all``;
- ``GET /api/alerts/rules``, ``PUT /api/alerts/rules/<id>`` (``{"enabled"?, "params"?}``);
- ``POST /api/alerts/check``: evaluate the rules now and deliver what is due;
- ``GET /api/alerts/digest``: the weekly digest as it would be sent now.
"""

from flask import current_app, g, jsonify, request

from server.api import bp
from server.api.body import json_body
from server.errors import Invalid
from server.params import MAX_PAGE, whole_number
from server.request_db import get_db
from server.tell.alerts import evaluate, list_alerts, list_rules, mark_read, update_rule
from server.tell.notify import deliver, digest
from server.validation import Field, check_object, fields

READ = fields(Field("read", (bool,)))
RULE = fields(Field("enabled", (bool,)), Field("params", (dict,)))
PER_PAGE = 50


def _by() -> str:
    return f"token:{g.token['name']}" if g.get("token") else None


@bp.get("/alerts")
def alerts_index():
    """`?unread=1`, `brand=`, `page=`: `{"alerts": [{"id", "brand", "kind", "key", "state", "title",
    "message", "figures", "link", "created_at", "read", "read_at", "read_by", "deliveries": {channel:
    {"status", "attempts", "error", "at"}}}], "total", "unread", "page", "per_page"}`, newest first"""
    unread = request.args.get("unread", "0")
    if unread not in ("0", "1"):
        raise Invalid("unread must be 0 or 1")
    page = whole_number(request.args.get("page", "1"))
    if not page or page > MAX_PAGE:
        raise Invalid(f"page must be a whole number from 1 to {MAX_PAGE}")
    found = list_alerts(get_db(), unread=unread == "1", brand=request.args.get("brand") or None,
                        limit=PER_PAGE, offset=(page - 1) * PER_PAGE)  # fmt: skip
    return jsonify({**found, "page": page, "per_page": PER_PAGE})


@bp.post("/alerts/<int:alert_id>/read")
def alert_read(alert_id: int):
    """(token with read) `{"read"?: true}`: mark read (false: unread again); 404 for an unknown alert"""
    body = check_object(json_body(), READ)
    read = True if body["read"] is None else body["read"]
    mark_read(get_db(), alert_id, read=read, by=_by())
    return jsonify({"id": alert_id, "read": read})


@bp.post("/alerts/read-all")
def alerts_read_all():
    """(token with read) mark every unread alert read: `{"marked"}`"""
    return jsonify({"marked": mark_read(get_db(), by=_by())})


@bp.get("/alerts/rules")
def alert_rules():
    """`{"rules": [{"id", "brand", "kind", "description", "enabled", "params", "updated_at",
    "updated_by"}]}`; every brand gets every rule with its defaults, on for your own brand and off for
    competitors"""
    return jsonify({"rules": list_rules(get_db())})


@bp.put("/alerts/rules/<int:rule_id>")
def alert_rule_update(rule_id: int):
    """(token) `{"enabled"?, "params"?: {name: number}}`: turn a rule on or off or change parameters; 400
    for an unknown parameter or one out of its range (nothing changes)"""
    body = check_object(json_body(), RULE)
    return jsonify(update_rule(get_db(), rule_id, enabled=body["enabled"], params=body["params"], by=_by()))


@bp.post("/alerts/check")
def alerts_check():
    """(token) evaluate the rules now and deliver what is due: `{"raised": [alerts], "delivered": {channel:
    n}}`"""
    db = get_db()
    raised = evaluate(db)
    return jsonify({"raised": raised, "delivered": deliver(db, current_app.config)})


@bp.get("/alerts/digest")
def alerts_digest():
    """the weekly digest as it would be sent now: `{"subject", "text", "alerts"}`"""
    return jsonify(digest(get_db(), current_app.config))
