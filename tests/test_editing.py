"""Writing from the pages and the API: corrections, CSV export, positioning and taxonomy
versions, sources; every bad input gets a clear error and changes nothing."""

from __future__ import annotations

import csv
import io
import re

import pytest

from server.collect.ingest import Context, ingest
from server.jobs.learning import correction_examples


def _tag(db, comment_id, attributes, sentiment="neutral"):
    with db.atomic():
        db.execute(
            "INSERT OR REPLACE INTO tags (comment_id, model, taxonomy_version, sentiment, sentiment_score, "
            "created_at) VALUES (?, 'test', 1, ?, 0.7, '2026-01-01T00:00:00Z')",
            [comment_id, sentiment],
        )
        for key, score in attributes.items():
            db.execute(
                "INSERT INTO tag_attributes (comment_id, attribute, score, assigned, sentiment) "
                "VALUES (?, ?, ?, 1, ?)",
                [comment_id, key, score, sentiment],
            )


def tagged_comments(db) -> list[int]:
    """Three tagged comments of Acme: a formula-like complaint, support praise, price praise."""
    items = [
        {"text": '=HYPERLINK("http://evil.example") it crashed twice',
         "published_at": "2026-03-02T10:00:00Z", "channel": "Reddit"},
        {"text": "Support was quick and kind.", "published_at": "2026-03-03T10:00:00Z", "channel": "G2"},
        {"text": "Cheap enough for us.", "published_at": "2026-03-04T10:00:00Z", "channel": "G2"},
    ]  # fmt: skip
    ids = [o.id for o in ingest(db, items, Context(origin="api", brand="Acme"))]
    _tag(db, ids[0], {"reliability": 0.9}, "negative")
    _tag(db, ids[1], {"support": 0.6}, "positive")
    _tag(db, ids[2], {"price": 0.8}, "positive")
    return ids


@pytest.fixture
def comments(db):
    return tagged_comments(db)


def _csrf(client, path="/comments") -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _mentions(client, attribute):
    gap = client.get("/api/brands/Acme/gap").get_json()
    return next(a for a in gap["attributes"] if a["attribute"] == attribute)["mention_rate"]


# --- corrections -----------------------------------------------------------------------------


def test_a_correction_from_the_evidence_page_changes_figures_and_training(client, db, comments):
    token = _csrf(client)
    before = client.get("/api/comments?attribute=support").get_json()["total"]
    response = client.post(
        f"/comments/{comments[2]}/correction",
        data={
            "csrf_token": token,
            "attribute": ["support", "price"],
            "sentiment": "negative",
            "next": "/comments?brand=Acme",
        },  # fmt: skip
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/comments?brand=Acme#comment-{comments[2]}"
    assert client.get("/api/comments?attribute=support").get_json()["total"] == before + 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "corrected; the figures and the next training use it" in page
    assert "corrected by admin" in page
    examples = correction_examples(db)
    assert {e.text for e in examples} == {"Cheap enough for us."}
    assert set(examples[0].attributes) == {"support", "price"} and examples[0].sentiment == "negative"
    # the figures count the correction (3 comments: support now in 2 of them)
    rows = client.get("/api/comments?brand=Acme&attribute=support").get_json()["comments"]
    assert {r["id"] for r in rows} == {comments[1], comments[2]}
    assert all(r["sentiment"] in ("positive", "negative") for r in rows)


def test_a_form_post_without_its_token_is_refused_and_changes_nothing(client, db, comments):
    response = client.post(f"/comments/{comments[0]}/correction", data={"attribute": ["price"]})
    assert response.status_code == 400
    assert "did not come from Gapwatch" in response.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0


def test_a_form_never_redirects_off_site(client, comments):
    token = _csrf(client)
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            f"/comments/{comments[0]}/correction",
            data={"csrf_token": token, "attribute": ["price"], "sentiment": "neutral", "next": target},
        )
        assert response.headers["Location"].startswith("/comments#comment-")


