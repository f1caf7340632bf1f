"""Notification channels set by admins in the browser: Slack, Teams, webhook, email."""

from __future__ import annotations

import re

import pytest

from server import create_app
from server.tell.alerts import list_alerts
from server.tell.notify import deliver
from tests.conftest import log_in
from tests.test_alerts import _raise_one


@pytest.fixture
def admin(db, db_path):
    app = create_app({"DB": str(db_path), "TESTING": True, "CRAWL_ALLOW_PRIVATE_NETWORKS": 1})
    client = app.test_client()
    log_in(client, "admin")
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _add(client, kind: str, target: str, name: str = ""):
    page = client.get("/notifications").get_data(as_text=True)
    return client.post("/notifications", data={"csrf_token": _csrf(page), "kind": kind, "name": name,
                                               "target": target}, follow_redirects=True)  # fmt: skip


def _test(client, channel_id: int):
    page = client.get("/notifications").get_data(as_text=True)
    return client.post(
        f"/notifications/{channel_id}/test", data={"csrf_token": _csrf(page)}, follow_redirects=True
    )


def test_a_slack_channel_is_added_masked_and_tested_against_a_receiver(admin, db, webhook):
    url, hook = webhook
    secret = url + "/T000/B000/XXXXsecretpart"
    page = _add(admin, "slack", secret, "#marketing").get_data(as_text=True)
    assert "Added &#39;#marketing&#39; (Slack incoming webhook)" in page
    assert secret not in page and "http://127.0.0.1/…part" in page  # the secret is never shown again
    tested = _test(admin, 1).get_data(as_text=True)
    assert "Test message to &#39;#marketing&#39;: sent." in tested
    (message,) = hook.received
    assert set(message) == {"text", "blocks"} and message["text"].startswith("Gapwatch test message")
    assert message["blocks"][0]["text"] == {"type": "mrkdwn", "text": message["text"]}
    # a Teams channel gets a connector card
    _add(admin, "teams", url + "/teams/abcd", "Marketing team")
    _test(admin, 2)
    card = hook.received[-1]
    assert (
        card["@type"] == "MessageCard"
        and card["title"] == "Gapwatch test message: alerts and the weekly digest will arrive here."
    )


def test_alerts_reach_every_channel_set_in_the_browser_once(admin, db, webhook):
    url, hook = webhook
    _add(admin, "slack", url + "/slack")
    _add(admin, "webhook", url + "/generic")
    alert = _raise_one(db)
    config = {"PUBLIC_URL": "https://gapwatch.example.com", "CRAWL_ALLOW_PRIVATE_NETWORKS": 1}
    assert deliver(db, config) == {"channel:1": 1, "channel:2": 1}
    slack, generic = hook.received
    assert "blocks" in slack and alert["title"] in slack["text"]
    assert generic["alert"]["id"] == alert["id"] and generic["alert"]["link"].startswith("https://gapwatch")
    assert deliver(db, config) == {"channel:1": 0, "channel:2": 0}  # delivered once
    deliveries = list_alerts(db)["alerts"][0]["deliveries"]
    assert deliveries["channel:1"]["status"] == "sent" and deliveries["channel:2"]["status"] == "sent"


def test_a_channel_that_fails_says_why_and_email_needs_smtp(admin, db, webhook, smtp):
    url, hook = webhook
    hook.status = 500
    _add(admin, "webhook", url + "/down")
    failed = _test(admin, 1).get_data(as_text=True)
    assert (
        "Test message to &#39;Webhook (JSON: text and alert)&#39;: failed: the webhook was not delivered"
        in failed
    )
    _add(admin, "email", "maria@example.com, tom@example.com", "CMO")
    assert "failed: no email server is set" in _test(admin, 2).get_data(as_text=True)
    port, inbox = smtp
    config = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": 0}
    _raise_one(db)
    assert deliver(db, config)["channel:2"] == 1
    assert inbox.messages[0]["To"] == "maria@example.com, tom@example.com"


def test_bad_channels_are_refused_and_only_admins_reach_the_page(admin, db, app):
    cases = [("pager", "https://x.example/h", "kind must be one of"),
             ("slack", "ftp://x.example/h", "needs an http(s) address"),
             ("email", "maria at example", "not an email address"),
             ("email", "", "give at least one email address")]  # fmt: skip
    for kind, target, said in cases:
        assert said in _add(admin, kind, target).get_data(as_text=True), kind
    assert db.execute("SELECT count(*) FROM notify_channels").fetchone()[0] == 0
    editor = app.test_client()
    log_in(editor, "ed")
    assert editor.get("/notifications").status_code == 403
    page = admin.get("/notifications").get_data(as_text=True)
    assert admin.post("/notifications/99/test", data={"csrf_token": _csrf(page)}).status_code == 404


