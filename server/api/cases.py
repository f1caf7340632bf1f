"""Cases (``server.cases``): claims tested against the data, with their owner, state and history.

- ``GET /api/cases?state=&brand=``: the cases, newest first (``state``: one of the states or
  ``in play``);
- ``POST /api/cases`` ``{"claim", "statement": {...}, "brand"?, "owner"?, "origin"?}``: open a case
  and test it at once (201);
- ``GET /api/cases/<id>``: the case, its latest test (verdict, effect with its interval and sample
  size, the figures compared, the quotes for and against) and its history;
- ``POST /api/cases/<id>/test``: test it again now;
- ``POST /api/cases/<id>/state`` ``{"state", "reason"?}``: move it (dismissing needs a reason);
- ``POST /api/cases/<id>/owner`` ``{"owner"}`` (an editor or admin; null: nobody);
- ``POST /api/cases/<id>/comments`` ``{"text"}``.

Reading needs ``read``; every change needs ``write`` (editors and admins).
"""

from flask import jsonify, request

from ..access import username
from ..cases import add_comment, get_case, judge_case, list_cases, move, open_case, set_owner
from ..db import get_db
from ..schema import Field, check_object, fields
from . import bp
from .body import json_body

STATE = fields(Field("state", (str,), required=True, max_length=40), Field("reason", (str,), max_length=500))
OWNER = fields(Field("owner", (str, type(None)), max_length=100))
COMMENT = fields(Field("text", (str,), required=True, max_length=4000))


@bp.get("/cases")
def cases_index():
    return jsonify({"cases": list_cases(get_db(), state=request.args.get("state") or None,
                                        brand=request.args.get("brand") or None)})  # fmt: skip


@bp.post("/cases")
def cases_open():
    return jsonify(open_case(get_db(), json_body(), by=username())), 201


@bp.get("/cases/<int:case_id>")
def case_detail(case_id: int):
    return jsonify(get_case(get_db(), case_id))


@bp.post("/cases/<int:case_id>/test")
def case_test(case_id: int):
    return jsonify(judge_case(get_db(), case_id, by=username()))


@bp.post("/cases/<int:case_id>/state")
def case_state(case_id: int):
    body = check_object(json_body(), STATE)
    return jsonify(move(get_db(), case_id, body["state"], reason=body["reason"], by=username()))


@bp.post("/cases/<int:case_id>/owner")
def case_owner(case_id: int):
    body = check_object(json_body(), OWNER)
    return jsonify(set_owner(get_db(), case_id, body["owner"], by=username()))


@bp.post("/cases/<int:case_id>/comments")
def case_comment(case_id: int):
    body = check_object(json_body(), COMMENT)
    return jsonify(add_comment(get_db(), case_id, body["text"], by=username())), 201
