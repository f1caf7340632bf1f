"""The customers' biggest problems and shared enemies (``server.tell.enemies``), on a workspace whose
truth is planted through people's corrections."""

from __future__ import annotations

import re

import pytest

from server.errors import Conflict, Invalid
from server.measure.metrics import Question, proportion
from server.tell import enemies
from tests.test_cases import _plant

PLANTED = [  # brand, text, how many, attributes, sentiment, day
    ("Acme", "Acme lost my files again, case {i}.", 30, ["reliability"], "negative", "2026-06-10"),
    ("Acme", "Acme syncs fine, case {i}.", 10, ["reliability"], "positive", "2026-06-11"),
    ("Acme", "Acme is too expensive, bill {i}.", 10, ["price"], "negative", "2026-06-12"),
    ("Acme", "Acme is fair value, bill {i}.", 40, ["price"], "positive", "2026-06-12"),
    ("Acme", "Acme is easy, note {i}.", 10, ["ease_of_use"], "positive", "2026-06-13"),
    ("Acme", "Acme crashed in March, log {i}.", 6, ["reliability"], "negative", "2026-04-10"),
    ("Acme", "Acme in March was fine, log {i}.", 54, ["ease_of_use"], "positive", "2026-04-11"),
    ("Rival", "Rival lost data, ticket {i}.", 4, ["reliability"], "negative", "2026-06-10"),
    ("Rival", "Rival is fine, ticket {i}.", 36, ["ease_of_use"], "positive", "2026-06-10"),
]


def _plant_problems(db) -> None:
    for brand, text, count, attributes, feeling, day in PLANTED:
        _plant(db, brand, [text.format(i=i) for i in range(count)], attributes, feeling, day)


@pytest.fixture
def planted(from_template):
    """Acme, June 2026: 100 comments; 30 complain of reliability (of 40 speaking of it), 10 of
    price (of 50). March 2026 (the 90 days before): 60 comments, 6 reliability complaints.
    Rival, June: 40 comments, 4 reliability complaints."""
    return from_template("problems", _plant_problems)


def test_problems_are_ranked_with_the_figures_computed_directly(planted):
    found = enemies.problems(planted)
    assert found["period"] == {"from": "2026-03-16", "to": "2026-06-13"}
    first, second = found["problems"][:2]
    assert (first["attribute"], first["size"], first["mentions"]) == ("reliability", 36, 46)
    # the period holds March's comments too: 160 comments, 36 complaints of reliability
    expected = proportion(36, 160, Question("enemy|now|1|reliability|2026-03-16"))
    assert first["rate"] == expected.as_dict()
    assert (second["attribute"], second["size"]) == ("price", 10)
    assert first["competitors"]["Rival"]["value"] == pytest.approx(4 / 40)
    assert first["quotes"] and all(
        "lost my files" in q["text"] or "crashed" in q["text"] for q in first["quotes"]
    )
    by_negativity = [p["attribute"] for p in enemies.problems(planted, sort="negativity")["problems"]]
    assert by_negativity == ["reliability", "price"]  # 36/46 against 10/50
    with pytest.raises(Invalid):
        enemies.problems(planted, sort="loudest")


def test_growth_compares_with_the_90_days_before(planted):
    from tests.test_cases import _plant as plant

    plant(planted, "Acme", [f"Old complaint {i}." for i in range(30)], ["price"], "negative", "2026-01-05")
    plant(planted, "Acme", [f"Old praise {i}." for i in range(30)], ["ease_of_use"], "positive", "2026-01-06")
    price = next(p for p in enemies.problems(planted)["problems"] if p["attribute"] == "price")
    assert price["before"] == 30 and price["growth"]["value"] == pytest.approx(10 / 160 - 30 / 60)
    assert price["growth"]["high"] < 0  # fewer complaints of price than before


def _enemy(**changes) -> dict:
    return {
        "name": "Lost files",
        "attribute": "reliability",
        "target": 0.05,
        "commercial_owner": "ed",
        "technical_owner": "admin",
        **changes,
    }


