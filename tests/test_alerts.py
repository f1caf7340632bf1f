"""Early warning (``server.tell.alerts``, ``server.tell.notify``): planted changes are raised once, noise
raises nothing, each rule kind finds its condition in a workspace, and alerts reach a local
webhook and a local SMTP server (a failed delivery is kept and retried); the API, page and CLI."""

from __future__ import annotations

import json
import random
import socket
from datetime import date, timedelta

import numpy as np
import pytest

from server.classify.taxonomy import set_positioning
from server.collect.ingest import Context, ingest
from server.store.db import utcnow, write_transaction
from server.tell.alerts import (
    DEFAULTS,
    evaluate,
    list_alerts,
    list_rules,
    share_conditions,
    spike_conditions,
    update_rule,
)
from server.tell.notify import deliver, send_digest

KEYS = ["reliability", "support", "price"]


# --- the pure tests ------------------------------------------------------------------------------


def _window(rng: np.random.Generator, n: int, rates: list[float]) -> tuple[np.ndarray, int]:
    return rng.binomial(n, rates).astype(float), n


def test_a_planted_change_in_a_share_is_raised_and_noise_is_not():
    rng = np.random.default_rng(1)
    params = DEFAULTS["share_changed"]
    before = _window(rng, 400, [0.20, 0.10, 0.05])
    now = _window(rng, 400, [0.34, 0.10, 0.05])  # reliability rose by 14 points
    (found,) = share_conditions(KEYS, before, now, params)
    assert found.key == "share|reliability" and found.state == "up"
    assert found.figures["before"] < 0.25 < found.figures["now"]
    # the same windows from unchanged rates, over many seeds: nothing
    same = [0.2, 0.1, 0.05]
    quiet = sum(
        len(share_conditions(KEYS, _window(r, 400, same), _window(r, 400, same), params))
        for r in (np.random.default_rng(seed) for seed in range(300))
    )
    assert quiet == 0


def test_a_spike_needs_its_baseline_to_make_it_unlikely():
    params = DEFAULTS["volume_spike"]
    assert (
        spike_conditions({"price": (40, 10.0)}, params, what="attribute")[0].key == "volume|attribute|price"
    )
    assert spike_conditions({"price": (14, 80)}, params, what="attribute") == []  # not twice the baseline
    assert spike_conditions({"price": (8, 8)}, params, what="attribute") == []  # too few to matter
    assert (
        spike_conditions({"price": (21, 80)}, params, what="attribute") == []
    )  # twice, but likely by chance


# --- a workspace ---------------------------------------------------------------------------------


def _tagged(
    db, day: str, rows: list[tuple[list[str], str]], *, brand: str = "Acme", source: int | None = None
):
    """Comments of ``day`` tagged with (attributes, sentiment) each, as the classifier would."""
    start = db.execute("SELECT coalesce(max(id), 0) FROM comments").fetchone()[0]
    items = [{"text": f"{brand} comment {start + i} on {day}", "published_at": day} for i in range(len(rows))]
    ingest(db, items, Context(origin="import", brand=brand))
    ids = [r[0] for r in db.execute("SELECT id FROM comments WHERE id > ? ORDER BY id", [start])]
    with write_transaction(db):
        for cid, (attributes, sentiment) in zip(ids, rows, strict=True):
            if source is not None:
                db.execute("UPDATE comments SET source_id = ? WHERE id = ?", [source, cid])
            db.execute("INSERT INTO tags (comment_id, model, taxonomy_version, sentiment, sentiment_score, "
                       "created_at) VALUES (?, 'm', 1, ?, 0.8, ?)", [cid, sentiment, utcnow()])  # fmt: skip
            for a in attributes:
                db.execute("INSERT INTO tag_attributes (comment_id, attribute, score, assigned, sentiment) "
                           "VALUES (?, ?, 0.9, 1, ?)", [cid, a, sentiment])  # fmt: skip


