"""Every error on an ``/api/`` path answers JSON ``{"error": "..."}``, never an HTML page."""

from __future__ import annotations

import secrets
import sqlite3

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from server.errors import GapwatchError


def error_response(status: int, message: str, **extra) -> tuple[Response, int]:
    return jsonify({"error": message, **extra}), status


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _http_error(exc: HTTPException):
    if not _is_api():
        return exc
    if isinstance(exc, RequestEntityTooLarge):
        limit = request.max_content_length
        return error_response(413, f"request body is larger than the limit of {limit} bytes")
    response, status = error_response(exc.code or 500, exc.description or exc.name)
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response, status


def _domain_error(exc: GapwatchError):
    if not _is_api():  # a page: the message on a page, not JSON
        from flask import render_template

        return render_template("error.html", message=str(exc), status=exc.status), exc.status
    response, status = error_response(exc.status, str(exc))
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="gapwatch"'
    return response, status


_UNAVAILABLE = (
    (("locked", "busy"), "the store is busy: another process is writing to it. Nothing was changed; "
                         "try again in a moment"),
    (("disk is full", "disk i/o"), "the store cannot be written (disk full or failing). Nothing was "
                                   "changed; the server log has the details"),
)  # fmt: skip


def _store_unavailable(exc: sqlite3.OperationalError):
    """A store that is locked or cannot be written, or a question that ran past its time budget:
    503 with the reason, and a retry hint."""
    text = str(exc).lower()
    message = next((m for words, m in _UNAVAILABLE if any(w in text for w in words)), None)
    if text == "interrupted":
        budget = current_app.config.get("QUERY_TIMEOUT")
        message = (f"this question took longer than the {budget:g} s a request may read the store: ask for a "
                   "shorter period, one brand or a narrower search")  # fmt: skip
        current_app.logger.warning("request %s: %s %s stopped after its time budget", request_id(),
                                   request.method, request.path)  # fmt: skip
    if message is None:
        return _unexpected_error(exc)
    if _is_api():
        response, status = error_response(503, message)
    else:
        from flask import render_template

        response, status = render_template("error.html", message=message, status=503), 503
        response = current_app.make_response((response, status))
    response.headers["Retry-After"] = "5"
    return response, status


def _unexpected(exc: Exception):
    if isinstance(exc, sqlite3.OperationalError):
        return _store_unavailable(exc)
    return _unexpected_error(exc)


def request_id() -> str:
    """This request's id: in the log line of any error, the error page and ``X-Request-Id``."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(6)
    return g.request_id


def _unexpected_error(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    rid = request_id()
    current_app.logger.error(
        "unhandled error on %s %s (request id %s)", request.method, request.path, rid, exc_info=exc
    )
    if _is_api():
        return error_response(500, f"internal error; the server log has the details under request id {rid}",
                              request_id=rid)  # fmt: skip
    message = (f"Something went wrong on our side (nothing you did). The server log has the details under "
               f"request id {rid}: give it to whoever runs Gapwatch.")  # fmt: skip
    try:
        from flask import render_template

        return render_template("error.html", message=message, status=500, request_id=rid), 500
    except Exception:  # the page itself cannot be drawn (a broken store): plain text, still logged
        current_app.logger.exception("the error page failed too (request id %s)", rid)
        return current_app.response_class(message + "\n", status=500, mimetype="text/plain")


def _tag_response(response: Response) -> Response:
    response.headers.setdefault("X-Request-Id", request_id())
    return response


def init_app(app: Flask) -> None:
    app.after_request(_tag_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(GapwatchError, _domain_error)
    app.register_error_handler(Exception, _unexpected)
