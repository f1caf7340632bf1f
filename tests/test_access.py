"""Who may reach what: every boundary between roles, tokens and anonymous visitors."""

from __future__ import annotations

import re

import pytest

from server import create_app
from server.people.accounts import MAX_FAILURES, set_disabled
from server.people.tokens import create_token
from tests.conftest import PASSWORD, log_in

OPEN = {
    "/api/health",
    "/login",
    "/static/<path:filename>",
    "/vendor/plotly.min.js",
    "/vendor/plotly.css",
    "/demo-site/<path:name>",
}  # the demo's fictional pages, crawled without a login: 404 here


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = re.sub(r"<int:\w+>", "1", rule.rule)
            path = re.sub(r"<(?:path:)?\w+>", "Acme", path)
            yield method, rule.rule, path


def test_nothing_is_reachable_without_login_or_token_but_health(tmp_path, db, db_path):
    app = create_app({"DB": str(db_path)})
    anon = app.test_client()
    checked = 0
    for method, rule, path in _routes(app):
        if rule in OPEN:
            continue
        response = anon.open(path, method=method)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
            assert "log in, or send an API token" in response.get_json()["error"]
        elif method == "GET":
            assert response.status_code == 302, (method, path)
            assert response.headers["Location"].startswith("/login?next=")
        else:  # a form post: refused before anything happens (no login, and no form token)
            assert response.status_code in (302, 400), (method, path)
        checked += 1
    assert checked > 30
    assert anon.get("/api/health").status_code == 200
    assert anon.get("/demo-site/lumio-reviews.html").status_code == 404  # not the demo workspace


def test_a_viewer_reads_but_cannot_change_anything(db, app, token):
    viewer = app.test_client()
    log_in(viewer, "vi")
    assert viewer.get("/overview").status_code == 200
    assert viewer.get("/api/comments").status_code == 200
    page = viewer.get("/sources").get_data(as_text=True)
    assert "Add a source" not in page  # no form offered…
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    refused = viewer.post("/sources", data={"csrf_token": csrf, "kind": "feed", "url": "https://a.example/f",
                                            "brand": "Acme"})  # fmt: skip
    assert refused.status_code == 403  # …and none taken
    assert "vi (viewer) may not make changes here" in refused.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
    _rec, value = create_token(db, "viewer's", "vi")
    headers = {"Authorization": f"Bearer {value}"}
    assert viewer.get("/api/comments", headers=headers).status_code == 200
    response = viewer.post("/api/clips", json={"text": "x", "url": "https://a.example/"}, headers=headers)
    assert response.status_code == 403 and "vi (viewer) may not send clips" in response.get_json()["error"]
    response = viewer.put("/api/brands/Acme/positioning", json={"weights": {"price": 1}}, headers=headers)
    assert response.status_code == 403


def test_a_clip_token_can_only_clip(db, anon):
    _rec, value = create_token(db, "extension", "ed", "clip")
    headers = {"Authorization": f"Bearer {value}"}
    response = anon.post("/api/clips", json={"text": "A clip", "url": "https://a.example/"}, headers=headers)
    assert response.status_code == 201
    assert anon.get("/api/brands", headers=headers).status_code == 200  # the extension's brand menu
    assert anon.get("/api/me", headers=headers).get_json()["rights"] == ["clip"]
    for method, path, body in (
        ("post", "/api/sources", {"kind": "feed", "url": "https://a.example/f", "brand": "Acme"}),
        ("put", "/api/comments/1/correction", {"sentiment": "negative"}),
        ("post", "/api/comments", [{"text": "x", "brand": "Acme"}]),
        ("get", "/api/comments", None),
        ("get", "/api/brands/Acme/gap", None),
    ):
        response = getattr(anon, method)(path, json=body, headers=headers)
        assert response.status_code == 403, (method, path)
        assert "ed (editor with a clip-only token) may not" in response.get_json()["error"]
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0


def test_an_editor_token_changes_things(anon, auth):
    source = {"kind": "feed", "url": "https://a.example/f", "brand": "Acme"}
    assert anon.post("/api/sources", json=source, headers=auth).status_code == 201


