"""Delivering alerts (issue 10) beyond the in-app list: webhooks and email, and the weekly digest.

Channels come from the settings (below) and from the browser (``server.tell.channels``: Slack and
Teams incoming webhooks in their own formats, generic webhooks, email addresses).

- **Webhook** (``GAPWATCH_ALERT_WEBHOOK``): one POST per alert of JSON ``{"text", "alert"}``:
  ``text`` is the alert in a few lines (what Slack, Mattermost, Rocket.Chat and Teams incoming
  webhooks show), ``alert`` the whole alert with its figures and an absolute link.
- **Email** (``GAPWATCH_SMTP_HOST`` and ``GAPWATCH_ALERT_EMAIL_TO``): one message per brand for
  the alerts of one evaluation, so a burst does not become a flood.
- A delivery that fails is recorded on the alert with its error and tried again at the next
  evaluation, up to ``MAX_ATTEMPTS`` times; the alert itself is never lost (it is in the app).
- **Weekly digest**: the week's alerts and each own brand's gap now, by email and webhook, once
  per ISO week on ``GAPWATCH_DIGEST_WEEKDAY`` (``gapwatch alerts digest`` shows or sends it).
"""

from __future__ import annotations

import json
import smtplib
import ssl
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage

from sqlite_utils import Database

from server.collect.netguard import post_json
from server.store.db import utcnow, write_transaction

MAX_ATTEMPTS = 5
TIMEOUT = 10  # seconds a webhook or SMTP server may take
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DIGEST_KEY = "alerts_digest_week"
ALERTS_AT_MOST = 1000  # alerts of one week a delivery or the digest reads


def channels(config: dict) -> list[str]:
    """The delivery channels configured: ``webhook`` and/or ``email``."""
    found = []
    if config.get("ALERT_WEBHOOK"):
        found.append("webhook")
    if config.get("SMTP_HOST") and config.get("ALERT_EMAIL_TO"):
        found.append("email")
    return found


def absolute(config: dict, link: str | None) -> str | None:
    if not link:
        return None
    return config.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/") + link


def alert_text(alert: dict, config: dict) -> str:
    link = absolute(config, alert.get("link"))
    return f"{alert['brand']}: {alert['title']}\n{alert['message']}" + (f"\n{link}" if link else "")


def post_webhook(url: str, payload: dict, *, allow_private: bool = False) -> None:
    """POST ``payload`` as JSON through the crawls' network guard (``server.collect.netguard``): http(s)
    only, a public address unless private networks are allowed, no redirect to another host;
    raise ``OSError`` unless the server answers 2xx."""
    try:
        post_json(url, payload, allow_private=allow_private, timeout=TIMEOUT, user_agent="Gapwatch alerts")
    except OSError as exc:
        raise OSError(f"the webhook was not delivered: {exc}") from None


def _allow_private(config: dict) -> bool:
    return bool(config.get("CRAWL_ALLOW_PRIVATE_NETWORKS"))