def _days(first: date, count: int) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range(count)]


def _series(db, rng: random.Random, days: list[str], per_day: int, rates: dict[str, float], **kwargs) -> None:
    for day in days:
        rows = [([a for a, r in rates.items() if rng.random() < r], rng.choice(["positive", "negative"]))
                for _ in range(per_day)]  # fmt: skip
        _tagged(db, day, rows, **kwargs)


def _only(db, kind: str) -> None:
    """Leave only our brand's rule of ``kind`` on."""
    for rule in list_rules(db):
        update_rule(db, rule["id"], enabled=rule["kind"] == kind and rule["brand"] == "Acme")


def test_a_share_that_rose_is_raised_once_until_it_changes(db):
    rng = random.Random(3)
    _only(db, "share_changed")
    first = date(2026, 1, 1)
    _series(db, rng, _days(first, 30), 15, {"reliability": 0.2, "support": 0.1})
    _series(db, rng, _days(first + timedelta(days=30), 30), 15, {"reliability": 0.45, "support": 0.1})
    (alert,) = evaluate(db)
    assert alert["kind"] == "share_changed" and alert["key"] == "share|reliability" and alert["state"] == "up"
    assert "reliability" in alert["title"] and alert["link"].startswith("/comments?brand=Acme")
    assert alert["figures"]["now"] > alert["figures"]["before"]
    assert evaluate(db) == []  # it still holds: no second alert
    assert list_alerts(db)["total"] == 1 and list_alerts(db)["unread"] == 1


def test_noise_alone_raises_nothing(db):
    rng = random.Random(4)
    for rule in list_rules(db):
        update_rule(
            db, rule["id"], enabled=rule["kind"] in ("share_changed", "sentiment_changed", "volume_spike")
        )
    _series(db, rng, _days(date(2026, 1, 1), 90), 12, {"reliability": 0.3, "support": 0.15, "price": 0.1})
    assert evaluate(db) == []


def test_a_volume_spike_on_an_attribute_and_from_a_source(db):
    rng = random.Random(5)
    _only(db, "volume_spike")
    with write_transaction(db):
        source = db["sources"].insert({"brand_id": 1, "kind": "feed", "url": "https://example.com/feed",
                                       "name": "Example feed", "created_at": utcnow()}).last_pk  # fmt: skip
    _series(db, rng, _days(date(2026, 1, 1), 56), 4, {"price": 0.1})
    _series(db, rng, _days(date(2026, 2, 26), 7), 4, {"price": 0.1})
    _series(db, rng, _days(date(2026, 2, 26), 7), 6, {"price": 0.9}, source=source)  # price complaints
    keys = {a["key"] for a in evaluate(db)}
    assert keys == {"volume|attribute|price", "volume|source|Example feed"}


def test_a_competitor_that_owns_an_attribute_we_claim(db):
    rng = random.Random(6)
    _only(db, "ownership_lost")
    set_positioning(db, "Acme", {"innovation": 0.6, "reliability": 0.4})
    days = _days(date(2026, 3, 1), 60)
    _series(db, rng, days, 3, {"innovation": 0.1, "reliability": 0.5})
    _series(db, rng, days, 3, {"innovation": 0.6, "reliability": 0.2}, brand="Rival")
    (alert,) = evaluate(db)
    assert alert["key"] == "ownership|innovation|Rival"
    assert alert["title"] == "Rival owns innovation, which Acme declares"
    assert alert["figures"]["theirs"]["low"] > alert["figures"]["ours"]["high"]


