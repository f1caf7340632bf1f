"""``POST /api/clips``: one comment clipped by the browser extension; ``GET /api/me``: whose
token this is (the extension's "test connection").

A clip's identity is the post it was taken from: its permalink, else the page address with the
post's id on that page, else the page address. It is stored as the comment's ``external_id``, so
clipping the same review again (by the same person or a colleague) is a duplicate that does not
count as another sighting, as a re-crawl is. Its language is the review's own (the ``lang`` of
the element it sits in), else the one detected from its text, else the page's.
"""

from __future__ import annotations

import hashlib

from flask import g, jsonify

from server.access import current
from server.api import bp
from server.api.body import json_body
from server.classify.languages import UNDETERMINED, detect
from server.collect.ingest import Context, ingest
from server.errors import Invalid
from server.request_db import get_db
from server.store.brands import our_brand
from server.store.normalise import normalise_text, parse_datetime
from server.validation import Field, check_object, fields

CLIP_FIELDS = fields(
    Field("text", required=True),
    Field("url", required=True),
    Field("title"),
    Field("context"),
    Field("brand"),
    Field("author"),
    Field("published_at", (str, int, float)),
    Field("language"),
    Field("page_language", max_length=35),
    Field("post_id", (str, int), max_length=200),
    Field("note"),
    Field("permalink", max_length=2048),
    Field("clipped_at", (str, int, float), max_length=64),
)


@bp.post("/clips")
def post_clip():
    """one clip from the browser extension: `{"text", "url", "title"?, "context"?, "brand"?, "author"?,
    "published_at"?, "language"?, "page_language"?, "post_id"?, "note"?, "permalink"?, "clipped_at"?}`. The
    permalink (the comment's own address, where the page has one) is stored as the comment's URL. The clip's
    identity (its `external_id`) is the permalink, else the page address with `post_id` (the post's id on
    that page), else the page address: clipping the same review again is a duplicate that does not count as
    another sighting. Its `language` is the review's own (`lang` of the element it sits in); without one,
    the language detected from the text; when the text is too short to tell, `page_language` (the page's
    `<html lang>`). Line breaks in the text are kept; `clipped_at` (when the user clipped it: a queued clip
    arrives later) as its collection time; the token's name as `collected_by`. `201 {"id", "duplicate":
    false}` for a new comment, `200 {"id", "duplicate": true}` for a copy of a stored one, `400 {"error"}`.
    Without `brand` it goes to the workspace's own brand. CORS headers are sent to `chrome-extension://` and
    `moz-extension://` origins only"""
    clip = check_object(json_body(), CLIP_FIELDS, what="a clip")
    db = get_db()
    if not clip["brand"]:
        own = our_brand(db)
        if own is None:
            raise Invalid("this workspace has no brand of its own yet: add one first")
        clip["brand"] = own["name"]
    clipped_at = _clipped_at(clip.pop("clipped_at"))
    permalink, post_id, page_language = clip.pop("permalink"), clip.pop("post_id"), clip.pop("page_language")
    if permalink:  # the comment's own address beats the page's
        clip["url"] = permalink
    clip["external_id"] = _identity(clip["url"], permalink, post_id)
    clip["language"] = _language(clip["text"], clip["language"], page_language)
    item = {k: v for k, v in clip.items() if v is not None}
    ctx = Context(origin="clip", collected_by=g.token["name"], collected_at=clipped_at)
    (outcome,) = ingest(db, [item], ctx)
    if outcome.status == "rejected":
        raise Invalid(outcome.reason or "the clip was rejected")
    duplicate = outcome.status == "duplicate"
    return jsonify({"id": outcome.id, "duplicate": duplicate}), 200 if duplicate else 201


def _identity(url: str, permalink: str | None, post_id: str | int | None) -> str:
    """What identifies the clipped post: its permalink, the page with the post's id, the page."""
    page = url.split("#", 1)[0]
    key = permalink or (f"{page}#{post_id}" if post_id not in (None, "") else page)
    if len(key) > 190:  # external_id holds 200 characters: a long address is kept as its digest
        key = hashlib.blake2b(key.encode("utf-8"), digest_size=20).hexdigest()
    return f"clip:{key}"


def _language(text: str, own: str | None, page: str | None) -> str | None:
    """The review's own ``lang``; else what its text is in; else (too short to tell) the page's."""
    if own and own.strip():
        return own
    detected = detect(normalise_text(text))
    if detected != UNDETERMINED:
        return detected
    return page if page and page.strip() else None


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
    """(token or login) `{"service": "gapwatch", "token": NAME, "user", "role", "rights"}`: the extension's
    "test connection"; 401 with the reason for a missing, unknown or revoked token"""
    who = current()
    token = g.get("token")
    return jsonify({"service": "gapwatch", "token": token["name"] if token else None, "user": who.username,
                    "role": who.role, "rights": sorted(who.rights)})  # fmt: skip
