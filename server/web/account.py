"""Logging in and out. The login page is the only page open to anyone."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for

from ..accounts import TooManyAttempts, list_users, log_in
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
            session["uid"] = who.user_id
            session.permanent = True
            return redirect(target, code=303)
    username = request.form.get("username", "")
    return render_template(
        "login.html", error=error, target=target, no_users=not list_users(db), username=username
    ), status


@bp.post("/logout")
def logout():
    session.clear()
    flash("You are logged out.", "ok")
    return redirect(url_for("web.login"), code=303)
