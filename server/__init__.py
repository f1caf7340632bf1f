"""Gapwatch: the gap between what a brand claims and what its customers say.

``create_app`` is the application factory; ``gapwatch serve`` runs it under waitress.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

from server.version import __version__

__all__ = ["__version__", "create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the web application with settings resolved once (see ``server.settings``). Flask is
    imported here, not with the package: the store, the crawls and the workers do without it."""
    from flask import Flask

    from server import request_db, settings
    from server.access import init_app as init_access
    from server.api import bp as api_bp
    from server.api.cors import init_app as init_cors
    from server.api.errors import init_app as init_errors
    from server.store import db
    from server.web import bp as web_bp
    from server.web.security import init_app as init_security

    values = settings.load(config)
    app = Flask(__name__, static_folder=None)  # static files belong to the web blueprint
    from server.params import BoundedInt

    app.url_map.converters["int"] = BoundedInt  # before any route is added
    app.config.update(values)
    app.config["SECRET_KEY"] = values["SECRET_KEY"] or db.workspace_secret(values["DB"])
    app.config["SESSION_COOKIE_SECURE"] = bool(values["SECURE_COOKIES"])
    app.config["SESSION_COOKIE_NAME"] = "gapwatch_session"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=values["SESSION_HOURS"])
    app.config["MAX_CONTENT_LENGTH"] = values["MAX_REQUEST_BYTES"]
    app.json.sort_keys = False
    request_db.init_app(app)
    init_errors(app)
    init_cors(app)
    init_security(app)
    init_access(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    return app