def test_a_source_that_keeps_failing_is_raised_again_after_it_recovered(db):
    _only(db, "source_failing")
    with write_transaction(db):
        source = db["sources"].insert({"brand_id": 1, "kind": "feed", "url": "https://example.com/feed",
                                       "name": "Example feed", "created_at": utcnow()}).last_pk  # fmt: skip

    def runs(*statuses: str) -> None:
        with write_transaction(db):
            for status in statuses:
                db["crawl_runs"].insert({"source_id": source, "started_at": utcnow(), "status": status,
                                         "errors": json.dumps(["HTTP 503 from example.com"])})  # fmt: skip

    runs("failed", "failed")
    assert evaluate(db) == []  # two failures: not yet
    runs("failed")
    (alert,) = evaluate(db)
    assert alert["title"] == "Example feed keeps failing to crawl" and "HTTP 503" in alert["message"]
    runs("failed")
    assert evaluate(db) == []  # still failing: once
    runs("ok")
    assert evaluate(db) == []  # recovered: the condition is forgotten
    runs("failed", "failed", "failed")
    assert len(evaluate(db)) == 1  # failing again: a new alert


def test_every_brand_has_every_rule_on_for_ours_off_for_competitors(db):
    rules = list_rules(db)
    assert {(r["brand"], r["kind"]) for r in rules} == {(b, k) for b in ("Acme", "Rival") for k in DEFAULTS}
    assert all(r["enabled"] is (r["brand"] == "Acme") for r in rules)
    assert all(r["params"] == DEFAULTS[r["kind"]] for r in rules)


def test_reading_the_rules_writes_nothing_and_a_check_gives_a_new_brand_its_rules(db):
    from server.store.brands import add_brand

    add_brand(db, "Newcomer", competitor=True)  # as a migration or an older version left it: no rules
    before = db.conn.total_changes
    assert "Newcomer" not in {r["brand"] for r in list_rules(db)}
    assert db.conn.total_changes == before  # a read
    evaluate(db)
    assert {r["kind"] for r in list_rules(db) if r["brand"] == "Newcomer"} == set(DEFAULTS)


def test_rules_check_their_parameters(db):
    rule = next(r for r in list_rules(db) if r["kind"] == "share_changed")
    assert update_rule(db, rule["id"], params={"alpha": 0.01})["params"]["alpha"] == 0.01
    for bad, message in (
        ({"alpha": 2}, "alpha must be a number from"),
        ({"colour": 1}, "has no parameter"),
        ({"alpha": "x"}, "alpha must be a number"),
        ({"alpha": True}, "alpha must be a number"),
    ):
        with pytest.raises(Exception, match=message):
            update_rule(db, rule["id"], params=bad)
    assert next(r for r in list_rules(db) if r["id"] == rule["id"])["params"]["alpha"] == 0.01  # unchanged


# --- delivery ------------------------------------------------------------------------------------


def _raise_one(db) -> dict:
    _only(db, "share_changed")
    rng = random.Random(3)
    _series(db, rng, _days(date(2026, 1, 1), 30), 15, {"reliability": 0.2})
    _series(db, rng, _days(date(2026, 1, 31), 30), 15, {"reliability": 0.5})
    (alert,) = evaluate(db)
    return alert


def test_an_alert_reaches_the_webhook_and_a_failure_is_retried(db, webhook):
    url, hook = webhook
    alert = _raise_one(db)
    config = {
        "ALERT_WEBHOOK": url,
        "PUBLIC_URL": "https://gapwatch.example.com",
        "CRAWL_ALLOW_PRIVATE_NETWORKS": 1,
    }
    hook.status = 500
    assert deliver(db, config) == {"webhook": 0}
    kept = list_alerts(db)["alerts"][0]
    assert kept["id"] == alert["id"]  # nothing lost
    assert (
        kept["deliveries"]["webhook"]["status"] == "failed"
        and "HTTP 500" in kept["deliveries"]["webhook"]["error"]
    )
    hook.status = 200
    assert deliver(db, config) == {"webhook": 1}
    assert deliver(db, config) == {"webhook": 0}  # delivered once
    payload = hook.received[-1]
    assert payload["text"].startswith("Acme: Reliability rose") or payload["text"].startswith(
        "Acme: reliability"
    )
    assert payload["alert"]["link"].startswith("https://gapwatch.example.com/comments?")
    assert payload["alert"]["figures"]["now"] > payload["alert"]["figures"]["before"]
    assert list_alerts(db)["alerts"][0]["deliveries"]["webhook"]["attempts"] == 2


