"""Themes nobody declared (``server.classify.themes``):

- ``GET /api/brands/<brand>/themes``: the current themes, largest first (``order=growth``: fastest
  growing first), with terms, quotes, size, growth and the last run (with its outlier share);
- ``POST /api/brands/<brand>/themes/run``: ask the background job to find them again (202);
- ``GET /api/themes/<id>/draft``: a new attribute drafted from a theme;
- ``POST /api/themes/<id>/promote``: add the attribute (body: key, name, definition, examples,
  optional note) as a new taxonomy version and mark the theme promoted (201).
"""

from flask import g, jsonify, request

from server.answers import wake_classifier, wake_scheduler
from server.api import bp
from server.api.body import json_object
from server.classify.themes import draft_attribute, list_themes, promote_theme, request_run
from server.request_db import get_db
from server.validation import Field


@bp.get("/brands/<brand>/themes")
def themes_index(brand: str):
    """the themes nobody declared: `{"brand", "order", "unclaimed", "growth_days", "recent_window", "runs":
    {"latest", "done"}, "themes": [{"id", "label", "terms", "size", "share", "recent", "before", "growth",
    "new", "sizes", "quotes": [{"id", "text", "channel", "url", "author", "date"}], "status", "first_run"}],
    "promoted": [...]}`, largest first (`order=growth`: fastest growing first; 400 for another order). A run
    has `status` (`running`, `done`, `failed`), `comments` (unclaimed), `themed`, `themes`, `outlier_share`,
    `seconds`; `growth` compares the theme's comments of the latest 90 days with the 90 before (`new` when
    there were none before); `sizes` is the theme's size at each run"""
    return jsonify(list_themes(get_db(), brand, request.args.get("order", "size")))


@bp.post("/brands/<brand>/themes/run")
def themes_run(brand: str):
    """(token) ask the background job to find the brand's themes again: 202 `{"queued": true, "brand"}`; the
    scheduler starts it at once (within seconds when another server process runs it)"""
    queued = request_run(get_db(), brand, by=f"token:{g.token['name']}")
    wake_scheduler()
    return jsonify({"queued": True, "brand": queued}), 202


@bp.get("/themes/<int:theme_id>/draft")
def theme_draft(theme_id: int):
    """a new attribute drafted from the theme: `{"key", "name", "definition", "examples", "theme"}` (name
    from its top term, definition from its terms, examples from its quotes' sentences)"""
    return jsonify(draft_attribute(get_db(), theme_id))


@bp.post("/themes/<int:theme_id>/promote")
def theme_promote(theme_id: int):
    """(token) `{"key"?, "name", "definition", "examples"?, "note"?}`: add the attribute to the taxonomy as
    a new version and mark the theme promoted, 201 `{"taxonomy_version", "attribute", "theme"}`; every
    comment is re-tagged in the background. 400 for an attribute key already in the taxonomy or a
    malformed attribute, 404 for an unknown theme, 409 when the theme was already promoted"""
    body = json_object({"key", "name", "definition", "examples", "note"})
    note = body.pop("note", None)
    if note is not None:
        Field("note").check(note)
    version, key = promote_theme(get_db(), theme_id, body, by=f"token:{g.token['name']}", note=note)
    wake_classifier()
    return jsonify({"taxonomy_version": version, "attribute": key, "theme": theme_id}), 201