def send_email(config: dict, subject: str, body: str) -> None:
    """Send one plain-text message to ``ALERT_EMAIL_TO`` through the configured SMTP server."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.get("SMTP_FROM") or "gapwatch@localhost"
    message["To"] = ", ".join(to.strip() for to in config["ALERT_EMAIL_TO"].split(",") if to.strip())
    message.set_content(body)
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25), timeout=TIMEOUT) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise OSError(f"the email could not be sent: {exc}") from None


def _record(db: Database, alert_id: int, channel: str, error: str | None) -> None:
    row = db.execute("SELECT deliveries FROM alerts WHERE id = ?", [alert_id]).fetchone()
    deliveries = json.loads(row[0] or "{}")
    entry = deliveries.get(channel, {"attempts": 0})
    entry.update({"attempts": entry["attempts"] + 1, "at": utcnow(), "status": "failed" if error else "sent",
                  "error": error})  # fmt: skip
    deliveries[channel] = entry
    with write_transaction(db):
        db.execute("UPDATE alerts SET deliveries = ? WHERE id = ?", [json.dumps(deliveries), alert_id])


def _due(db: Database, channel: str) -> list[dict]:
    """Alerts of the last week not yet delivered on ``channel`` with attempts left."""
    from server.tell.alerts import list_alerts

    since = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    due = []
    for alert in reversed(list_alerts(db, since=since, limit=ALERTS_AT_MOST)["alerts"]):  # oldest first
        entry = alert["deliveries"].get(channel)
        if entry is None or (entry["status"] != "sent" and entry["attempts"] < MAX_ATTEMPTS):
            due.append(alert)
    return due


def message_payload(kind: str, text: str, extra: dict) -> dict:
    """The JSON a webhook of ``kind`` expects: Slack's ``text`` (with one mrkdwn block), a Teams
    connector card (MessageCard: title and text), or Gapwatch's own ``{"text", ...extra}``."""
    if kind == "slack":
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
    if kind == "teams":
        title, _, rest = text.partition("\n")
        card = {"@type": "MessageCard", "@context": "https://schema.org/extensions", "summary": title[:150]}
        return {**card, "themeColor": "3856D6", "title": title, "text": rest.replace("\n", "  \n") or title}
    return {"text": text, **extra}


def send_on(channel: dict, config: dict, subject: str, text: str, extra: dict) -> None:
    """Send one message on ``channel`` (``kind`` and full ``target``); raise ``OSError`` if it
    could not be delivered."""
    if channel["kind"] == "email":
        if not config.get("SMTP_HOST"):
            raise OSError("no email server is set (on the Notifications page, or GAPWATCH_SMTP_HOST), "
                          "so no email can be sent")  # fmt: skip
        send_email({**config, "ALERT_EMAIL_TO": channel["target"]}, subject, text)
    else:
        payload = message_payload(channel["kind"], text, extra)
        post_webhook(channel["target"], payload, allow_private=_allow_private(config))


def all_channels(db: Database, config: dict) -> list[dict]:
    """The channels of the settings (keys ``webhook``, ``email``), those admins set in the
    browser (keys ``channel:<id>``), and each person's own email choice (keys ``person:<user
    id>``, with ``brands`` and ``digest``), each with its kind and full target."""
    from server.tell.channels import enabled_channels, person_channels

    found = []
    if "webhook" in channels(config):
        found.append({"key": "webhook", "kind": "webhook", "target": config["ALERT_WEBHOOK"]})
    if "email" in channels(config):
        found.append({"key": "email", "kind": "email", "target": config["ALERT_EMAIL_TO"]})
    found += [{**c, "key": f"channel:{c['id']}"} for c in enabled_channels(db)]
    return found + person_channels(db)


def deliver(db: Database, config: dict) -> dict[str, int]:
    """Send what is due on each channel; answer how many alerts each one delivered. Webhooks get
    one message per alert; email one message per brand, so a burst does not become a flood. A
    person gets only the alerts of the brands they chose."""
    from server.tell.channels import mail_config

    config = mail_config(db, config)
    sent = {}
    for channel in all_channels(db, config):
        key = channel["key"]
        due = _due(db, key)
        if "brands" in channel:
            due = [a for a in due if a["brand"] in channel["brands"]]
        sent[key] = 0
        if channel["kind"] != "email":
            for alert in due:
                extra = {"alert": {**alert, "link": absolute(config, alert["link"])}}
                try:
                    send_on(channel, config, alert["title"], alert_text(alert, config), extra)
                except OSError as exc:
                    _record(db, alert["id"], key, str(exc))
                else:
                    _record(db, alert["id"], key, None)
                    sent[key] += 1
            continue
        by_brand: dict[str, list[dict]] = {}
        for alert in due:
            by_brand.setdefault(alert["brand"], []).append(alert)
        for brand, alerts in by_brand.items():
            plural = "s" if len(alerts) > 1 else ""
            subject = f"Gapwatch: {len(alerts)} new alert{plural} for {brand}"
            body = "\n\n".join(alert_text(a, config) for a in alerts)
            try:
                send_on(channel, config, subject, body + "\n\n-- \nGapwatch early warning", {})
            except OSError as exc:
                for alert in alerts:
                    _record(db, alert["id"], key, str(exc))
            else:
                for alert in alerts:
                    _record(db, alert["id"], key, None)
                sent[key] += len(alerts)
    return sent