def test_a_shared_enemy_has_its_metric_target_owners_and_curve(planted):
    enemy = enemies.name_enemy(planted, _enemy(), by="ed")
    assert enemy["metric"] == "share of Acme's customer comments with negative reliability sentiment"
    assert enemy["current"]["value"] == pytest.approx(36 / 160) and enemy["met"] is False
    months = {p["month"]: p for p in enemy["curve"]}
    assert months["2026-06-01"]["value"] == pytest.approx(30 / 100)  # June: 30 of 100
    assert months["2026-06-01"]["named"] and months["2026-04-01"]["value"] == pytest.approx(6 / 60)
    assert months["2026-05-01"]["value"] is None  # no comments in May: no point
    with pytest.raises(Conflict):
        enemies.name_enemy(planted, _enemy(name="Again"))
    retired = enemies.retire(planted, enemy["id"], "below target for a quarter", by="ed")
    assert retired["status"] == "retired" and enemies.list_enemies(planted) == []


@pytest.mark.parametrize("changes, message", [
    ({"commercial_owner": "vi"}, "viewer"),
    ({"technical_owner": "ed"}, "two different people"),
    ({"target": 5}, "from 0 to 1"),
    ({"theme": 1}, "an attribute or a theme"),
    ({"attribute": None}, "an attribute or a theme"),
    ({"attribute": "nope"}, "unknown attribute"),
    ({"name": "  "}, "a name"),
    ({"x": 1}, "unknown field"),
])  # fmt: skip
def test_bad_shared_enemies_are_refused_and_nothing_is_written(planted, changes, message):
    with pytest.raises(Invalid, match=message):
        enemies.name_enemy(planted, {k: v for k, v in _enemy(**changes).items() if v is not None})
    assert planted.execute("SELECT count(*) FROM shared_enemies").fetchone()[0] == 0


def _csrf(browser, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', browser.get(path).get_data(as_text=True)).group(1)


def _post_enemy(browser, **fields):
    """The form of /enemies/new as an editor fills it in for Acme's reliability."""
    form = {"name": "Lost files", "brand": "Acme", "attribute": "reliability", "target": "5",
            "commercial_owner": "ed", "technical_owner": "admin", **fields}  # fmt: skip
    return browser.post("/enemies/new", data={"csrf_token": _csrf(browser, "/enemies/new"), **form})


def test_promote_a_problem_and_see_it_on_the_overview(planted, client, app):
    from tests.conftest import log_in

    page = client.get("/problems").get_data(as_text=True)
    assert "lost my files" in page and 'data-testid="name-enemy"' in page
    form = client.get("/enemies/new?brand=Acme&attribute=reliability&label=reliability")
    assert form.status_code == 200 and 'value="Complaints about reliability"' in form.get_data(as_text=True)
    bad = _post_enemy(client, target="five")
    assert bad.status_code == 400 and "percentage" in bad.get_data(as_text=True)
    made = _post_enemy(client, target="5")
    assert made.status_code == 303
    enemy_page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="enemy-curve"' in enemy_page and "target of 5.0 %" in enemy_page
    overview = client.get("/overview?brand=Acme").get_data(as_text=True)
    top = overview.index('data-testid="shared-enemies"')
    assert top < overview.index("Perception gap") and "Lost files" in overview[top:]
    viewer = app.test_client()
    log_in(viewer, "vi")
    assert 'data-testid="name-enemy"' not in viewer.get("/problems").get_data(as_text=True)
    refused = viewer.post("/enemies/new", data={"csrf_token": _csrf(viewer, "/problems"), "name": "x"})
    assert refused.status_code == 403


def test_the_api_names_lists_and_retires(planted, app, auth):
    api = app.test_client()
    assert api.get("/api/problems", headers=auth).json["problems"][0]["attribute"] == "reliability"
    made = api.post("/api/enemies", json=_enemy(), headers=auth)
    assert made.status_code == 201 and made.json["curve"]
    assert [e["id"] for e in api.get("/api/enemies", headers=auth).json["enemies"]] == [made.json["id"]]
    assert api.post(f"/api/enemies/{made.json['id']}/retire", json={}, headers=auth).status_code == 400
    retired = api.post(f"/api/enemies/{made.json['id']}/retire", json={"reason": "beaten"}, headers=auth)
    assert retired.json["status"] == "retired"
    assert api.get("/api/enemies", headers=auth).json["enemies"] == []
    assert len(api.get("/api/enemies?all=1", headers=auth).json["enemies"]) == 1
    assert api.post("/api/enemies", json=_enemy(target="5%"), headers=auth).status_code == 400
