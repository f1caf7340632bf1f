"""The defects of issue 16, continued (8 to 15): the alert webhook's network guard, the login limit,
user names, formula-safe exports, a huge batch, figures that explain themselves, periods."""

from __future__ import annotations

import contextlib
import re
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from server.classify.taxonomy import set_positioning
from server.collect.ingest import Context, ingest
from server.errors import Conflict, Invalid, Unauthorized
from server.people.accounts import (
    MAX_FAILURES,
    add_user,
    log_in,
    set_disabled,
    set_role,
)
from tests.conftest import PASSWORD, count
from tests.test_defects import _raw

# --- 8. the alert webhook goes through the crawls' network guard ---------------------------------------


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    answer: tuple[int, str | None] = (200, None)

    def do_POST(self):  # noqa: N802
        self.received.append((self.command, self.path))
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, location = self.answer
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST  # noqa: N815

    def log_message(self, *_args):
        pass


@pytest.fixture
def hook():
    _Hook.received = []
    _Hook.answer = (200, None)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def test_the_webhook_refuses_local_addresses_other_schemes_and_redirects_elsewhere(hook):
    from server.tell.notify import post_webhook

    port = hook.server_port
    for url in (f"http://127.0.0.1:{port}/hook", f"http://localhost:{port}/hook", f"http://[::1]:{port}/hook",
                "file:///etc/passwd", "ftp://example.com/x", "gopher://127.0.0.1/"):  # fmt: skip
        with pytest.raises(OSError) as refused:
            post_webhook(url, {"text": "x"})
        assert any(w in str(refused.value) for w in ("private or local", "only http and https")), url
    assert _Hook.received == []
    # with private networks allowed (as the crawls' setting allows them), it posts …
    post_webhook(f"http://127.0.0.1:{port}/hook", {"text": "x"}, allow_private=True)
    assert _Hook.received == [("POST", "/hook")]
    # … but follows no redirect to another host, and never turns the POST into a GET
    _Hook.answer = (302, f"http://localhost:{port}/elsewhere")
    with pytest.raises(OSError, match="redirect"):
        post_webhook(f"http://127.0.0.1:{port}/hook", {"text": "x"}, allow_private=True)
    assert _Hook.received == [("POST", "/hook")] * 2


def test_deliveries_use_the_guard_and_record_why_they_failed(db, hook):
    from server.tell.notify import deliver
    from tests.test_alerts import _raise_one

    _raise_one(db)
    assert deliver(db, {"ALERT_WEBHOOK": f"http://127.0.0.1:{hook.server_port}/hook"}) == {"webhook": 0}
    row = db.execute("SELECT deliveries FROM alerts").fetchone()[0]
    assert "private or local" in row and _Hook.received == []


# --- 9. the login limit holds under parallel attempts; names do not show by timing --------------------


def test_parallel_wrong_passwords_cannot_pass_the_limit(db):
    def attempt():
        with contextlib.suppress(Unauthorized):
            log_in(db_for_thread(), "ed", "wrong password!", "203.0.113.9")

    from server.store.db import open_db

    path = db.execute("PRAGMA database_list").fetchone()[2]
    connections = threading.local()

    def db_for_thread():
        if not hasattr(connections, "db"):
            connections.db = open_db(path, migrate=False)
        return connections.db

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert count(db, "login_failures") == MAX_FAILURES
    with pytest.raises(Unauthorized, match="too many failed logins"):
        log_in(db, "ed", PASSWORD, "203.0.113.9")  # locked, even with the right password


@pytest.mark.real_hash
def test_an_unknown_name_costs_the_same_hashing_as_a_known_one(db, monkeypatch):
    """Counted, not timed: an unknown name's password is checked against a dummy hash."""
    import server.people.accounts as accounts

    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    for name in ("ed", "nobody-here"):
        with pytest.raises(Unauthorized, match="wrong user name or password"):
            log_in(db, name, "wrong password!", "198.51.100.1")
    assert len(checked) == 2 and all(h.startswith("scrypt:32768:8:1$") for h in checked)