def test_the_email_server_is_set_in_the_browser_and_its_password_never_shown(admin, db, smtp):
    port, inbox = smtp
    page = admin.get("/notifications").get_data(as_text=True)
    bad = admin.post("/notifications/email-server", data={"csrf_token": _csrf(page), "host": "smtp example",
                                                          "port": "25"}, follow_redirects=True)  # fmt: skip
    assert "Email server not saved: not a host name" in bad.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM meta WHERE key = 'smtp_settings'").fetchone()[0] == 0
    form = {"csrf_token": _csrf(page), "host": "127.0.0.1", "port": str(port), "user": "", "password": "",
            "from": "alerts@gapwatch.example"}  # fmt: skip
    saved = admin.post("/notifications/email-server", data=form, follow_redirects=True).get_data(as_text=True)
    assert f"Email server 127.0.0.1:{port} saved" in saved
    _add(admin, "email", "cmo@example.com", "CMO")
    assert "Test message to &#39;CMO&#39;: sent." in _test(admin, 1).get_data(as_text=True)
    (message,) = inbox.messages
    assert message["To"] == "cmo@example.com" and message["From"] == "alerts@gapwatch.example"
    # a password is kept when the form leaves it empty, and never shown
    from server.tell.channels import mail_config, set_smtp

    set_smtp(
        db, {"host": "127.0.0.1", "port": str(port), "user": "mailer", "password": "s3cret-pass"}, "admin"
    )
    set_smtp(db, {"host": "127.0.0.1", "port": str(port), "user": "mailer", "password": ""}, "admin")
    assert mail_config(db, {})["SMTP_PASSWORD"] == "s3cret-pass"
    shown = admin.get("/notifications").get_data(as_text=True)
    assert "s3cret-pass" not in shown and "set: leave empty to keep it" in shown


def test_each_person_chooses_the_alerts_and_digest_they_get(admin, db, app, smtp):
    from server.store.brands import add_brand
    from server.tell.channels import set_smtp
    from server.tell.notify import send_digest
    from tests.test_alerts import _raise_one

    port, inbox = smtp
    set_smtp(db, {"host": "127.0.0.1", "port": str(port)}, "admin")
    viewer = app.test_client()
    log_in(viewer, "vi")
    alert = _raise_one(db)
    other = "Rival Co"
    add_brand(db, other, competitor=True)
    page = viewer.get("/my-alerts").get_data(as_text=True)
    refused = viewer.post("/my-alerts", data={"csrf_token": _csrf(page), "email": "", "brand": other},
                          follow_redirects=True)  # fmt: skip
    assert "Not saved: give the email address" in refused.get_data(as_text=True)
    form = {"csrf_token": _csrf(page), "email": "viewer@example.com", "brand": other, "digest": "1"}
    saved = viewer.post("/my-alerts", data=form, follow_redirects=True)
    assert f"Saved: alerts of {other} and the weekly digest to viewer@example.com." in saved.get_data(
        as_text=True
    )
    page = admin.get("/notifications").get_data(as_text=True)
    assert "vi: viewer@example.com" in page
    config = {"PUBLIC_URL": "https://gapwatch.example.com"}
    person = db.execute("SELECT id FROM users WHERE username = 'vi'").fetchone()[0]
    assert deliver(db, config) == {f"person:{person}": 0}  # the alert is of a brand not chosen
    # the admin chooses the alert's brand and no digest
    page = admin.get("/my-alerts").get_data(as_text=True)
    admin.post("/my-alerts", data={"csrf_token": _csrf(page), "email": "admin@example.com",
                                   "brand": alert["brand"]})  # fmt: skip
    sent = deliver(db, config)
    assert sent[f"person:{person}"] == 0 and sum(sent.values()) == 1
    (message,) = inbox.messages
    assert message["To"] == "admin@example.com" and alert["brand"] in message["Subject"]
    digest = send_digest(db, config, force=True)
    assert digest["sent"] == [f"person:{person}"]
    assert (
        inbox.messages[-1]["To"] == "viewer@example.com" and "weekly digest" in inbox.messages[-1]["Subject"]
    )
