"""Where alerts and the weekly digest go, set by admins in the browser: Slack and Microsoft
Teams incoming webhooks (each in its own message format), a generic webhook (``{"text",
"alert"}``, as ``GAPWATCH_ALERT_WEBHOOK``) and email addresses (through the SMTP server of the
settings). Stored in ``notify_channels``; a webhook address is a secret (whoever has it can
post), so it is never shown again in full: pages and the API show it masked.

``server.notify`` delivers on these channels as well as on the ones the settings name.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sqlite_utils import Database

from .db import utcnow, write_transaction
from .errors import Invalid, NotFound

KINDS = {
    "slack": "Slack incoming webhook",
    "teams": "Microsoft Teams incoming webhook",
    "webhook": "Webhook (JSON: text and alert)",
    "email": "Email",
}
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
MAX_EMAILS = 20


def _check_target(kind: str, target: str) -> str:
    target = target.strip()
    if kind == "email":
        addresses = [a.strip() for a in re.split(r"[,;\s]+", target) if a.strip()]
        if not addresses:
            raise Invalid("give at least one email address")
        bad = [a for a in addresses if not _EMAIL.match(a)]
        if bad:
            raise Invalid(f"not an email address: {bad[0][:80]!r}")
        if len(addresses) > MAX_EMAILS:
            raise Invalid(f"at most {MAX_EMAILS} addresses per channel")
        return ", ".join(addresses)
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        giver = {"slack": "Slack", "teams": "Teams"}.get(kind, "the receiver")
        raise Invalid(f"a {KINDS[kind]} needs an http(s) address, such as the one {giver} gives you")
    if len(target) > 2048:
        raise Invalid("the address is longer than 2,048 characters")
    return target


def masked(kind: str, target: str) -> str:
    """What pages show of a channel's target: email addresses as they are; of a webhook, its host
    and the last four characters (the rest is the secret)."""
    if kind == "email":
        return target
    parts = urlsplit(target)
    return f"{parts.scheme}://{parts.hostname}/…{target[-4:]}"


def _public(row: dict) -> dict:
    out = dict(row)
    out["target"] = masked(row["kind"], row["target"])
    out["enabled"] = bool(row["enabled"])
    out["kind_name"] = KINDS[row["kind"]]
    return out


def add_channel(db: Database, kind: str, name: str, target: str, by: str) -> dict:
    if kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}, not {str(kind)[:40]!r}")
    name = (name or "").strip() or KINDS[kind]
    if len(name) > 100:
        raise Invalid("the name is longer than 100 characters")
    target = _check_target(kind, target or "")
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO notify_channels (kind, name, target, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            [kind, name, target, by, utcnow()],
        )
    return get_channel(db, cursor.lastrowid)


def _row(db: Database, channel_id: int) -> dict:
    cursor = db.execute("SELECT * FROM notify_channels WHERE id = ?", [channel_id])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"no notification channel {channel_id}")
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def get_channel(db: Database, channel_id: int) -> dict:
    return _public(_row(db, channel_id))


def list_channels(db: Database) -> list[dict]:
    cursor = db.execute("SELECT * FROM notify_channels ORDER BY id")
    names = [d[0] for d in cursor.description]
    return [_public(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def enabled_channels(db: Database) -> list[dict]:
    """The enabled channels with their full targets (for delivery only, never for display)."""
    cursor = db.execute("SELECT * FROM notify_channels WHERE enabled = 1 ORDER BY id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def set_enabled(db: Database, channel_id: int, enabled: bool) -> dict:
    _row(db, channel_id)
    with write_transaction(db):
        db.execute("UPDATE notify_channels SET enabled = ? WHERE id = ?", [int(enabled), channel_id])
    return get_channel(db, channel_id)


def remove_channel(db: Database, channel_id: int) -> None:
    _row(db, channel_id)
    with write_transaction(db):
        db.execute("DELETE FROM notify_channels WHERE id = ?", [channel_id])


def send_test(db: Database, channel_id: int, config: dict) -> dict:
    """Send a short test message on the channel; record and answer how it went."""
    from . import notify

    channel = _row(db, channel_id)
    text = "Gapwatch test message: alerts and the weekly digest will arrive here."
    try:
        notify.send_on(channel, config, "Gapwatch test message", text, {"test": True})
        result = "sent"
    except OSError as exc:
        result = f"failed: {exc}"
    with write_transaction(db):
        db.execute("UPDATE notify_channels SET tested_at = ?, test_result = ? WHERE id = ?",
                   [utcnow(), result, channel_id])  # fmt: skip
    return get_channel(db, channel_id)
