"""The defects of issue 16, each at its cause: a test per defect, written to fail before its fix (1 to
7 here, 8 to 15 in ``test_defects_guards_and_figures.py``)."""

from __future__ import annotations

import http.client
import json
import re
import socket
import time

from server.classify.taxonomy import set_positioning
from server.collect.ingest import Context, ingest
from server.people.accounts import (
    set_disabled,
    set_password,
)
from tests.conftest import PASSWORD, count
from tests.conftest import log_in as log_in_form

TOO_BIG = "9" * 25  # past 2^63


# --- 1. the overview after each review label ------------------------------------------------------


def test_every_page_answers_while_the_review_queue_is_labelled_one_item_at_a_time(db, client):
    """The overview answered 500 from the 10th label until an attribute could be corrected."""
    from server.classify.review import draw_sample, label_item, next_item
    from tests.test_audit import simulated

    truth = simulated(db, n=400)
    set_positioning(db, "Acme", {"reliability": 0.5, "support": 0.5})
    draw_sample(db, per_stratum=10, days=3650, seed=1)
    pages = ["/overview", "/competitors", "/trends", "/audit", "/review", "/comments",
             "/report?brand=Acme&period=2026&format=html", "/api/brands/Acme/overview"]  # fmt: skip
    for labelled in range(26):
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, (labelled, page, response.get_data(as_text=True)[:300])
        item = next_item(db)
        if item is None:
            break
        t = truth[item["comment_id"]]
        label_item(db, item["id"], "fix", attributes=t["attributes"], sentiment=t["sentiment"], by="tester")
    overview = client.get("/overview").get_data(as_text=True)
    assert 'data-testid="corrected"' in overview  # the corrected column shows, with its reasons


# --- 2. a bounded search, and a time budget on reading ---------------------------------------------


def test_a_search_of_too_many_words_or_characters_is_refused(client, auth):
    words = " ".join(f"w{i}" for i in range(8000))
    for query in (words, "x" * 600):
        api = client.get("/api/comments", query_string={"q": query}, headers=auth)
        assert api.status_code == 400 and "q " in api.get_json()["error"]
        page = client.get("/comments", query_string={"q": query})
        assert page.status_code == 400 and "search for fewer words" in page.get_data(as_text=True)
    assert client.get("/api/comments", query_string={"q": "sync lost files"}, headers=auth).status_code == 200


def test_a_reading_request_past_its_time_budget_answers_503_and_says_why(db, db_path):
    from server import create_app

    ingest(db, [{"text": f"comment number {i} about sync", "brand": "Acme"} for i in range(300)],
           Context(origin="import"))  # fmt: skip
    app = create_app({"DB": str(db_path), "TESTING": True, "QUERY_TIMEOUT": 1e-9})
    client = app.test_client()
    assert log_in_form(client).status_code == 303  # a POST: no budget on changes
    response = client.get("/comments?q=sync")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "took longer than" in response.get_data(as_text=True)


# --- 3. idle connections do not lock people out -----------------------------------------------------


def test_120_idle_sockets_do_not_stop_a_logged_in_users_request(db, db_path, token):
    from tests.served import free_port
    from tests.test_faults import _serve

    port = free_port()
    proc = _serve(db_path, port)
    idle = []
    try:
        for _ in range(120):
            idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        time.sleep(0.5)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/me", headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        assert response.status == 200 and json.loads(response.read())["user"] == "ed"
    finally:
        for sock in idle:
            sock.close()
        proc.terminate()
        proc.wait(10)


def test_serve_passes_its_connection_limits_to_waitress():
    from server.cli.service import waitress_options

    options = waitress_options({"THREADS": 8, "CONNECTION_LIMIT": 1000, "IDLE_TIMEOUT": 15})
    assert options["connection_limit"] == 1000 and options["channel_timeout"] == 15


# --- 4. lone surrogates -------------------------------------------------------------------------------

SURROGATE = '"bad \\ud800 text"'  # as JSON sends it


def _raw(client, path: str, body: str, auth: dict, method: str = "POST"):
    return client.open(path, method=method, data=body, headers={**auth, "Content-Type": "application/json"})


def test_a_lone_surrogate_rejects_its_item_alone(client, auth, db):
    body = f'[{{"text": {SURROGATE}, "brand": "Acme"}}, {{"text": "good text", "brand": "Acme"}}]'
    response = _raw(client, "/api/comments", body, auth)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert results[0]["status"] == "rejected" and "lone surrogate" in results[0]["reason"]
    assert results[1]["status"] == "new" and count(db) == 1
    for path, body, method in (
        ("/api/clips", f'{{"text": {SURROGATE}}}', "POST"),
        ("/api/sources",
         f'{{"kind": "feed", "url": "https://example.com/f", "brand": "Acme", "name": {SURROGATE}}}', "POST"),
        ("/api/brands/Acme/positioning",
         f'{{"weights": {{"reliability": 1}}, "statement": {SURROGATE}}}', "PUT"),
        ("/api/taxonomy", f'{{"attributes": [], "note": {SURROGATE}}}', "POST"),
    ):  # fmt: skip
        answer = _raw(client, path, body, auth, method)
        assert answer.status_code == 400 and "surrogate" in answer.get_json()["error"], (
            path,
            answer.get_json(),
        )
    assert count(db) == 1 and count(db, "sources") == 0


