"""The admin's Notifications page (``/notifications``): where alerts and the weekly digest go
(Slack, Microsoft Teams, a webhook, email), each with "Send a test" (see ``server.channels``)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from ..channels import KINDS, add_channel, list_channels, remove_channel, send_test, set_enabled
from ..db import get_db
from ..errors import GapwatchError
from ..notify import channels as configured
from . import _who, bp


def _done(message: str, category: str = "ok"):
    flash(message, category)
    return redirect(url_for("web.notifications"), code=303)


@bp.get("/notifications")
def notifications():
    config = current_app.config
    return render_template("notifications.html", channels=list_channels(get_db()), kinds=KINDS,
                           from_settings=configured(config), smtp=bool(config.get("SMTP_HOST")))  # fmt: skip


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
