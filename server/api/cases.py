"""Cases (``server.tell.cases``): claims tested against the data, with their owner, state and history.

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

from server.access import username
from server.api import bp
from server.api.body import json_body
from server.request_db import get_db
from server.tell.cases import add_comment, get_case, judge_case, list_cases, move, open_case, set_owner
from server.validation import Field, check_object, fields

STATE = fields(Field("state", (str,), required=True, max_length=40), Field("reason", (str,), max_length=500))
OWNER = fields(Field("owner", (str, type(None)), max_length=100))
COMMENT = fields(Field("text", (str,), required=True, max_length=4000))


@bp.get("/cases")
def cases_index():
    """`?state=` (one of open, tested, acknowledged, acting, resolved, dismissed, or `in play`), `brand=`:
    `{"cases": [case]}`, newest first; a case is `{"id", "brand", "claim", "statement", "says", "origin",
    "state", "moves", "owner", "reason", "verdict", "result", "effect_text", "tested_at", "created_by",
    "created_at", "updated_at"}` (see "Cases" below)"""
    return jsonify({"cases": list_cases(get_db(), state=request.args.get("state") or None,
                                        brand=request.args.get("brand") or None)})  # fmt: skip


@bp.post("/cases")
def cases_open():
    """(token) `{"claim", "statement": {"kind": "declared"|"competitor"|"change"|"theme", "attribute"?,
    "figure"?: "share"|"mention_rate"|"net_sentiment", "direction"?: "above"|"below", "competitor"?,
    "theme"?, "channel"?, "from"?, "to"?, "before_from"?, "before_to"?}, "brand"?, "owner"?, "origin"?:
    {"comment"|"clip"|"theme"|"alert": id} or {"figure": text}}`: open a case and test it at once (201, the
    case with its result and history); 400 with the reason for a bad field (nothing stored)"""
    return jsonify(open_case(get_db(), json_body(), by=username())), 201


@bp.get("/cases/<int:case_id>")
def case_detail(case_id: int):
    """the case, its latest test (`result`: `{"verdict", "why", "effect": {"value", "low", "high", "n",
    "note"?}, "compared", "corrected", "correction_note", "quotes": {"for": [...], "against": [...]}}`) and
    its history (`events`: `[{"at", "by", "kind", "text"}]`)"""
    return jsonify(get_case(get_db(), case_id))


@bp.post("/cases/<int:case_id>/test")
def case_test(case_id: int):
    """(token) test it again now"""
    return jsonify(judge_case(get_db(), case_id, by=username()))


@bp.post("/cases/<int:case_id>/state")
def case_state(case_id: int):
    """(token) `{"state", "reason"?}`: move it (the case's `moves` say where it can go; dismissing needs a
    reason); 409 for a move it cannot make"""
    body = check_object(json_body(), STATE)
    return jsonify(move(get_db(), case_id, body["state"], reason=body["reason"], by=username()))


@bp.post("/cases/<int:case_id>/owner")
def case_owner(case_id: int):
    """(token) `{"owner"}`: an editor or admin, or null for nobody"""
    body = check_object(json_body(), OWNER)
    return jsonify(set_owner(get_db(), case_id, body["owner"], by=username()))


@bp.post("/cases/<int:case_id>/comments")
def case_comment(case_id: int):
    """(token) `{"text"}`: a comment in its history (201)"""
    body = check_object(json_body(), COMMENT)
    return jsonify(add_comment(get_db(), case_id, body["text"], by=username())), 201
