"""Cases (``server.cases``): a claim tested against a workspace whose truth is planted through
people's corrections (they replace the model's tags), checked against ``server.metrics`` directly."""

from __future__ import annotations

import re

import pytest

from server import cases
from server.classify import classify_pending
from server.corrections import correct_many
from server.errors import Conflict, Invalid
from server.ingest import Context, ingest
from server.metrics import Question, attribute_figures, gap_figures, load_sample
from server.perception import Scope
from server.taxonomy import current_attributes, set_positioning


def _plant(db, brand: str, texts: list[str], attributes: list[str], feeling: str, day: str) -> list[int]:
    items = [{"text": t, "published_at": day} for t in texts]
    ingest(db, items, Context(origin="api", brand=brand))
    classify_pending(db)  # counted in the figures once tagged; the corrections below replace the tags
    marks = ",".join("?" * len(texts))
    ids = [r[0] for r in db.execute(f"SELECT id FROM comments WHERE text IN ({marks})", texts)]
    correct_many(
        db,
        ids,
        attributes=attributes,
        sentiment=feeling,
        attribute_sentiment={a: feeling for a in attributes},
    )
    return ids


@pytest.fixture
def planted(db):
    """Acme declares innovation 0.8, reliability 0.2; its customers speak of reliability 60 times
    (praise, in June) and of innovation 20 times (complaints, in May). Rival: 40 comments on
    reliability, all complaints; and 5 on support (too few for any figure)."""
    _plant(
        db,
        "Acme",
        [f"Acme never lost a file in year {i}." for i in range(60)],
        ["reliability"],
        "positive",
        "2026-06-10",
    )
    _plant(
        db,
        "Acme",
        [f"Acme's new features are gimmicks, take {i}." for i in range(20)],
        ["innovation"],
        "negative",
        "2026-05-10",
    )
    _plant(
        db,
        "Rival",
        [f"Rival lost my files again, time {i}." for i in range(40)],
        ["reliability"],
        "negative",
        "2026-06-12",
    )
    _plant(
        db,
        "Rival",
        [f"Rival support was slow, ticket {i}." for i in range(5)],
        ["support"],
        "negative",
        "2026-06-12",
    )
    set_positioning(db, "Acme", {"innovation": 0.8, "reliability": 0.2})
    return db


def _attributes(db) -> list[str]:
    return [a["key"] for a in current_attributes(db)]


def _brand_id(db, name: str) -> int:
    return db.execute("SELECT id FROM brands WHERE name = ?", [name]).fetchone()[0]


def test_a_declared_claim_is_judged_with_the_pages_gap_figure(planted):
    db = planted
    sample = load_sample(db, _brand_id(db, "Acme"), _attributes(db))
    question = Question(Scope().key("gap", _brand_id(db, "Acme")))
    _score, gaps = gap_figures(sample, {"innovation": 0.8, "reliability": 0.2}, question)

    case = cases.open_case(
        db,
        {
            "claim": "Customers choose us for reliability, not innovation",
            "statement": {"kind": "declared", "attribute": "reliability"},
        },
        by="ed",
    )
    result = case["result"]
    assert case["state"] == "tested" and case["verdict"] == "supported"
    assert result["effect"] == gaps["reliability"].as_dict()  # the same figure and interval as the pages
    assert result["effect"]["value"] == pytest.approx(0.75 - 0.2) and result["effect"]["n"] == 80
    assert "declared weight" in case["says"]

    innovation = cases.open_case(
        db,
        {
            "claim": "We own innovation",
            "statement": {"kind": "declared", "attribute": "innovation", "direction": "above"},
        },
    )
    assert innovation["verdict"] == "not supported"
    assert innovation["result"]["effect"] == gaps["innovation"].as_dict()