def test_an_unknown_attribute_from_the_form_is_explained(client, db, comments):
    token = _csrf(client)
    response = client.post(
        f"/comments/{comments[0]}/correction",
        data={"csrf_token": token, "attribute": ["teleportation"], "sentiment": "neutral"},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "was not corrected: unknown attribute(s) teleportation" in page
    assert db.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0


def test_corrections_through_the_api(client, db, comments, auth):
    url = f"/api/comments/{comments[0]}/correction"
    assert client.put(url, json={"sentiment": "positive"}).status_code == 401
    response = client.put(url, json={"sentiment": "positive"}, headers=auth)
    assert response.status_code == 200
    assert response.get_json()["sentiment"] == "positive" and response.get_json()["attributes"] is None
    # the attributes are kept from the model, only the sentiment changed
    comment = client.get("/api/comments?brand=Acme&attribute=reliability").get_json()["comments"][0]
    assert comment["sentiment"] == "positive" and comment["attributes"] == ["reliability"]
    response = client.put(url, json={"attributes": []}, headers=auth)  # "none of them"
    assert response.get_json()["attributes"] == [] and response.get_json()["sentiment"] == "positive"
    assert client.get("/api/comments?attribute=reliability").get_json()["total"] == 0
    assert client.delete(url, headers=auth).get_json() == {"comment_id": comments[0], "corrected": False}
    assert client.get("/api/comments?attribute=reliability").get_json()["total"] == 1


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"attributes": ["nope"]}, 400, "unknown attribute(s) nope"),
        ({"attributes": "price"}, 400, "attributes must be a list"),
        ({"sentiment": "furious"}, 400, "sentiment must be one of positive, neutral, negative"),
        ({}, 400, "say what to correct"),
        ({"mood": "x"}, 400, "unknown field(s) mood"),
        ([1, 2], 400, "must be a JSON object"),
    ],
)
def test_bad_corrections_are_refused(client, db, comments, auth, body, status, message):
    response = client.put(f"/api/comments/{comments[0]}/correction", json=body, headers=auth)
    assert response.status_code == status and message in response.get_json()["error"]
    assert db.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0


def test_correcting_a_missing_comment_is_404(client, auth):
    response = client.put("/api/comments/999/correction", json={"sentiment": "neutral"}, headers=auth)
    assert response.status_code == 404 and "no comment with id 999" in response.get_json()["error"]


def test_a_correction_moves_the_gap_figures(client, db, comments, auth):
    before = _mentions(client, "price")
    client.put(f"/api/comments/{comments[0]}/correction", json={"attributes": ["price"]}, headers=auth)
    after = _mentions(client, "price")
    assert after["n"] == before["n"] == 3
    # too few comments for a value (3 < 30), but the API still recomputed from the correction:
    rows = client.get("/api/comments?attribute=price").get_json()["total"]
    assert rows == 2


# --- evidence list: order, filters, CSV -------------------------------------------------------


def test_evidence_orders_by_confidence_and_filters_by_channel(client, comments):
    confident = client.get("/api/comments?sort=confident").get_json()["comments"]
    assert [c["confidence"] for c in confident] == [0.9, 0.8, 0.6]
    uncertain = client.get("/api/comments?sort=uncertain").get_json()["comments"]
    assert [c["confidence"] for c in uncertain] == [0.6, 0.8, 0.9]
    assert client.get("/api/comments?channel=G2").get_json()["total"] == 2
    bad = client.get("/api/comments?sort=loudest")
    assert bad.status_code == 400 and "sort must be one of newest" in bad.get_json()["error"]


def test_the_evidence_list_downloads_as_csv_safe_for_spreadsheets(client, comments):
    response = client.get("/api/comments.csv?brand=Acme&channel=Reddit")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    assert rows[0]["text"].startswith("'=HYPERLINK")  # kept as text, not run as a formula
    assert rows[0]["attributes"] == "reliability" and rows[0]["confidence"] == "0.9"
    assert client.get("/api/comments.csv?brand=Nobody").get_json() == {"error": "unknown brand 'Nobody'"}
    page = client.get("/comments?brand=Acme").get_data(as_text=True)
    assert 'href="/api/comments.csv?brand=Acme"' in page


# --- security headers --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/overview", "/comments", "/competitors", "/sources", "/api/health"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, comments):
    for path in ("/", "/comments", "/competitors", "/sources", "/positioning", "/taxonomy", "/trends"):
        page = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert " style=" not in page and "<style" not in page, path
        assert not re.search(r"\son[a-z]+=", page), path