# --- 10. user names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["ａｄｍｉｎ２", "adm\u0456n2", "ad\u00admin2", "\u202eadmin2", "adm\u200bin2", "sam\tx"]
)
def test_look_alike_and_invisible_names_are_refused(db, name):
    with pytest.raises(Invalid):
        add_user(db, name, PASSWORD, "viewer")


def test_names_compare_the_same_at_creation_and_login_and_lock_per_account(db):
    with pytest.raises(Conflict):
        add_user(db, "ADMIN", PASSWORD, "viewer")  # the same name, casefolded
    assert log_in(db, "ＡＤＭＩＮ", PASSWORD, "192.0.2.1").username == "admin"  # NFKC + casefold
    for typed in ("admin", "Admin", "ADMIN", "ａｄｍｉｎ", "admin"):
        with pytest.raises(Unauthorized):
            log_in(db, typed, "wrong password!", f"192.0.2.{len(typed)}")
    with pytest.raises(Unauthorized, match="too many failed logins"):
        log_in(db, "AdMiN", PASSWORD, "192.0.2.99")  # one lockout for the account, whatever the spelling


def test_the_last_admin_cannot_be_disabled_or_demoted(db, run):
    with pytest.raises(Conflict, match="last active admin"):
        set_disabled(db, "admin", True)
    with pytest.raises(Conflict, match="last active admin"):
        set_role(db, "admin", "editor")
    assert run("users", "disable", "admin").exit_code != 0
    set_role(db, "ed", "admin")
    set_disabled(db, "admin", True)  # another admin exists now
    assert run("users", "role", "ed", "viewer").exit_code != 0


# --- 11. CSV exports are formula-safe, both of them --------------------------------------------------


def test_both_csv_exports_keep_formulas_as_text(db, run, client, auth, tmp_path):
    ingest(db, [{"text": '=HYPERLINK("http://evil.example","click")', "brand": "Acme", "author": "@boss"}],
           Context(origin="import"))  # fmt: skip
    out = tmp_path / "out.csv"
    assert run("export", "--format", "csv", "-o", str(out)).exit_code == 0
    cli = out.read_text()
    api = client.get("/api/comments.csv", headers=auth).get_data(as_text=True)
    for text in (cli, api):
        assert "'=HYPERLINK" in text and "'@boss" in text
        assert ",=HYPERLINK" not in text and '"=HYPERLINK' not in text


# --- 12. a huge batch is refused before it is decoded ------------------------------------------------


def test_a_batch_past_the_limit_is_refused_before_the_rest_is_read(client, auth, db):
    # 1,001 items, then text that is not JSON at all: only stopping at the limit can say "at most"
    body = "[" + ",".join(["[]"] * 1001) + ", this is not JSON" + "]"
    response = _raw(client, "/api/comments", body, auth)
    assert response.status_code == 400 and "at most 1000 comments" in response.get_json()["error"]
    big = "[" + ",".join(["[]"] * 5_000_000) + "]"  # 15 MB
    response = _raw(client, "/api/comments", big, auth)
    assert response.status_code == 400 and "at most 1000" in response.get_json()["error"]
    wrapped = '{"comments": [' + ",".join(['{"text": "one"}'] * 1001) + "]}"
    assert _raw(client, "/api/comments", wrapped, auth).status_code == 400
    assert count(db) == 0
    fine = '{"comments": [{"text": "one", "brand": "Acme"}]}'
    assert _raw(client, "/api/comments", fine, auth).status_code == 200


# --- 14. figures explain themselves ------------------------------------------------------------------


def test_the_overview_explains_its_figures_and_a_degenerate_interval(db, client):
    ingest(db, [{"text": f"The new engine is the most innovative, post {i}.", "brand": "Acme",
                 "kind": "emitted",
                 "published_at": "2026-03-01"} for i in range(8)], Context(origin="import"))  # fmt: skip
    ingest(db, [{"text": f"Support fixed it fast, ticket {i}.", "brand": "Acme", "published_at": "2026-03-01"}
                for i in range(40)], Context(origin="import"))  # fmt: skip
    from server.jobs.classifier import classify_pending

    classify_pending(db)
    set_positioning(db, "Acme", {"innovation": 0.5, "reliability": 0.5})
    page = client.get("/overview").get_data(as_text=True)
    assert "What these figures mean" in page and "Which to believe" not in page  # nothing corrected yet
    assert 'title="Of the attribute mentions in your own published content' in page
    message = re.search(r'data-testid="message-gap">(.*?)</p>', page, re.S).group(1)
    if "[" in message:  # every emitted piece carries the same tags: the interval has no width, and says so
        assert "no spread in 8 items" in message


