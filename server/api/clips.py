"""``POST /api/clips``: one comment clipped by the browser extension."""

from __future__ import annotations

from flask import jsonify

from ..brands import our_brand
from ..db import get_db
from ..errors import Invalid
from ..ingest import Context, ingest
from ..schema import Field, check_object, fields
from . import bp
from .auth import token_required
from .body import json_body

CLIP_FIELDS = fields(
    Field("text", required=True),
    Field("url", required=True),
    Field("title"),
    Field("context"),
    Field("brand"),
    Field("author"),
    Field("published_at", (str, int, float)),
    Field("language"),
    Field("note"),
)


@bp.post("/clips")
@token_required
def post_clip():
    clip = check_object(json_body(), CLIP_FIELDS, what="a clip")
    db = get_db()
    if not clip["brand"]:
        own = our_brand(db)
        if own is None:
            raise Invalid("this workspace has no brand of its own yet: add one first")
        clip["brand"] = own["name"]
    item = {k: v for k, v in clip.items() if v is not None}
    (outcome,) = ingest(db, [item], Context(origin="clip"))
    if outcome.status == "rejected":
        raise Invalid(outcome.reason or "the clip was rejected")
    duplicate = outcome.status == "duplicate"
    return jsonify({"id": outcome.id, "duplicate": duplicate}), 200 if duplicate else 201
