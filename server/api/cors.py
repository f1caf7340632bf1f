"""CORS for the browser extension only: ``chrome-extension://`` and ``moz-extension://`` origins.

The extension's service worker calls the API from its own origin with a bearer token. Web pages
get no CORS headers, so no site a user visits can use the API from their browser.
"""

from __future__ import annotations

from flask import Flask, Response, request

EXTENSION_SCHEMES = ("chrome-extension://", "moz-extension://")


def _cors(response: Response) -> Response:
    origin = request.headers.get("Origin", "")
    if request.path.startswith("/api/") and origin.startswith(EXTENSION_SCHEMES):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "600"
        response.vary.add("Origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_cors)
