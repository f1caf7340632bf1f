"""The admin's page: people (add, disable, enable) and API tokens (create, shown once; revoke)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ..accounts import ROLES, add_user, list_users, set_disabled
from ..db import get_db
from ..errors import GapwatchError
from ..tokens import create_token, list_tokens, revoke_token
from . import bp


@bp.get("/users")
def users(new_token: str | None = None, note: str | None = None):
    db = get_db()
    return render_template("users.html", users=list_users(db), tokens=list_tokens(db), roles=ROLES,
                           new_token=new_token, note=note)  # fmt: skip


def _done(message: str, category: str = "ok"):
    flash(message, category)
    return redirect(url_for("web.users"), code=303)


@bp.post("/users")
def users_add():
    form = request.form
    try:
        user = add_user(get_db(), form.get("username", ""), form.get("password", ""), form.get("role", ""))
    except GapwatchError as exc:
        return _done(f"Not added: {exc}", "error")
    return _done(f"Added {user['username']} ({user['role']}).")


@bp.post("/users/<int:user_id>/enabled")
def users_enabled(user_id: int):
    db = get_db()
    user = next((u for u in list_users(db) if u["id"] == user_id), None)
    if user is None:
        return _done(f"No user {user_id}.", "error")
    disable = request.form.get("enabled") != "1"
    try:
        set_disabled(db, user["username"], disable)
    except GapwatchError as exc:
        return _done(f"{user['username']} was not changed: {exc}", "error")
    return _done(f"{user['username']} is {'disabled' if disable else 'enabled'}.")


@bp.post("/tokens")
def tokens_create():
    form = request.form
    try:
        record, token = create_token(
            get_db(), form.get("name", ""), form.get("user", ""), form.get("scope", "full")
        )
    except GapwatchError as exc:
        return _done(f"No token made: {exc}", "error")
    # shown in this answer only (never in a cookie or a redirect), like `gapwatch tokens create`
    owner = f"{record['user']} ({record['scope']})"
    note = f"Token {record['name']!r} for {owner}: copy it now, it is not shown again."
    return users(new_token=token, note=note)


@bp.post("/tokens/<int:token_id>/revoke")
def tokens_revoke(token_id: int):
    try:
        record = revoke_token(get_db(), str(token_id))
    except GapwatchError as exc:
        return _done(f"Not revoked: {exc}", "error")
    return _done(f"Token {record['name']!r} revoked.")
