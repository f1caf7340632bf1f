"""The JSON API under ``/api``: one module per resource, errors always as JSON."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from server.api import (  # noqa: E402,F401  (routes register on import)
    alerts,
    brands,
    cases,
    clips,
    comments,
    enemies,
    health,
    perception,
    review,
    sources,
    themes,
    training,
    vocabulary,
)
