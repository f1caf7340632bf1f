"""Cases in the pages and the API (``server.tell.cases``), on the workspace ``test_cases.py`` plants."""

from __future__ import annotations

import re

import pytest

from server.tell import cases
from tests.test_cases import _innovation_is_quiet, _innovation_talk_grows, plant_cases


@pytest.fixture
def planted(from_template):
    return from_template("cases", plant_cases)


# --- the pages and the API ---------------------------------------------------------------------------


def _csrf(browser, path: str = "/cases/new") -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path).get_data(as_text=True)).group(1)


def test_open_a_case_from_a_comment_page_to_brief(planted, client):
    comment_id = planted.execute(
        "SELECT id FROM comments WHERE text LIKE 'Acme never lost%' LIMIT 1"
    ).fetchone()[0]
    evidence = client.get("/comments?brand=Acme").get_data(as_text=True)
    assert f"/cases/new?from_comment={comment_id}" in evidence  # every comment offers it to an editor
    form = client.get(f"/cases/new?from_comment={comment_id}&brand=Acme&attribute=reliability")
    page = form.get_data(as_text=True)
    assert (
        form.status_code == 200
        and "Acme never lost a file" in page
        and 'value="reliability" selected' in page
    )
    answer = client.post(
        "/cases/new",
        data={
            "csrf_token": _csrf(client),
            "from_comment": comment_id,
            "claim": "Customers choose us for reliability",
            "brand": "Acme",
            "kind": "declared",
            "attribute": "reliability",
            "figure": "share",
            "direction": "above",
            "owner": "ed",
        },
    )
    assert answer.status_code == 303
    case_page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="case-verdict">supported<' in case_page and "never lost a file" in case_page
    case = cases.list_cases(planted)[0]
    assert case["origin"] == {"comment": comment_id} and case["owner"] == "ed"
    brief = client.get(f"/cases/{case['id']}/brief")
    assert brief.status_code == 200 and "Customers choose us for reliability" in brief.get_data(as_text=True)
    assert "script" not in brief.headers["Content-Security-Policy"]
    pdf = client.get(f"/cases/{case['id']}/brief?format=pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_bad_form_says_why_and_keeps_what_was_typed(planted, client):
    answer = client.post(
        "/cases/new",
        data={"csrf_token": _csrf(client), "claim": "We own support", "kind": "declared", "attribute": ""},
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "needs the attribute" in page and 'value="We own support"' in page
    assert planted.execute("SELECT count(*) FROM cases").fetchone()[0] == 0


def test_viewers_read_cases_and_editors_act(planted, app, auth):
    from tests.conftest import log_in

    case = cases.open_case(
        planted, {"claim": "Reliability first", "statement": {"kind": "declared", "attribute": "reliability"}}
    )
    viewer = app.test_client()
    log_in(viewer, "vi")
    assert viewer.get(f"/cases/{case['id']}").status_code == 200
    assert "Act on it" not in viewer.get(f"/cases/{case['id']}").get_data(as_text=True)
    refused = viewer.post(
        f"/cases/{case['id']}/state", data={"csrf_token": _csrf(viewer, "/cases"), "state": "acknowledged"}
    )
    assert refused.status_code == 403 and cases.get_case(planted, case["id"])["state"] == "tested"
    api = app.test_client()
    moved = api.post(f"/api/cases/{case['id']}/state", json={"state": "acknowledged"}, headers=auth)
    assert moved.status_code == 200 and moved.json["state"] == "acknowledged"
    assert moved.json["events"][-1]["by"] == "ed"
    wrong = api.post(f"/api/cases/{case['id']}/state", json={"state": "tested"}, headers=auth)
    assert wrong.status_code == 409 and "can move to" in wrong.json["error"]


def test_the_api_opens_tests_and_lists_cases(planted, app, auth):
    api = app.test_client()
    opened = api.post(
        "/api/cases",
        json={"claim": "We own innovation", "statement": {"kind": "declared", "attribute": "innovation"}},
        headers=auth,
    )
    assert opened.status_code == 201 and opened.json["verdict"] == "not supported"
    case_id = opened.json["id"]
    assert api.post(f"/api/cases/{case_id}/test", headers=auth).json["verdict"] == "not supported"
    assert (
        api.post(f"/api/cases/{case_id}/comments", json={"text": "Board asked."}, headers=auth).status_code
        == 201
    )
    assert (
        api.post(f"/api/cases/{case_id}/owner", json={"owner": "admin"}, headers=auth).json["owner"]
        == "admin"
    )
    listed = api.get("/api/cases?state=in play", headers=auth).json["cases"]
    assert [c["id"] for c in listed] == [case_id]
    for bad in ({"claim": "x"}, {"claim": "x", "statement": "declared"}, [], {"claim": 3, "statement": {}}):
        answer = api.post("/api/cases", json=bad, headers=auth)
        assert answer.status_code == 400 and answer.json["error"]
    assert api.get("/api/cases/999", headers=auth).status_code == 404
    assert api.get("/api/cases?state=nope", headers=auth).status_code == 400
    assert planted.execute("SELECT count(*) FROM cases").fetchone()[0] == 1


def test_the_alert_check_retests_cases_and_the_digest_lists_them(planted):
    from datetime import date

    from server.tell.alerts import evaluate
    from server.tell.notify import digest

    db = planted
    case = _innovation_is_quiet(db)
    _innovation_talk_grows(db)
    raised = [a for a in evaluate(db) if a["kind"] == "case"]
    assert [(a["key"], a["state"]) for a in raised] == [(f"case:{case['id']}", "not supported")]
    text = digest(db, {}, date.today())["text"]
    assert f"Case {case['id']}, Acme: “Customers barely mention innovation”: not supported, tested" in text


def test_figures_on_the_overview_and_competitors_pages_open_a_case_filled_in(planted, client):
    competitors = client.get("/competitors").get_data(as_text=True)
    link = re.search(
        r'href="(/cases/new\?[^"]*competitor=Rival[^"]*attribute=reliability[^"]*)"', competitors
    )
    assert link, "each competitor's cell offers to test a claim"
    form = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="competitor" selected' in form and 'value="Rival" selected' in form
    assert 'value="net_sentiment" selected' in form
    overview = client.get("/overview?brand=Acme").get_data(as_text=True)
    assert "/cases/new?from_figure=overview" in overview
