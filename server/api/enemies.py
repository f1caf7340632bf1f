"""The customers' biggest problems and the shared enemies (``server.tell.enemies``).

- ``GET /api/problems?brand=&sort=size|negativity|growth``: the brand's (default: ours) problems over
  the latest 90 days, ranked;
- ``GET /api/enemies?all=1``: the active shared enemies (``all=1``: the retired too), each with its
  current value;
- ``POST /api/enemies`` ``{"name", "attribute" or "theme", "target", "commercial_owner",
  "technical_owner", "brand"?}``: promote a problem to a shared enemy (201);
- ``GET /api/enemies/<id>``: one, with its monthly curve;
- ``POST /api/enemies/<id>/retire`` ``{"reason"}``.
"""

from flask import jsonify, request

from server.access import username
from server.api import bp
from server.api.body import json_body
from server.errors import Invalid
from server.request_db import get_db
from server.tell.enemies import get_enemy, list_enemies, name_enemy, problems, retire
from server.validation import Field, check_object, fields

RETIRE = fields(Field("reason", (str,), required=True, max_length=500))


@bp.get("/problems")
def problems_index():
    """`?brand=` (default: ours), `sort=size|negativity|growth`: `{"brand", "sort", "period": {"from",
    "to"}, "before", "problems": [{"kind": "attribute"|"theme", "attribute"|"theme", "label", "size",
    "mentions", "negativity", "rate", "growth", "before", "competitors": {brand: rate}, "trend":
    [{"month", "value", "low", "high", "n"}], "quotes"}]}` over the latest 90 days against the 90 before
    (see "The customers' problems and the shared enemy" below)"""
    return jsonify(problems(get_db(), request.args.get("brand") or None, request.args.get("sort", "size")))


@bp.get("/enemies")
def enemies_index():
    """`?all=1` for the retired too: `{"enemies": [{"id", "brand", "name", "attribute"|"theme_id", "metric",
    "target", "commercial_owner", "technical_owner", "status", "named_at", "named_by", "current": {"value",
    "low", "high", "n", "from", "to"}, "met"}]}`"""
    everything = request.args.get("all", "0")
    if everything not in ("0", "1"):
        raise Invalid("all must be 0 or 1")
    return jsonify({"enemies": list_enemies(get_db(), active=everything == "0")})


@bp.post("/enemies")
def enemies_name():
    """(token) `{"name", "attribute"|"theme", "target": 0–1, "commercial_owner", "technical_owner",
    "brand"?}`: promote a problem to a shared enemy (201); 400 with the reason (owners must be two
    editors or admins), 409 when the problem already is one"""
    return jsonify(name_enemy(get_db(), json_body(), by=username())), 201


@bp.get("/enemies/<int:enemy_id>")
def enemy_detail(enemy_id: int):
    """one shared enemy with its `curve`: `[{"month", "value", "low", "high", "n", "named",
    "before_named"}]`"""
    return jsonify(get_enemy(get_db(), enemy_id))


@bp.post("/enemies/<int:enemy_id>/retire")
def enemy_retire(enemy_id: int):
    """(token) `{"reason"}`"""
    body = check_object(json_body(), RETIRE)
    return jsonify(retire(get_db(), enemy_id, body["reason"], by=username()))
