"""Cases (``server.tell.cases``): a claim tested against a workspace whose truth is planted through
people's corrections (they replace the model's tags), checked against ``server.measure.metrics`` directly."""

from __future__ import annotations

import pytest

from server.classify.corrections import correct_many
from server.classify.taxonomy import current_attributes, set_positioning
from server.collect.ingest import Context, ingest
from server.errors import Conflict, Invalid
from server.jobs.classifier import classify_pending
from server.measure.metrics import Question, attribute_figures, gap_figures, load_sample
from server.measure.perception import Scope
from server.tell import cases


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


PLANTED = [  # brand, text, how many, attribute, sentiment, day
    ("Acme", "Acme never lost a file in year {i}.", 60, "reliability", "positive", "2026-06-10"),
    ("Acme", "Acme's new features are gimmicks, take {i}.", 20, "innovation", "negative", "2026-05-10"),
    ("Rival", "Rival lost my files again, time {i}.", 40, "reliability", "negative", "2026-06-12"),
    ("Rival", "Rival support was slow, ticket {i}.", 5, "support", "negative", "2026-06-12"),
]


def plant_cases(db):
    """Acme declares innovation 0.8, reliability 0.2; its customers speak of reliability 60 times
    (praise, in June) and of innovation 20 times (complaints, in May). Rival: 40 comments on
    reliability, all complaints; and 5 on support (too few for any figure)."""
    for brand, text, count, attribute, feeling, day in PLANTED:
        _plant(db, brand, [text.format(i=i) for i in range(count)], [attribute], feeling, day)
    set_positioning(db, "Acme", {"innovation": 0.8, "reliability": 0.2})
    return db


@pytest.fixture
def planted(from_template):
    return from_template("cases", plant_cases)


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
