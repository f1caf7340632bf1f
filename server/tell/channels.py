"""Where alerts and the weekly digest go, set by admins in the browser: Slack and Microsoft
Teams incoming webhooks (each in its own message format), a generic webhook (``{"text",
"alert"}``, as ``GAPWATCH_ALERT_WEBHOOK``) and email addresses (through the SMTP server of the
settings). Stored in ``notify_channels``; a webhook address is a secret (whoever has it can
post), so it is never shown again in full: pages and the API show it masked.

``server.tell.notify`` delivers on these channels as well as on the ones the settings name.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from sqlite_utils import Database

from server.errors import Invalid, NotFound
from server.store.db import utcnow, write_transaction

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
    from server.tell import notify

    channel = _row(db, channel_id)
    text = "Gapwatch test message: alerts and the weekly digest will arrive here."
    try:
        notify.send_on(channel, mail_config(db, config), "Gapwatch test message", text, {"test": True})
        result = "sent"
    except OSError as exc:
        result = f"failed: {exc}"
    with write_transaction(db):
        db.execute("UPDATE notify_channels SET tested_at = ?, test_result = ? WHERE id = ?",
                   [utcnow(), result, channel_id])  # fmt: skip
    return get_channel(db, channel_id)


# --- the email server, set by admins ---------------------------------------------------------------

SMTP_KEY = "smtp_settings"
_HOSTNAME = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^\[?[0-9A-Fa-f:.]{2,45}\]?$")


def _stored_smtp(db: Database) -> dict:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [SMTP_KEY]).fetchone()
    return json.loads(row[0]) if row else {}


def smtp_settings(db: Database, config: dict) -> dict:
    """The email server as pages show it: where it comes from (``"page"``, ``"settings"`` or
    None), host, port, login, sender, STARTTLS, and whether a password is set (never the
    password)."""
    stored = _stored_smtp(db)
    if stored.get("host"):
        source, values = "page", stored
    elif config.get("SMTP_HOST"):
        source = "settings"
        values = {"host": config["SMTP_HOST"], "port": int(config.get("SMTP_PORT") or 25),
                  "user": config.get("SMTP_USER") or "", "from": config.get("SMTP_FROM") or "",
                  "starttls": bool(config.get("SMTP_STARTTLS")),
                  "password": config.get("SMTP_PASSWORD")}  # fmt: skip
    else:
        return {"source": None, "host": "", "port": 587, "user": "", "from": "", "starttls": True,
                "password_set": False}  # fmt: skip
    return {"source": source, "host": values["host"], "port": values.get("port") or 25,
            "user": values.get("user") or "", "from": values.get("from") or "",
            "starttls": bool(values.get("starttls")),
            "password_set": bool(values.get("password"))}  # fmt: skip


def set_smtp(db: Database, form: dict, by: str) -> dict:
    """Store the email server from the admins' form: ``host`` (empty: forget it, back to the
    settings), ``port``, ``user``, ``password`` (empty keeps the one stored), ``from``,
    ``starttls``. All checked before anything is stored."""
    host = (form.get("host") or "").strip()
    if not host:
        with write_transaction(db):
            db.execute("DELETE FROM meta WHERE key = ?", [SMTP_KEY])
        return {}
    if not _HOSTNAME.match(host):
        raise Invalid(f"not a host name or address: {host[:80]!r}")
    port_text = str(form.get("port") or "").strip() or "587"
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise Invalid(f"the port must be a number from 1 to 65535, not {port_text[:20]!r}")
    sender = (form.get("from") or "").strip()
    if sender and not _EMAIL.match(sender):
        raise Invalid(f"the sender is not an email address: {sender[:80]!r}")
    user = (form.get("user") or "").strip()
    if len(user) > 200:
        raise Invalid("the login is longer than 200 characters")
    password = form.get("password") or ""
    if len(password) > 500:
        raise Invalid("the password is longer than 500 characters")
    stored = _stored_smtp(db)
    value = {"host": host, "port": int(port_text), "user": user, "from": sender,
             "starttls": bool(form.get("starttls")), "password": password or stored.get("password", ""),
             "updated_by": by, "updated_at": utcnow()}  # fmt: skip
    if not user:
        value["password"] = ""
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [SMTP_KEY, json.dumps(value)])
    return value


def mail_config(db: Database, config: dict) -> dict:
    """``config`` with the email server the admins set in the browser, which wins over the
    ``GAPWATCH_SMTP_*`` settings."""
    stored = _stored_smtp(db)
    if not stored.get("host"):
        return config
    return {**config, "SMTP_HOST": stored["host"], "SMTP_PORT": stored["port"],
            "SMTP_USER": stored.get("user") or "", "SMTP_PASSWORD": stored.get("password") or "",
            "SMTP_FROM": stored.get("from") or config.get("SMTP_FROM"),
            "SMTP_STARTTLS": 1 if stored.get("starttls") else 0}  # fmt: skip


# --- what each person chooses to get -------------------------------------------------------------


def person_choice(db: Database, user_id: int) -> dict:
    """What a person gets by email: ``{"email", "brands": [...], "digest"}`` (nothing chosen yet:
    no email, no brands, no digest)."""
    row = db.execute(
        "SELECT email, brands, digest FROM person_notify WHERE user_id = ?", [user_id]
    ).fetchone()
    if row is None:
        return {"email": "", "brands": [], "digest": False}
    return {"email": row[0], "brands": json.loads(row[1]), "digest": bool(row[2])}


def set_person_choice(db: Database, user_id: int, email: str, brands: list[str], digest: bool) -> dict:
    """Store what a person gets: alerts of ``brands`` and/or the weekly digest at ``email``.
    No brand and no digest with an empty address stops everything."""
    from server.store.brands import list_brands

    email = (email or "").strip()
    known = {b["name"] for b in list_brands(db, counts=False)}
    unknown = [b for b in brands if b not in known]
    if unknown:
        raise NotFound(f"unknown brand {unknown[0][:100]!r}")
    if email and not _EMAIL.match(email):
        raise Invalid(f"not an email address: {email[:80]!r}")
    if (brands or digest) and not email:
        raise Invalid("give the email address the alerts and the digest go to")
    with write_transaction(db):
        if not email:
            db.execute("DELETE FROM person_notify WHERE user_id = ?", [user_id])
        else:
            db.execute("INSERT OR REPLACE INTO person_notify (user_id, email, brands, digest, updated_at) "
                       "VALUES (?, ?, ?, ?, ?)",
                       [user_id, email, json.dumps(sorted(set(brands))), int(digest), utcnow()])  # fmt: skip
    return person_choice(db, user_id)


def person_channels(db: Database) -> list[dict]:
    """Each active person's email choice as a delivery channel (key ``person:<user id>``), with
    the brands whose alerts they get and whether they get the digest."""
    rows = db.execute(
        "SELECT p.user_id, p.email, p.brands, p.digest, u.username FROM person_notify p "
        "JOIN users u ON u.id = p.user_id WHERE u.disabled_at IS NULL ORDER BY p.user_id"
    ).fetchall()
    return [{"key": f"person:{user_id}", "kind": "email", "target": email, "name": username,
             "brands": set(json.loads(brands)), "digest": bool(digest)}
            for user_id, email, brands, digest, username in rows]  # fmt: skip
