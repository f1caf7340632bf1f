"""``POST /api/clips``: one comment clipped by the browser extension; ``GET /api/me``: whose
token this is (the extension's "test connection")."""

from __future__ import annotations

from flask import g, jsonify

from ..access import current
from ..brands import our_brand
from ..db import get_db
from ..errors import Invalid
from ..ingest import Context, ingest
from ..normalise import parse_datetime
from ..schema import Field, check_object, fields
from . import bp
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
    Field("permalink", max_length=2048),
    Field("clipped_at", (str, int, float), max_length=64),
)


@bp.post("/clips")
def post_clip():
    clip = check_object(json_body(), CLIP_FIELDS, what="a clip")
    db = get_db()
    if not clip["brand"]:
        own = our_brand(db)
        if own is None:
            raise Invalid("this workspace has no brand of its own yet: add one first")
        clip["brand"] = own["name"]
    clipped_at = _clipped_at(clip.pop("clipped_at"))
    permalink = clip.pop("permalink")
    if permalink:  # the comment's own address beats the page's
        clip["url"] = permalink
    item = {k: v for k, v in clip.items() if v is not None}
    ctx = Context(origin="clip", collected_by=g.token["name"], collected_at=clipped_at)
    (outcome,) = ingest(db, [item], ctx)
    if outcome.status == "rejected":
        raise Invalid(outcome.reason or "the clip was rejected")
    duplicate = outcome.status == "duplicate"
    return jsonify({"id": outcome.id, "duplicate": duplicate}), 200 if duplicate else 201


def _clipped_at(value: str | int | float | None) -> str | None:
    """When the user clipped it (a queued clip arrives later); never in the future."""
    if value is None:
        return None
    try:
        return parse_datetime(value)
    except ValueError as exc:
        raise Invalid(str(exc).replace("published_at", "clipped_at")) from None


@bp.get("/me")
def me():
    """Who is asking (the extension's "test connection")."""
    who = current()
    token = g.get("token")
    return jsonify({"service": "gapwatch", "token": token["name"] if token else None, "user": who.username,
                    "role": who.role, "rights": sorted(who.rights)})  # fmt: skip