def test_a_disabled_user_is_shut_out_at_once(db, app, auth):
    browser = app.test_client()
    log_in(browser, "ed")
    assert browser.get("/overview").status_code == 200
    set_disabled(db, "ed", True)
    assert browser.get("/overview").status_code == 302  # the session no longer counts
    response = browser.get("/api/comments", headers=auth)
    assert response.status_code == 401 and "disabled" in response.get_json()["error"]
    assert "this account is disabled" in log_in(browser, "ed").get_data(as_text=True)


def test_a_token_from_before_accounts_is_refused_with_the_way_out(db, anon):
    _rec, value = create_token(db, "old", "ed")
    db.execute("UPDATE api_tokens SET user_id = NULL")
    db.conn.commit()
    response = anon.get("/api/comments", headers={"Authorization": f"Bearer {value}"})
    assert response.status_code == 401 and "--user USER" in response.get_json()["error"]


def test_login_logout_and_the_way_back(db, app):
    browser = app.test_client()
    first = browser.get("/comments?brand=Acme")
    assert first.headers["Location"] == "/login?next=/comments?brand%3DAcme" or first.headers[
        "Location"
    ].startswith("/login?next=")
    wrong = log_in(browser, "ed", "not the password")
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.get_data(as_text=True)
    unknown = log_in(browser, "nobody")
    assert "wrong user name or password" in unknown.get_data(as_text=True)  # no hint who exists
    page = browser.get("/login?next=/comments%3Fbrand%3DAcme").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = browser.post("/login", data={"csrf_token": csrf, "username": "ED", "password": PASSWORD,
                                            "next": "/comments?brand=Acme"})  # fmt: skip
    assert response.status_code == 303 and response.headers["Location"] == "/comments?brand=Acme"
    page = browser.get("/comments?brand=Acme").get_data(as_text=True)
    assert 'data-testid="who">ed (editor)' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert browser.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert browser.get("/overview").status_code == 302
    assert db.execute("SELECT last_login_at FROM users WHERE username = 'ed'").fetchone()[0] is not None


def test_login_never_sends_anyone_to_another_site(db, app):
    browser = app.test_client()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        page = browser.get("/login", query_string={"next": target}).get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = browser.post("/login", data={"csrf_token": csrf, "username": "ed", "password": PASSWORD,
                                                "next": target})  # fmt: skip
        assert response.headers["Location"] == "/overview", target


def test_failed_logins_are_rate_limited(db, app):
    browser = app.test_client()
    for _ in range(MAX_FAILURES):
        assert log_in(browser, "ed", "guess " * 3).status_code == 401
    refused = log_in(browser, "ed")  # even the right password, for a while
    assert refused.status_code == 429
    assert "too many failed logins: try again in" in refused.get_data(as_text=True)
    other = app.test_client()  # another user is not affected
    assert log_in(other, "vi").status_code == 303


