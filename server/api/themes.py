"""Themes nobody declared (``server.themes``):

- ``GET /api/brands/<brand>/themes``: the current themes, largest first (``order=growth``: fastest
  growing first), with terms, quotes, size, growth and the last run (with its outlier share);
- ``POST /api/brands/<brand>/themes/run``: ask the background job to find them again (202);
- ``GET /api/themes/<id>/draft``: a new attribute drafted from a theme;
- ``POST /api/themes/<id>/promote``: add the attribute (body: key, name, definition, examples,
  optional note) as a new taxonomy version and mark the theme promoted (201).
"""

from flask import current_app, g, jsonify, request

from ..db import get_db
from ..schema import Field
from ..themes import draft_attribute, list_themes, promote_theme, request_run
from . import bp
from .body import json_object


def wake_classifier() -> None:
    """Re-tag for the new taxonomy version now rather than at the next scheduled run."""
    scheduler = current_app.extensions.get("gapwatch_scheduler")
    if scheduler is not None:
        scheduler.wake_classifier()


@bp.get("/brands/<brand>/themes")
def themes_index(brand: str):
    return jsonify(list_themes(get_db(), brand, request.args.get("order", "size")))


@bp.post("/brands/<brand>/themes/run")
def themes_run(brand: str):
    return jsonify({"queued": True, "brand": request_run(get_db(), brand)}), 202


@bp.get("/themes/<int:theme_id>/draft")
def theme_draft(theme_id: int):
    return jsonify(draft_attribute(get_db(), theme_id))


@bp.post("/themes/<int:theme_id>/promote")
def theme_promote(theme_id: int):
    body = json_object({"key", "name", "definition", "examples", "note"})
    note = body.pop("note", None)
    if note is not None:
        Field("note").check(note)
    version, key = promote_theme(get_db(), theme_id, body, by=f"token:{g.token['name']}", note=note)
    wake_classifier()
    return jsonify({"taxonomy_version": version, "attribute": key, "theme": theme_id}), 201