def test_the_audit_says_why_a_figure_is_missing(db, client):
    from server.classify.review import draw_sample, label_item, next_item
    from tests.test_audit import simulated

    truth = simulated(db, n=300)
    draw_sample(db, per_stratum=4, days=3650, seed=2)
    while (item := next_item(db)) is not None:
        t = truth[item["comment_id"]]
        label_item(db, item["id"], "fix", attributes=t["attributes"], sentiment=t["sentiment"], by="tester")
    page = client.get("/audit").get_data(as_text=True)
    assert "– of" not in page and "too few labelled comments to measure it" in page


# --- 15. period presets and a default that shows figures ---------------------------------------------


def _months(db, months: int, per_month: int) -> None:
    """``per_month`` comments a month for ``months`` months of 2025, half tagged reliability ·
    negative and half support · positive (tags written as a model would: this is about periods)."""
    from server.store.db import write_transaction

    items = [{"text": f"comment {m}-{i}", "brand": "Acme",
              "published_at": f"2025-{m + 1:02d}-{i % 27 + 1:02d}"}
             for m in range(months) for i in range(per_month)]  # fmt: skip
    ingest(db, items, Context(origin="import"))
    ids = [r[0] for r in db.execute("SELECT id FROM comments ORDER BY id")]
    keys = ("reliability", "support")
    with write_transaction(db):
        for n, cid in enumerate(ids):
            key = keys[n % 2]
            db.execute("INSERT INTO tags (comment_id, model, taxonomy_version, sentiment, sentiment_score, "
                       "created_at) "
                       "VALUES (?, 'sim', 1, ?, 0.9, '2026-01-01T00:00:00Z')",
                       [cid, "negative" if key == "reliability" else "positive"])  # fmt: skip
            for k in keys:
                db.execute("INSERT INTO tag_attributes (comment_id, attribute, score, assigned) "
                           "VALUES (?, ?, ?, ?)",
                           [cid, k, 0.9 if k == key else 0.1, int(k == key)])  # fmt: skip


def test_the_default_period_grows_until_the_figures_show_and_presets_answer(db, client):
    from server.measure.perception import overview

    _months(db, 12, 14)  # 14 comments a month: 90 days hold too few for a net sentiment
    data = overview(db, "Acme")
    start, end = data["scope"]["from"], data["scope"]["to"]
    assert (start, end) != (None, None) and "days" in data["period_note"]
    days = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
    assert days == 180  # 90 days hold 21 comments per attribute, 180 days 42: enough for both
    nets = [
        a["net_sentiment"]["value"] for a in data["attributes"] if a["net_sentiment"]["value"] is not None
    ]
    assert nets  # figures show by default
    for preset in ("30d", "90d", "365d", "qtd", "yoy"):
        answer = client.get(f"/api/brands/Acme/overview?period={preset}").get_json()
        assert answer["period"] == preset
    yoy = client.get("/api/brands/Acme/overview?period=yoy").get_json()
    assert yoy["previous"]["scope"]["to"][:4] == str(int(yoy["scope"]["to"][:4]) - 1)
    assert client.get("/api/brands/Acme/overview?period=7y").status_code == 400
    page = client.get("/overview?period=qtd").get_data(as_text=True)
    assert 'aria-current="page">Quarter to date' in page


def test_trends_choose_quarters_when_months_are_too_thin(db, client):
    _months(db, 12, 24)  # 12 comments per attribute a month, 36 a quarter
    auto = client.get("/api/brands/Acme/trends").get_json()
    assert auto["interval"] == "quarter" and len(auto["periods"]) == 4
    monthly = client.get("/api/brands/Acme/trends?interval=month").get_json()
    drawn = lambda body: sum(  # noqa: E731
        1
        for p in body["periods"]
        for a in p["attributes"].values()
        if a["net_sentiment"]["value"] is not None
    )
    assert drawn(auto) > drawn(monthly)
