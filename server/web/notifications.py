"""The admin's Notifications page (``/notifications``): where alerts and the weekly digest go
(Slack, Microsoft Teams, a webhook, email), each with "Send a test", and the email server (see
``server.tell.channels``); and everyone's own "My alerts" page (``/my-alerts``): which brands' alerts
and whether the weekly digest come to their email."""

from __future__ import annotations

import functools

from flask import current_app, render_template, request

from server.access import current
from server.errors import GapwatchError
from server.request_db import get_db
from server.store.brands import list_brands
from server.tell.channels import (
    KINDS,
    add_channel,
    list_channels,
    person_channels,
    person_choice,
    remove_channel,
    send_test,
    set_enabled,
    set_person_choice,
    set_smtp,
    smtp_settings,
)
from server.tell.notify import channels as configured
from server.web import _who, bp, flashed

_done = functools.partial(flashed, to="web.notifications")


@bp.get("/notifications")
def notifications():
    """(admins) where alerts and the weekly digest go besides the app, set in the browser: **Slack** and
    **Microsoft Teams** incoming webhooks (Slack gets `{"text", "blocks"}`, Teams a connector card
    `{"@type": "MessageCard", "title", "text"}`), a generic **webhook** (`{"text", "alert"}`, as
    `GAPWATCH_ALERT_WEBHOOK`) or **email** addresses. A webhook address is a secret: it is stored and shown
    only as its host and last four characters. **Send a test** posts a test message and records how it went.
    **Email server**: host, port, login, password (kept when the field is left empty, never shown again),
    sender, STARTTLS (`POST /notifications/email-server`; an empty host removes it, back to the
    `GAPWATCH_SMTP_*` settings). Lists who chose alerts by email on `/my-alerts`. The forms post to
    `/notifications`, `/notifications/<id>/test`, `/notifications/<id>/enabled` and
    `/notifications/<id>/delete`. Channels of the settings still work beside them"""
    config = current_app.config
    db = get_db()
    return render_template("notifications.html", channels=list_channels(db), kinds=KINDS,
                           from_settings=configured(config), smtp=smtp_settings(db, config),
                           people=person_channels(db))  # fmt: skip


@bp.post("/notifications/email-server")
def notifications_smtp():
    """The email server: checked whole, stored, its password never shown again."""
    try:
        stored = set_smtp(get_db(), request.form.to_dict(), _who())
    except GapwatchError as exc:
        return _done(f"Email server not saved: {exc}", "error")
    if not stored:
        return _done("Email server removed: email goes through the server's settings, if they name one.")
    return _done(
        f"Email server {stored['host']}:{stored['port']} saved: send a test to an email channel to check it."
    )


@bp.get("/my-alerts")
def my_alerts():
    """(everyone signed in) **what Gapwatch emails me**: my address, the brands whose alerts I get, and
    whether I get the weekly digest (`POST /my-alerts`: `email`, `brand` repeated, `digest=1`); an
    address is needed for either, an empty address with nothing ticked stops all email. Sent through the
    email server of `/notifications`; a disabled account gets nothing"""
    db = get_db()
    who = current()
    return render_template("my_alerts.html", choice=person_choice(db, who.user_id),
                           brands=list_brands(db, counts=False),
                           smtp=smtp_settings(db, current_app.config))  # fmt: skip


@bp.post("/my-alerts")
def my_alerts_save():
    form = request.form
    who = current()
    try:
        choice = set_person_choice(get_db(), who.user_id, form.get("email", ""), form.getlist("brand"),
                                   form.get("digest") == "1")  # fmt: skip
    except GapwatchError as exc:
        return flashed(f"Not saved: {exc}", "error", to="web.my_alerts")
    if not choice["email"]:
        return flashed("Saved: no email from Gapwatch; alerts stay in the app.", to="web.my_alerts")
    what = [f"alerts of {', '.join(choice['brands'])}"] if choice["brands"] else []
    what += ["the weekly digest"] if choice["digest"] else []
    return flashed(f"Saved: {' and '.join(what) or 'nothing'} to {choice['email']}.", to="web.my_alerts")


@bp.post("/notifications")
def notifications_add():
    form = request.form
    try:
        made = add_channel(
            get_db(), form.get("kind", ""), form.get("name", ""), form.get("target", ""), _who()
        )
    except GapwatchError as exc:
        return _done(f"Not added: {exc}", "error")
    return _done(f"Added {made['name']!r} ({made['kind_name']}): send a test to check it.")


@bp.post("/notifications/<int:channel_id>/test")
def notifications_test(channel_id: int):
    channel = send_test(get_db(), channel_id, current_app.config)
    ok = channel["test_result"] == "sent"
    return _done(f"Test message to {channel['name']!r}: {channel['test_result']}.", "ok" if ok else "error")


@bp.post("/notifications/<int:channel_id>/enabled")
def notifications_enabled(channel_id: int):
    channel = set_enabled(get_db(), channel_id, request.form.get("enabled") == "1")
    return _done(f"{channel['name']!r} is {'on' if channel['enabled'] else 'off'}.")


@bp.post("/notifications/<int:channel_id>/delete")
def notifications_delete(channel_id: int):
    remove_channel(get_db(), channel_id)
    return _done("Channel removed.")