def test_import_rejects_the_line_with_a_lone_surrogate_and_keeps_the_others(run, db, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(f'{{"text": "first good"}}\n{{"text": {SURROGATE}}}\n{{"text": "second good"}}\n')
    result = run("import", str(path), "--brand", "Acme")
    assert result.exit_code == 1
    assert "line 2" in result.output and "surrogate" in result.output
    assert count(db) == 2


# --- 5. huge numbers, and CR/LF in next= -----------------------------------------------------------


def test_numbers_past_2_63_never_answer_500(client, auth):
    for path in (f"/api/runs/{TOO_BIG}", f"/api/sources/{TOO_BIG}", f"/sources/{TOO_BIG}",
                 f"/api/comments/{TOO_BIG}/correction", f"/api/themes/{TOO_BIG}/draft"):  # fmt: skip
        response = client.get(path, headers=auth if path.startswith("/api") else {})
        assert response.status_code == 404, path
    for path in (f"/api/comments?page={TOO_BIG}", f"/api/runs?source={TOO_BIG}",
                 f"/api/alerts?page={TOO_BIG}",
                 f"/api/comments?theme={TOO_BIG}", f"/comments?theme={TOO_BIG}", f"/alerts?page={TOO_BIG}",
                 f"/alerts?page={2**62}"):  # fmt: skip
        response = client.get(path, headers=auth if path.startswith("/api") else {})
        assert response.status_code == 400, (path, response.status_code)
    posted = client.post(f"/api/alerts/{TOO_BIG}/read", json={}, headers=auth)
    assert posted.status_code == 404


def test_cr_lf_in_next_after_a_good_login_goes_to_the_overview(anon):
    page = anon.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = anon.post("/login", data={"csrf_token": csrf, "username": "admin", "password": PASSWORD,
                                         "next": "/comments\r\nSet-Cookie: evil=1"})  # fmt: skip
    assert response.status_code == 303 and response.headers["Location"].endswith("/overview")
    assert "evil" not in str(response.headers)


# --- 6. page errors are logged with a request id -----------------------------------------------------


def test_a_page_500_is_logged_with_its_traceback_and_shows_a_request_id(client, db, monkeypatch, caplog):
    import server.web as web
    from server.collect.ingest import Context, ingest

    ingest(db, [{"text": "Sync never fails.", "brand": "Acme"}], Context(origin="import"))  # a page to draw

    def broken(*_args, **_kwargs):
        raise RuntimeError("page internals")

    monkeypatch.setattr(web, "overview_of", broken)
    response = client.get("/overview")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    rid = response.headers["X-Request-Id"]
    assert rid in text and "page internals" not in text and "Traceback" not in text
    logged = [r for r in caplog.records if rid in r.getMessage()]
    assert logged and "page internals" in str(logged[0].exc_info[1])


# --- 7. logins end on the server ---------------------------------------------------------------------


def _copy(app, client):
    """A second browser holding a copy of ``client``'s cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("gapwatch_session")
    thief.set_cookie("gapwatch_session", cookie.value)
    return thief


def _logout(client, everywhere: bool = False):
    page = client.get("/overview").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = {"csrf_token": csrf, **({"everywhere": "1"} if everywhere else {})}
    return client.post("/logout", data=data)


def test_a_copied_cookie_stops_working_after_logout_password_change_and_disabling(app, db):
    client = app.test_client()
    assert log_in_form(client, "ed").status_code == 303
    thief = _copy(app, client)
    assert thief.get("/api/me").status_code == 200
    assert _logout(client).status_code == 303
    assert thief.get("/api/me").status_code == 401  # logout ended the login itself

    assert log_in_form(client, "ed").status_code == 303
    thief = _copy(app, client)
    set_password(db, "ed", "another good password")
    assert thief.get("/api/me").status_code == 401 and client.get("/api/me").status_code == 401

    assert log_in_form(client, "ed", "another good password").status_code == 303
    thief = _copy(app, client)
    set_disabled(db, "ed", True)
    assert thief.get("/api/me").status_code == 401
    set_disabled(db, "ed", False)
    assert thief.get("/api/me").status_code == 401  # enabling again does not revive old logins


def test_sign_out_everywhere_ends_the_users_other_logins(app, run):
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        assert log_in_form(browser, "vi").status_code == 303
    assert _logout(laptop, everywhere=True).status_code == 303
    assert phone.get("/api/me").status_code == 401
    assert log_in_form(phone, "vi").status_code == 303
    assert "1 login ended" in run("users", "signout", "vi").output
    assert phone.get("/api/me").status_code == 401
