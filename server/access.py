"""Who may reach what: every request but ``GET /api/health``, the login page and static files
needs a logged-in person (session cookie) or an API token, and the right for what it asks.

- Reading (pages, ``GET /api/...``) needs ``read``; sending a clip (``POST /api/clips``,
  ``GET /api/me``, and the brand list the extension offers) needs ``clip``; every other change
  needs ``write``; managing users and tokens needs ``admin`` (see ``server.people.accounts``).
- The JSON API takes changes only with a token: a session cookie alone could be ridden by another
  site. Pages' forms carry a CSRF token instead (``server.web.security``).
- Without credentials a page redirects to the login page and the API answers 401; without the
  right, 403 naming the role and what it lacks.
"""

from __future__ import annotations

from flask import Flask, g, redirect, request, session, url_for

from server.errors import Forbidden, Unauthorized
from server.people.accounts import Principal, principal, session_user, user_by_id
from server.people.tokens import verify_token
from server.request_db import get_db

PUBLIC = frozenset(
    {"api.health", "web.login", "web.demo_site", "web.static", "web.plotly_js", "web.plotly_css"}
)
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
# endpoints whose right is not the default (read for safe methods, write for the others)
NEEDS: dict[str, tuple[str, ...]] = {
    "api.post_clip": ("clip",),
    "api.me": ("clip", "read"),
    "api.get_brands": ("read", "clip"),
    "web.logout": ("read",),
    "web.users": ("admin",),
    "web.users_add": ("admin",),
    "web.users_enabled": ("admin",),
    "web.tokens_create": ("admin",),
    "web.tokens_revoke": ("admin",),
    "web.theme_promote": ("write",),  # its form, too: only editors may promote
    "api.alert_read": ("read",),  # triage: anyone who reads alerts may mark them read
    "api.alerts_read_all": ("read",),
    "web.alert_read": ("read",),
    "web.alerts_read_all": ("read",),
    "web.import_page": ("write",),  # its form, too: only editors may import
    "web.setup": ("write",),
    "web.notifications": ("admin",),
    "web.notifications_add": ("admin",),
    "web.notifications_test": ("admin",),
    "web.notifications_enabled": ("admin",),
    "web.notifications_delete": ("admin",),
    "web.notifications_smtp": ("admin",),
    "web.my_alerts_save": ("read",),  # everyone chooses what they get
}
WHAT = {"read": "read", "clip": "send clips", "write": "make changes", "admin": "manage users and tokens"}


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def current() -> Principal | None:
    """The person or token behind this request (after the guard ran)."""
    return g.get("principal")


def username() -> str | None:
    """Who makes a change through this request, for the record."""
    who = current()
    return who.username if who else None


def _from_token() -> Principal | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the API token as 'Authorization: Bearer <token>'")
    record = verify_token(get_db(), token.strip())
    user = user_by_id(get_db(), record["user_id"])
    if user is None or user["disabled_at"] is not None:
        raise Unauthorized("the user this API token belongs to is disabled")
    g.token = record
    return principal(user, f"token:{record['name']}", record["scope"])


def _from_session() -> Principal | None:
    """The user of the login this cookie names, if the login is still open on the server (logout,
    a password change, disabling and "sign out everywhere" end it)."""
    session_id = session.get("sid")
    if not session_id:
        if session.get("uid"):
            session.clear()  # a cookie from before logins were kept on the server
        return None
    user = session_user(get_db(), session_id)
    if user is None:
        session.clear()
        return None
    return principal(user, "session")


def guard():
    endpoint = request.endpoint
    if endpoint is None or endpoint in PUBLIC or request.method == "OPTIONS":
        return None  # a 404/405 follows, a public endpoint, or a CORS preflight
    who = _from_token() or _from_session()
    if who is None:
        if _is_api():
            raise Unauthorized(
                "log in, or send an API token as 'Authorization: Bearer <token>' "
                "(create one with `gapwatch tokens create --name NAME --user USER`)"
            )
        return redirect(
            url_for("web.login", next=request.full_path if request.query_string else request.path)
        )
    g.principal = who
    needed = NEEDS.get(endpoint) or (("read",) if request.method in SAFE else ("write",))
    if _is_api() and request.method not in SAFE and who.via == "session":
        raise Unauthorized(
            "the API takes changes with an API token, not a login cookie: "
            "send 'Authorization: Bearer <token>'"
        )
    if not any(who.may(right) for right in needed):
        scope = " with a clip-only token" if who.via.startswith("token:") and who.rights <= {"clip"} else ""
        raise Forbidden(f"{who.username} ({who.role}{scope}) may not {WHAT[needed[0]]} here")
    return None


def _template_context() -> dict:
    who = current()
    return {"principal": who, "can_write": bool(who and who.may("write"))}


def init_app(app: Flask) -> None:
    app.before_request(guard)
    app.context_processor(_template_context)
