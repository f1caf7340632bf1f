"""The admin's page: people (add, disable, enable) and API tokens (create, shown once; revoke)."""

from __future__ import annotations

import functools
import secrets

from flask import render_template, request

from server.errors import GapwatchError
from server.people.accounts import ROLES, add_user, list_users, set_disabled
from server.people.tokens import create_token, list_tokens, revoke_token
from server.request_db import get_db
from server.store.db import write_transaction
from server.web import bp, flashed

ONCE_PREFIX = "token_form:"  # meta keys: a token form already answered, and the token it made


@bp.get("/users")
def users(new_token: str | None = None, note: str | None = None):
    """(admins) people with role, state and last login: add a user, disable or enable one; API tokens with
    user, scope, last use: create one (shown once, on that page only) or revoke it. The forms post to
    `/users`, `/users/<id>/enabled`, `/tokens` and `/tokens/<id>/revoke`"""
    db = get_db()
    return render_template("users.html", users=list_users(db), tokens=list_tokens(db), roles=ROLES,
                           new_token=new_token, note=note, form_once=secrets.token_urlsafe(16))  # fmt: skip


_done = functools.partial(flashed, to="web.users")


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
    """Make a token and show it in this answer only. The form carries a one-time value: sending
    it again (a reload of this answer) makes no second token, and says so."""
    form = request.form
    db = get_db()
    once = form.get("once", "")[:64]
    if once:
        made = db.execute("SELECT value FROM meta WHERE key = ?", [ONCE_PREFIX + once]).fetchone()
        if made is not None:
            return _done(f"No second token made: this form was already sent and made token {made[0]!r}, "
                         "shown once. If it was not copied, revoke it below and make a new one.",
                         "error")  # fmt: skip
    try:
        name, user, scope = form.get("name", ""), form.get("user", ""), form.get("scope", "full")
        record, token = create_token(db, name, user, scope)
    except GapwatchError as exc:
        return _done(f"No token made: {exc}", "error")
    if once:
        with write_transaction(db):
            db["meta"].upsert({"key": ONCE_PREFIX + once, "value": record["name"]}, pk="key")
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
