"""Logging in and out. The login page is the only page open to anyone."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for

from server.access import current
from server.errors import GapwatchError, Unauthorized
from server.people.accounts import (
    TooManyAttempts,
    add_user,
    end_all_sessions,
    end_session,
    list_users,
    log_in,
    start_session,
)
from server.request_db import get_db
from server.web import _safe_target, bp


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with a name and password (after 5 failed logins a name waits); while nobody can log in yet,
    the form that creates the first admin, offered only to a browser on the server's own machine."""
    db = get_db()
    target = _safe_target(request.values.get("next", ""), url_for("web.overview"))
    error, status = None, 200
    first = not list_users(db) and _from_this_machine()
    if request.method == "POST" and request.form.get("first_admin") == "1":
        if not first:
            message = (
                "the first admin can only be made from the server's own machine, while nobody can log in"
            )
            return render_template("error.html", message=message), 403
        try:
            add_user(db, request.form.get("username", ""), request.form.get("password", ""), "admin")
        except GapwatchError as exc:
            error, status = f"Not made: {exc}", 400
        else:
            target = url_for("web.setup")  # a new workspace's first stop
    if request.method == "POST" and status == 200:
        try:
            who = log_in(db, request.form.get("username", ""), request.form.get("password", ""),
                         request.remote_addr or "?")  # fmt: skip
        except TooManyAttempts as exc:
            error, status = str(exc), 429
        except Unauthorized as exc:
            error, status = str(exc), 401
        else:
            session.clear()  # a fresh session: no fixation
            session["sid"] = start_session(db, who.user_id, current_app.config["SESSION_HOURS"],
                                           request.remote_addr)  # fmt: skip
            session.permanent = True
            return redirect(target, code=303)
    username = request.form.get("username", "")
    return render_template(
        "login.html",
        error=error,
        target=target,
        no_users=not list_users(db),
        first_admin=first,
        username=username,
    ), status


def _from_this_machine() -> bool:
    """Whether the request comes from the server's own machine (a loopback address, and not
    through a proxy, which would say whom it forwards): only there may the first admin be made in
    the browser, before anyone can log in."""
    import ipaddress

    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.post("/logout")
def logout():
    """Log out: the login ends on the server, so a copy of the cookie stops working too. With
    ``everywhere=1``, every login of the user ends (other browsers and devices)."""
    db = get_db()
    who = current()
    if request.form.get("everywhere") == "1" and who is not None:
        ended = end_all_sessions(db, who.username)
        message = f"You are signed out everywhere ({ended} login{'s' if ended != 1 else ''} ended)."
    else:
        end_session(db, session.get("sid"))
        message = "You are logged out."
    session.clear()
    flash(message, "ok")
    return redirect(url_for("web.login"), code=303)
