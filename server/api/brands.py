"""``GET /api/brands``: the brands a comment can be about (the extension's brand picker)."""

from flask import jsonify

from server.api import bp
from server.request_db import get_db
from server.store.brands import list_brands


@bp.get("/brands")
def get_brands():
    """`{"brands": [{"id", "name", "is_ours", "positioning_statement", "comments"}], "ours": NAME}`"""
    brands = list_brands(get_db())
    ours = next((b["name"] for b in brands if b["is_ours"]), None)
    return jsonify({"brands": brands, "ours": ours})
