"""``/api/brands/<brand>/gap``, ``/trends`` and ``/api/competitors`` on a small tagged workspace."""

from __future__ import annotations

import pytest

from server.classify.taxonomy import set_positioning
from server.collect.ingest import Context, ingest
from server.jobs.classifier import classify_pending

RELIABILITY = [f"The app crashed again and lost my files, day {i}." for i in range(35)]
SUPPORT = [f"Support answered quickly and fixed it, ticket {i}." for i in range(31)]


def workspace(db) -> None:
    dated = [{"text": t, "published_at": f"2026-01-{i % 28 + 1:02d}"} for i, t in enumerate(RELIABILITY)]
    dated += [{"text": t, "published_at": f"2026-02-{i % 28 + 1:02d}"} for i, t in enumerate(SUPPORT)]
    dated += [
        {"text": f"The price went up again in March, bill {i}.", "published_at": "2026-03-02"}
        for i in range(3)
    ]
    ingest(db, dated, Context(origin="api", brand="Acme"))
    ingest(
        db,
        [{"text": "Our new engine is the most innovative on the market."}],
        Context(origin="api", brand="Acme", kind="emitted"),
    )
    classify_pending(db)
    set_positioning(db, "Acme", {"innovation": 0.5, "reliability": 0.5})


@pytest.fixture
def tagged(from_template):
    """The workspace above, tagged by the real model once per test process (before ``client``
    logs in: the copy replaces the whole workspace)."""
    return from_template("perception", workspace)


def test_gap_answers_every_attribute_with_interval_and_sample_size(tagged, client):
    body = client.get("/api/brands/Acme/gap").get_json()
    assert body["comments"] == 69 and body["emitted"] == 1
    by = {a["attribute"]: a for a in body["attributes"]}
    assert by["innovation"]["declared"] == 0.5 and by["support"]["declared"] == 0.0
    share = by["reliability"]["share"]
    assert share["n"] == 69 and share["low"] <= share["value"] <= share["high"]
    assert by["reliability"]["net_sentiment"]["value"] < 0 < by["support"]["net_sentiment"]["value"]
    assert body["gap_score"]["value"] > 0.3  # they talk of reliability and support, we claim innovation
    assert body["message_gap"]["note"] == "too few comments (1 < 5)"
    assert client.get("/api/brands/Acme/gap").get_json() == body  # seeded: the same on reload


def test_trends_and_filters(tagged, client):
    body = client.get("/api/brands/Acme/trends?interval=month").get_json()
    assert [(p["start"], p["comments"]) for p in body["periods"]] == [
        ("2026-01-01", 35),
        ("2026-02-01", 31),
        ("2026-03-01", 3),
    ]
    assert body["periods"][0]["gap_score"]["value"] is not None
    assert body["periods"][2]["gap_score"]["note"] == "too few comments (3 < 30)"
    january = client.get("/api/brands/Acme/gap?from=2026-01-01&to=2026-01-31").get_json()
    assert january["comments"] == 35
    assert client.get("/api/brands/Acme/gap?channel=nowhere").get_json()["comments"] == 0


def test_competitors_and_bad_requests(tagged, client):
    body = client.get("/api/competitors").get_json()
    assert [b["name"] for b in body["brands"]] == ["Acme", "Rival"]
    reliability = next(a for a in body["attributes"] if a["attribute"] == "reliability")
    assert reliability["brands"]["Acme"]["ownership"]["value"] == 1.0  # Rival has no comments
    assert client.get("/api/brands/Nobody/gap").status_code == 404
    for query, message in [
        ("?from=yesterday", "from must be a date"),
        ("?from=2026-02-01&to=2026-01-01", "from is after to"),
    ]:
        response = client.get("/api/brands/Acme/gap" + query)
        assert response.status_code == 400 and message in response.get_json()["error"]
    bad = client.get("/api/brands/Acme/trends?interval=day")
    assert bad.status_code == 400 and "interval must be one of week, month" in bad.get_json()["error"]