# --- the weekly digest -----------------------------------------------------------------------------


def digest(db: Database, config: dict, today: date | None = None) -> dict:
    """The week's alerts and each own brand's gap now, as a subject and a text."""
    from server.measure.perception import overview
    from server.store.brands import list_brands
    from server.tell.alerts import list_alerts
    from server.tell.cases import list_cases

    today = today or datetime.now(UTC).date()
    since = (today - timedelta(days=7)).isoformat()
    alerts = list(reversed(list_alerts(db, since=since, limit=ALERTS_AT_MOST)["alerts"]))  # oldest first
    lines = [f"Gapwatch, the week to {today.isoformat()}", ""]
    for brand in (b for b in list_brands(db, counts=False) if b["is_ours"]):
        view = overview(db, brand["name"])
        score = view["gap_score"]
        if score["value"] is not None:
            change = view.get("change")
            moved = f", {change * 100:+.0f} points on the previous period" if change is not None else ""
            lines.append(f"Perception gap of {brand['name']}: {score['value']:.0%} "
                         f"[{score['low']:.0%}–{score['high']:.0%}]{moved}.")  # fmt: skip
        if view.get("reading"):
            lines.append(view["reading"])
    counted = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    lines += ["", f"{counted} this week" + (":" if alerts else ".")]
    lines += [f"- {a['brand']}: {a['title']}. {a['message']}" for a in alerts]
    moved = list_cases(db, since=since)
    if moved:
        lines += ["", f"Cases whose verdict or state changed this week ({len(moved)}):"]
        for c in moved:
            owner = f", owner {c['owner']}" if c["owner"] else ""
            where = absolute(config, f"/cases/{c['id']}")
            lines.append(f"- Case {c['id']}, {c['brand']}: “{c['claim']}”: {c['verdict'] or 'not tested'}, "
                         f"{c['state']}{owner}. {where}")  # fmt: skip
    link = absolute(config, "/alerts")
    lines += ["", f"All alerts: {link}"]
    return {"subject": f"Gapwatch weekly digest: {counted}",
            "text": "\n".join(lines), "alerts": len(alerts), "cases": len(moved)}  # fmt: skip


def send_digest(db: Database, config: dict, *, today: date | None = None, force: bool = False) -> dict:
    """Send the digest on every configured channel once per ISO week (``force``: again), and to
    each person who chose it."""
    from server.tell.channels import mail_config

    config = mail_config(db, config)
    today = today or datetime.now(UTC).date()
    year, number, _day = today.isocalendar()
    week = f"{year}-W{number:02d}"
    row = db.execute("SELECT value FROM meta WHERE key = ?", [DIGEST_KEY]).fetchone()
    if row and row[0] == week and not force:
        return {"sent": [], "note": f"the digest of {week} was sent already"}
    made = digest(db, config, today)
    sent, errors = [], {}
    for channel in all_channels(db, config):
        if channel.get("digest") is False:
            continue
        try:
            send_on(channel, config, made["subject"], made["text"], {"digest": made})
            sent.append(channel["key"])
        except OSError as exc:
            errors[channel["key"]] = str(exc)
    if sent:
        with write_transaction(db):
            db["meta"].upsert({"key": DIGEST_KEY, "value": week}, pk="key")
    return {"sent": sent, "errors": errors, "week": week, **made}