@pytest.mark.real_hash
def test_passwords_are_stored_with_a_slow_hash_and_checked_for_length(db, run):
    row = db.execute("SELECT password_hash FROM users WHERE username = 'ed'").fetchone()[0]
    assert row.startswith("scrypt:32768:8:1$") and PASSWORD not in row
    short = run("users", "add", "shorty", "--role", "viewer", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    added = run("users", "add", "maria", "--role", "editor", "--password-stdin", input="maria's password\n")
    assert added.exit_code == 0 and "Added maria (editor)" in added.output
    again = run("users", "add", "Maria", "--role", "viewer", "--password-stdin", input="another password\n")
    assert again.exit_code == 1 and "already a user 'Maria'" in again.output
    listing = run("users", "list").output
    assert "maria" in listing and "editor" in listing and "never" in listing
    assert "disabled" in run("users", "disable", "maria").output
    assert "disabled" in run("users", "list").output
    assert "enabled" in run("users", "enable", "maria").output
    assert run("users", "password", "maria", "--password-stdin", input="a new long password\n").exit_code == 0
    assert (
        run("users", "add", "x", "--role", "boss", "--password-stdin", input="long enough pw\n").exit_code
        == 2
    )


def test_the_demo_keeps_its_admin_password_until_someone_sets_a_new_one(tmp_path, run, db_path, capsys):
    from server.cli.service import _where_to_go

    output = run("demo").output
    password = re.search(r"Log in as 'demo' with the password (\S+) ", output).group(1)
    assert log_in(create_app({"DB": str(db_path)}).test_client(), "demo", password).status_code == 303
    # a second `make run` shows the same login and logs nobody out
    assert re.search(r"the password (\S+) ", run("demo").output).group(1) == password
    _where_to_go("http://127.0.0.1:5000/")  # serve's last block: where to go and how to log in
    shown = capsys.readouterr().out
    assert "Open http://127.0.0.1:5000/" in shown
    assert f"Log in as 'demo' with the password {password} " in shown
    # a password set by hand is nobody else's business: the demo neither shows nor replaces it
    assert run("users", "password", "demo", "--password-stdin", input="my own demo pw\n").exit_code == 0
    again = run("demo").output
    assert password not in again and "with the password it was given last" in again
    assert log_in(create_app({"DB": str(db_path)}).test_client(), "demo", password).status_code != 303
    assert log_in(create_app({"DB": str(db_path)}).test_client(), "demo", "my own demo pw").status_code == 303
    _where_to_go("http://127.0.0.1:5000/")
    assert "my own demo pw" not in capsys.readouterr().out


@pytest.mark.parametrize("path", ["/api/comments", "/overview"])
def test_the_login_cookie_is_http_only_and_same_site(app, path):
    browser = app.test_client()
    response = log_in(browser, "ed")
    cookie = response.headers["Set-Cookie"]
    assert "gapwatch_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert browser.get(path).status_code == 200


def test_the_admin_manages_users_and_tokens_on_a_page_others_cannot_open(db, client, app):
    page = client.get("/users").get_data(as_text=True)
    assert 'data-user="ed"' in page and 'data-user="vi"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    added = client.post("/users", data={"csrf_token": csrf, "username": "maria", "role": "editor",
                                        "password": "maria's long password"})  # fmt: skip
    assert added.status_code == 303
    short = client.post(
        "/users", data={"csrf_token": csrf, "username": "x", "role": "viewer", "password": "short"}
    )
    assert "Not added: a password needs at least 10 characters" in client.get(
        short.headers["Location"]
    ).get_data(as_text=True)
    made = client.post("/tokens", data={"csrf_token": csrf, "name": "Maria's browser", "user": "maria",
                                        "scope": "clip"})  # fmt: skip
    token = re.search(r'data-testid="new-token">(gw_[^<]+)<', made.get_data(as_text=True)).group(1)
    assert made.status_code == 200 and token not in made.headers.get("Set-Cookie", "")  # never in a cookie
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/me", headers=headers).get_json()["user"] == "maria"
    token_id = db.execute("SELECT id FROM api_tokens WHERE name = ?", ["Maria's browser"]).fetchone()[0]
    assert client.post(f"/tokens/{token_id}/revoke", data={"csrf_token": csrf}).status_code == 303
    assert app.test_client().get("/api/me", headers=headers).status_code == 401
    maria = db.execute("SELECT id FROM users WHERE username = 'maria'").fetchone()[0]
    client.post(f"/users/{maria}/enabled", data={"csrf_token": csrf, "enabled": "0"})
    assert db.execute("SELECT disabled_at FROM users WHERE id = ?", [maria]).fetchone()[0] is not None
    editor = app.test_client()
    log_in(editor, "ed")
    assert editor.get("/users").status_code == 403
    assert "Users</a>" not in editor.get("/overview").get_data(as_text=True)
    assert editor.post("/tokens", data={"csrf_token": csrf, "name": "x", "user": "ed"}).status_code in (
        400,
        403,
    )


def test_reloading_the_answer_that_showed_a_token_makes_no_second_token(db, client):
    page = client.get("/users").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf, "once": once, "name": "Laptop", "user": "ed", "scope": "clip"}
    first = client.post("/tokens", data=form)
    shown = first.get_data(as_text=True)
    assert 'data-testid="new-token">gw_' in shown and '<button type="button" data-copy="new-token"' in shown
    steps = shown.split('data-testid="pairing-steps">')[1].split("</ol>")[0]  # the extension's pairing
    assert "Options" in steps and "http://localhost/" in steps and "Test connection" in steps
    again = client.post("/tokens", data=form, follow_redirects=True)  # the browser's reload re-sends it
    said = "No second token made: this form was already sent and made token &#39;Laptop&#39;"
    assert said in again.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM api_tokens WHERE name = 'Laptop'").fetchone()[0] == 1
    fresh = re.search(r'name="once" value="([^"]+)"', client.get("/users").get_data(as_text=True)).group(1)
    assert fresh != once  # a new form may make a new token