def test_an_alert_and_the_digest_arrive_by_email(db, smtp):
    port, inbox = smtp
    _raise_one(db)
    config = {
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_STARTTLS": 0, "SMTP_FROM": "gw@example.com",
        "ALERT_EMAIL_TO": "cmo@example.com, analyst@example.com", "PUBLIC_URL": "http://gw.local",
    }  # fmt: skip
    assert deliver(db, config) == {"email": 1}
    (message,) = inbox.messages
    assert message["Subject"] == "Gapwatch: 1 new alert for Acme"
    assert message["To"] == "cmo@example.com, analyst@example.com"
    assert "reliability" in message.get_payload() and "http://gw.local/comments?" in message.get_payload()
    sent = send_digest(db, config, today=date(2026, 3, 2))
    assert sent["sent"] == ["email"] and inbox.messages[-1]["Subject"] == "Gapwatch weekly digest: 1 alert"
    assert send_digest(db, config, today=date(2026, 3, 3))["sent"] == []  # same ISO week: once
    # an unreachable server: the failure is recorded, the alert stays, the next delivery sends it
    _only(db, "source_failing")
    with write_transaction(db):
        source = db["sources"].insert({"brand_id": 1, "kind": "feed", "url": "https://example.com/feed",
                                       "name": "Example feed", "created_at": utcnow()}).last_pk  # fmt: skip
        for _ in range(3):
            db["crawl_runs"].insert({"source_id": source, "started_at": utcnow(), "status": "failed"})
    (failing,) = evaluate(db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens there once the probe is closed
    assert deliver(db, {**config, "SMTP_PORT": closed}) == {"email": 0}
    kept = next(a for a in list_alerts(db)["alerts"] if a["id"] == failing["id"])
    assert kept["deliveries"]["email"]["status"] == "failed"
    assert "could not be sent" in kept["deliveries"]["email"]["error"]
    assert deliver(db, config) == {"email": 1}
    assert inbox.messages[-1]["Subject"] == "Gapwatch: 1 new alert for Acme"
    assert "Example feed keeps failing to crawl" in inbox.messages[-1].get_payload()


# --- API, page, CLI ------------------------------------------------------------------------------


def test_alert_api_and_its_bad_input(db, client, auth):
    alert = _raise_one(db)
    listed = client.get("/api/alerts?unread=1", headers=auth).get_json()
    assert listed["unread"] == 1 and listed["alerts"][0]["id"] == alert["id"]
    assert client.post(f"/api/alerts/{alert['id']}/read", json={}, headers=auth).get_json()["read"] is True
    assert client.get("/api/alerts?unread=1", headers=auth).get_json()["total"] == 0
    assert (
        client.post(f"/api/alerts/{alert['id']}/read", json={"read": False}, headers=auth).status_code == 200
    )
    assert client.post("/api/alerts/read-all", headers=auth).get_json()["marked"] == 1
    rules = client.get("/api/alerts/rules", headers=auth).get_json()["rules"]
    share = next(r for r in rules if r["kind"] == "share_changed")
    changed = client.put(
        f"/api/alerts/rules/{share['id']}", json={"params": {"window_days": 14}}, headers=auth
    )
    assert changed.status_code == 200 and changed.get_json()["params"]["window_days"] == 14
    for path, method, body, status in (
        ("/api/alerts?unread=yes", "get", None, 400),
        ("/api/alerts?page=0", "get", None, 400),
        ("/api/alerts/999/read", "post", {}, 404),
        (f"/api/alerts/{alert['id']}/read", "post", {"read": "yes"}, 400),
        (f"/api/alerts/rules/{share['id']}", "put", {"params": {"window_days": 2}}, 400),
        (f"/api/alerts/rules/{share['id']}", "put", {"params": [1]}, 400),
        (f"/api/alerts/rules/{share['id']}", "put", {"enabled": "on"}, 400),
        ("/api/alerts/rules/999", "put", {"enabled": True}, 404),
    ):
        response = getattr(client, method)(path, json=body, headers=auth) if body is not None else getattr(
            client, method)(path, headers=auth)  # fmt: skip
        assert response.status_code == status, (path, response.get_json())
        assert "error" in response.get_json()
    assert next(r for r in list_rules(db) if r["id"] == share["id"])["params"]["window_days"] == 14
    assert client.post("/api/alerts/check", headers=auth).get_json()["raised"] == []


def test_viewers_triage_alerts_but_only_editors_change_rules(db, app):
    from tests.conftest import log_in

    alert = _raise_one(db)
    viewer = app.test_client()
    log_in(viewer, "vi")
    page = viewer.get("/alerts").get_data(as_text=True)
    assert "Mark read" in page and "Check now" not in page
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert (
        viewer.post(f"/alerts/{alert['id']}/read", data={"csrf_token": csrf, "read": "1"}).status_code == 303
    )
    assert list_alerts(db)["unread"] == 0
    rule = list_rules(db)[0]
    refused = viewer.post(f"/alerts/rules/{rule['id']}", data={"csrf_token": csrf, "enabled": "1"})
    assert refused.status_code == 403


def test_the_page_lists_alerts_and_edits_a_rule(db, client):
    _raise_one(db)
    page = client.get("/alerts").get_data(as_text=True)
    assert "Reliability rose" in page or "reliability rose" in page
    assert 'class="badge"' in page  # the menu shows the unread count
    csrf = page.split('name="csrf_token" value="')[1].split('"')[0]
    rule = next(r for r in list_rules(db) if r["kind"] == "gap_moved")
    form = {"csrf_token": csrf, "param-z": "lots", "enabled": "1"}
    bad = client.post(f"/alerts/rules/{rule['id']}", data=form, follow_redirects=True)
    assert "z must be a number" in bad.get_data(as_text=True)
    client.post(f"/alerts/rules/{rule['id']}", data={"csrf_token": csrf, "param-z": "4"})
    saved = next(r for r in list_rules(db) if r["id"] == rule["id"])
    assert saved["params"]["z"] == 4 and saved["enabled"] is False  # unticked: off


def test_cli_lists_checks_and_prints_the_digest(db, run):
    _raise_one(db)
    listed = run("alerts")
    assert listed.exit_code == 0 and "* #1" in listed.output and "1 unread" in listed.output
    assert json.loads(run("alerts", "--json").output)["unread"] == 1
    assert (
        "0 new alerts; none sent beyond the app (no delivery channel set)." in run("alerts", "check").output
    )
    digest = run("alerts", "digest")
    assert "1 alert this week" in digest.output or "0 alerts this week" in digest.output
    refused = run("alerts", "digest", "--send")
    assert refused.exit_code == 1 and "no delivery channel is set" in refused.output


def test_alert_links_keep_a_brand_name_with_an_ampersand_whole():
    from urllib.parse import parse_qs, urlsplit

    from server.measure.perception import Scope
    from server.tell.alerts.evaluation import _evidence_link, _overview_link

    scope = Scope("2026-01-01", "2026-01-31")
    evidence = parse_qs(urlsplit(_evidence_link("H&M", scope, "price")).query)
    assert evidence == {"brand": ["H&M"], "kind": ["customer"], "attribute": ["price"],
                        "from": ["2026-01-01"], "to": ["2026-01-31"]}  # fmt: skip
    assert parse_qs(urlsplit(_overview_link("H&M", scope)).query)["brand"] == ["H&M"]
