"""Security headers on every response, and CSRF protection on every form the pages post.

The pages hold text written by strangers on the internet, so the browser is told to run only the
service's own scripts (no inline script, no ``eval``, no other origin) and never to frame a page.
A form carries a token tied to the visitor's session cookie; a POST without it is refused.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, abort, request, session

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}

FIELD = "csrf_token"


def csrf_token() -> str:
    """The session's form token (made on first use)."""
    token = session.get(FIELD)
    if not token:
        token = session[FIELD] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse a form POST whose token does not match the session's (400 with the reason)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(FIELD, "")
    expected = session.get(FIELD, "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, "this form has expired or did not come from Gapwatch: reload the page and try again")


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"  # other sites' forms and requests carry no login
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