def test_quotes_for_and_against_are_on_their_sides(planted):
    case = cases.open_case(
        planted,
        {
            "claim": "Reliability, not innovation",
            "statement": {"kind": "declared", "attribute": "reliability"},
        },
    )
    quotes = case["result"]["quotes"]
    assert quotes["for"] and quotes["against"]
    assert all("reliability" in q["attributes"] and "never lost a file" in q["text"] for q in quotes["for"])
    assert all("reliability" not in q["attributes"] and "gimmicks" in q["text"] for q in quotes["against"])
    below = cases.open_case(
        planted,
        {
            "claim": "Reliability is under-discussed",
            "statement": {"kind": "declared", "attribute": "reliability", "direction": "below"},
        },
    )
    assert below["verdict"] == "not supported"
    assert below["result"]["quotes"]["for"] == quotes["against"]


def test_a_competitor_claim_uses_the_competitors_page_figures(planted):
    db = planted
    acme, rival = (load_sample(db, _brand_id(db, n), _attributes(db)) for n in ("Acme", "Rival"))
    ours = attribute_figures(acme, Question(Scope().key("competitors", "Acme")))["reliability"][
        "net_sentiment"
    ]
    theirs = attribute_figures(rival, Question(Scope().key("competitors", "Rival")))["reliability"][
        "net_sentiment"
    ]
    case = cases.open_case(
        db,
        {
            "claim": "Customers like our reliability more than Rival's",
            "statement": {
                "kind": "competitor",
                "attribute": "reliability",
                "figure": "net_sentiment",
                "competitor": "Rival",
            },
        },
    )
    assert case["verdict"] == "supported"
    assert case["result"]["compared"]["Acme"]["value"] == pytest.approx(ours.value)
    assert case["result"]["compared"]["Rival"]["value"] == pytest.approx(theirs.value)
    assert case["result"]["effect"]["value"] == pytest.approx(ours.value - theirs.value)  # 1 − (−1)
    quotes = case["result"]["quotes"]
    assert all(q["attribute_sentiment"]["reliability"] == "positive" for q in quotes["for"])
    assert quotes["against"] == []  # no complaint about Acme's reliability
    assert "as tagged" in case["result"]["correction_note"]


def test_too_few_comments_is_not_enough_data(planted):
    case = cases.open_case(
        planted,
        {
            "claim": "Rival's support is loved",
            "brand": "Rival",
            "statement": {"kind": "declared", "attribute": "support"},
        },
    )
    assert case["verdict"] == "not enough data"  # Rival declared nothing
    few = cases.open_case(
        planted,
        {
            "claim": "Rival's support is hated",
            "brand": "Rival",
            "statement": {
                "kind": "change",
                "attribute": "support",
                "figure": "net_sentiment",
                "direction": "below",
            },
        },
    )
    assert few["verdict"] == "not enough data" and "too few comments" in few["result"]["why"]


def test_a_change_between_periods(planted):
    case = cases.open_case(
        planted,
        {
            "claim": "Innovation talk faded in June",
            "statement": {
                "kind": "change",
                "attribute": "innovation",
                "figure": "share",
                "direction": "below",
                "before_from": "2026-05-01",
                "before_to": "2026-05-31",
                "from": "2026-06-01",
                "to": "2026-06-30",
            },
        },
    )
    # May: only innovation (share 1); June: only reliability (share 0) — and 20 comments in May
    assert (
        case["result"]["compared"]["earlier"]["value"] == 1.0
        and case["result"]["compared"]["later"]["value"] == 0
    )
    assert case["verdict"] == "not enough data" and "too few comments (20 < 30)" in case["result"]["why"]


def _innovation_is_quiet(db) -> dict:
    """A case that holds on the planted workspace: innovation's share is below its declared 0.8."""
    return cases.open_case(
        db,
        {
            "claim": "Customers barely mention innovation",
            "statement": {"kind": "declared", "attribute": "innovation", "direction": "below"},
        },
    )


def _innovation_talk_grows(db) -> None:
    """400 new comments praising Acme's innovation: its share passes 0.8, the case no longer holds."""
    _plant(
        db,
        "Acme",
        [f"Acme's AI assistant is a leap ahead, note {i}." for i in range(400)],
        ["innovation"],
        "positive",
        "2026-06-20",
    )


