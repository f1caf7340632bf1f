"""The shared vocabulary and the declared positioning, both versioned:

- ``GET /api/taxonomy``: the current attributes and every version;
  ``POST /api/taxonomy``: ``{"attributes": [...], "note": "..."}`` saves a new version (the
  classifier job re-tags in the background);
- ``GET /api/brands/<brand>/positioning``: current weights, statement and every version;
  ``PUT /api/brands/<brand>/positioning``: ``{"weights": {...}, "statement": "...", "note": "..."}``
  saves a new version (weights between 0 and 1, summing to 1).
"""

from flask import g, jsonify

from server.api import bp
from server.api.body import json_object
from server.classify.taxonomy import (
    current_attributes,
    current_version,
    get_positioning,
    positioning_history,
    save_taxonomy,
    set_positioning,
    taxonomy_versions,
)
from server.errors import Invalid
from server.request_db import get_db
from server.store.brands import get_brand


def _note(body: dict) -> str | None:
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise Invalid("note must be text of at most 500 characters")
    return note


def taxonomy_body(db) -> dict:
    return {
        "version": current_version(db),
        "attributes": current_attributes(db),
        "versions": taxonomy_versions(db),
    }


@bp.get("/taxonomy")
def taxonomy_show():
    """`{"version", "attributes": [{"key", "name", "definition", "examples"}], "versions": [{"version",
    "note", "created_at", "saved_by", "keys"}]}`"""
    return jsonify(taxonomy_body(get_db()))


@bp.post("/taxonomy")
def taxonomy_save():
    """(token) `{"attributes": [...], "note"?}`: the whole taxonomy as a new version (201); the classifier
    job re-tags in the background. Removing an attribute that a brand's positioning weighs is refused
    (400, naming the brands)"""
    body = json_object({"attributes", "note"})
    if "attributes" not in body:
        raise Invalid("attributes is required: the full list of attributes of the new version")
    db = get_db()
    save_taxonomy(db, body["attributes"], _note(body), by=f"token:{g.token['name']}")
    return jsonify(taxonomy_body(db)), 201


def positioning_body(db, brand: str) -> dict:
    row = get_brand(db, brand)
    return {
        "brand": row["name"],
        "weights": get_positioning(db, row["name"]),
        "statement": row["positioning_statement"],
        "versions": positioning_history(db, row["name"]),
    }


@bp.get("/brands/<brand>/positioning")
def positioning_show(brand: str):
    """`{"brand", "weights", "statement", "versions": [{"version", "weights", "statement", "note",
    "saved_by", "created_at"}]}`"""
    return jsonify(positioning_body(get_db(), brand))


@bp.put("/brands/<brand>/positioning")
def positioning_save(brand: str):
    """(token) `{"weights": {attribute: weight}, "statement"?, "note"?}`: weights between 0 and 1 over
    current attributes, summing to 1; saved as a new version"""
    body = json_object({"weights", "statement", "note"})
    if "weights" not in body:
        raise Invalid("weights is required: {attribute: weight}, summing to 1")
    db = get_db()
    set_positioning(db, brand, body["weights"], body.get("statement"), note=_note(body),
                    by=f"token:{g.token['name']}")  # fmt: skip
    return jsonify(positioning_body(db, brand))
