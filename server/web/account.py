"""Logging in and out. The login page is the only page open to anyone."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for

from ..access import current
from ..accounts import TooManyAttempts, end_all_sessions, end_session, list_users, log_in, start_session
from ..db import get_db
from ..errors import Unauthorized
from . import _safe_target, bp


@bp.route("/login", methods=["GET", "POST"])
def login():
    db = get_db()
    target = _safe_target(request.values.get("next", ""), url_for("web.overview"))
    error, status = None, 200
    if request.method == "POST":
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
        "login.html", error=error, target=target, no_users=not list_users(db), username=username
    ), status


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