def test_new_comments_change_the_verdict_and_raise_one_alert(planted):
    db = planted
    case = _innovation_is_quiet(db)
    assert case["verdict"] == "supported"  # innovation: 0.25 of mentions against 0.8 declared
    assert cases.retest(db) == []  # nothing new: not tested again
    _innovation_talk_grows(db)
    assert cases.retest(db) == [case["id"]]
    after = cases.get_case(db, case["id"])
    assert after["verdict"] == "not supported"
    alerts = list(db.query("SELECT * FROM alerts WHERE kind = 'case'"))
    assert (
        len(alerts) == 1
        and alerts[0]["key"] == f"case:{case['id']}"
        and alerts[0]["link"] == f"/cases/{case['id']}"
    )
    assert [e["kind"] for e in after["events"]] == ["opened", "tested", "verdict"]
    assert cases.retest(db) == [] and len(list(db.query("SELECT id FROM alerts WHERE kind = 'case'"))) == 1


def test_states_owner_and_comments(planted):
    db = planted
    case = cases.open_case(
        db,
        {
            "claim": "Reliability first",
            "owner": "ed",
            "statement": {"kind": "declared", "attribute": "reliability"},
        },
    )
    with pytest.raises(Conflict):
        cases.move(db, case["id"], "resolved")  # tested → acknowledged first
    with pytest.raises(Invalid, match="say why"):
        cases.move(db, case["id"], "dismissed")
    for state in ("acknowledged", "acting", "resolved"):
        case = cases.move(db, case["id"], state, by="ed")
    assert case["state"] == "resolved" and case["moves"] == ["open"]
    with pytest.raises(Invalid, match="viewer"):
        cases.set_owner(db, case["id"], "vi")
    case = cases.add_comment(db, case["id"], "Shared with the product lead.", by="ed")
    case = cases.set_owner(db, case["id"], "admin", by="ed")
    kinds = [e["kind"] for e in case["events"]]
    assert kinds == ["opened", "tested", "state", "state", "state", "comment", "owner"]
    assert case["owner"] == "admin"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"claim": "x", "statement": {"kind": "declared"}}, "needs the attribute"),
        ({"claim": "x", "statement": {"kind": "declared", "attribute": "nope"}}, "unknown attribute"),
        (
            {
                "claim": "x",
                "statement": {"kind": "declared", "attribute": "reliability", "figure": "net_sentiment"},
            },
            "declared weight is a share",
        ),
        (
            {"claim": "x", "statement": {"kind": "competitor", "attribute": "reliability"}},
            "needs the competitor",
        ),
        (
            {
                "claim": "x",
                "statement": {"kind": "competitor", "attribute": "reliability", "competitor": "Acme"},
            },
            "not with itself",
        ),
        ({"claim": "x", "statement": {"kind": "theme"}}, "needs the theme"),
        (
            {
                "claim": "x",
                "statement": {
                    "kind": "change",
                    "attribute": "reliability",
                    "from": "2026-07-01",
                    "to": "2026-06-01",
                },
            },
            "from is after to",
        ),
        ({"claim": " ", "statement": {"kind": "declared", "attribute": "reliability"}}, "plain words"),
        (
            {"claim": "x", "statement": {"kind": "declared", "attribute": "reliability"}, "owner": "vi"},
            "viewer",
        ),
        (
            {
                "claim": "x",
                "statement": {"kind": "declared", "attribute": "reliability"},
                "origin": {"comment": 10**9},
            },
            "no comment",
        ),
        (
            {"claim": "x", "statement": {"kind": "declared", "attribute": "reliability", "code": "1"}},
            "unknown field",
        ),
    ],
)
def test_bad_statements_are_refused_and_nothing_is_written(planted, body, message):
    with pytest.raises(Invalid, match=message):
        cases.open_case(planted, body)
    assert planted.execute("SELECT count(*) FROM cases").fetchone()[0] == 0


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

    from server.alerts import evaluate
    from server.notify import digest

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
