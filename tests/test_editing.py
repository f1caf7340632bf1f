"""Writing from the pages and the API: corrections, CSV export, positioning and taxonomy
versions, sources; every bad input gets a clear error and changes nothing."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from server.ingest import Context, ingest
from server.learning import correction_examples
from server.taxonomy import set_positioning


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


@pytest.fixture
def comments(db):
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


# --- positioning -------------------------------------------------------------------------------


def test_positioning_is_versioned_through_the_api(client, db, auth):
    body = {"weights": {"reliability": 0.6, "innovation": 0.4}, "statement": "Dependable.", "note": "Q3"}
    response = client.put("/api/brands/Acme/positioning", json=body, headers=auth)
    assert response.status_code == 200
    response = client.put("/api/brands/Acme/positioning", json={"weights": {"reliability": 1}}, headers=auth)
    data = response.get_json()
    assert data["weights"] == {"reliability": 1} and data["statement"] == "Dependable."
    assert [v["version"] for v in data["versions"]] == [2, 1]
    assert data["versions"][1]["weights"] == {"reliability": 0.6, "innovation": 0.4}
    assert data["versions"][1]["note"] == "Q3" and data["versions"][0]["saved_by"] == "token:tests"


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"reliability": 0.5}, "weights must sum to 1"),
        ({"reliability": 1.5, "price": -0.5}, "between 0 and 1"),
        ({"reliability": "all"}, "must be a number"),
        ({"teleportation": 1}, "unknown attribute(s) teleportation"),
        ({}, "weights must be an object"),
        ([1], "weights must be an object"),
    ],
)
def test_bad_positioning_is_refused_and_no_version_is_written(client, db, auth, weights, message):
    response = client.put("/api/brands/Acme/positioning", json={"weights": weights}, headers=auth)
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert db.execute("SELECT count(*) FROM positioning_versions").fetchone()[0] == 0


def test_the_positioning_editor_saves_percentages_that_sum_to_100(client, db):
    token = _csrf(client, "/positioning")
    form = {"csrf_token": token, "weight-reliability": "70", "weight-support": "20", "weight-price": "5"}
    response = client.post("/positioning?brand=Acme", data=form)
    assert response.status_code == 400
    assert "the weights must sum to 100 %, not 95 %" in response.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM positioning_versions").fetchone()[0] == 0
    form["weight-price"] = "10"
    response = client.post("/positioning?brand=Acme", data={**form, "statement": "Calm software."})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "saved as version 1" in page and "Reliability 70 %, Support 20 %, Price &amp; value 10 %" in page
    assert client.get("/api/brands/Acme/gap").get_json()["attributes"][0]["declared"] == 0.7
    bad = client.post("/positioning?brand=Acme", data={**form, "weight-price": "ten"})
    assert "must be a number of percent" in bad.get_data(as_text=True)


# --- taxonomy ------------------------------------------------------------------------------------


def test_the_taxonomy_editor_adds_an_attribute_as_a_new_version(client, db):
    page = client.get("/taxonomy").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    count = int(re.search(r'name="count" value="(\d+)"', page).group(1))
    form = {"csrf_token": token, "count": str(count), "note": "onboarding matters"}
    for i, key in enumerate(re.findall(r'name="key-\d+" value="(\w+)" readonly', page)):
        form[f"key-{i}"] = key
        form[f"name-{i}"] = re.search(rf'name="name-{i}" value="([^"]*)"', page).group(1)
        form[f"definition-{i}"] = f"What customers say about {key}."
    new = count - 2
    form |= {
        f"key-{new}": "onboarding",
        f"name-{new}": "Onboarding",
        f"definition-{new}": "Getting started and migrating in.",
        f"examples-{new}": "setup took minutes\nmigration help",
    }
    response = client.post("/taxonomy", data=form)
    assert response.status_code == 303
    data = client.get("/api/taxonomy").get_json()
    assert data["version"] == 2 and data["attributes"][-1]["key"] == "onboarding"
    assert data["attributes"][-1]["examples"] == ["setup took minutes", "migration help"]
    assert data["versions"][0]["note"] == "onboarding matters" and data["versions"][0]["saved_by"] == "admin"


def test_an_attribute_a_positioning_weighs_cannot_be_removed(client, db, auth):
    set_positioning(db, "Acme", {"reliability": 0.5, "price": 0.5})
    attributes = client.get("/api/taxonomy").get_json()["attributes"]
    kept = [a for a in attributes if a["key"] != "price"]
    response = client.post("/api/taxonomy", json={"attributes": kept}, headers=auth)
    assert response.status_code == 400
    assert "Acme declares 50% price" in response.get_json()["error"]
    assert client.get("/api/taxonomy").get_json()["version"] == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"note": "x"}, "attributes is required"),
        ({"attributes": {"a": 1}}, "must be a list"),
        ({"attributes": [{"key": "x"}]}, "definition"),
    ],
)
def test_bad_taxonomies_are_refused(client, auth, body, message):
    response = client.post("/api/taxonomy", json=body, headers=auth)
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert client.get("/api/taxonomy").get_json()["version"] == 1


# --- sources page ------------------------------------------------------------------------------


def test_sources_are_added_edited_and_queued_from_the_page(client, db):
    token = _csrf(client, "/sources")
    bad = client.post(
        "/sources", data={"csrf_token": token, "kind": "reddit", "url": "ftp://x", "brand": "Acme"}
    )
    assert (
        bad.status_code == 400
        and "The source was not added: url must be an http(s) address" in bad.get_data(as_text=True)
    )
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
    form = {"csrf_token": token, "kind": "reddit", "url": "https://www.reddit.com/r/selfhosted/",
            "brand": "Acme", "schedule": "every 6h", "comment_kind": "customer"}  # fmt: skip
    assert client.post("/sources", data=form).status_code == 303
    page = client.get("/sources").get_data(as_text=True)
    assert "never crawled yet" in page and "every 6h" in page
    bad = client.post("/sources/1", data={"csrf_token": token, "schedule": "sometimes", "enabled": "on"})
    assert bad.status_code == 400 and "is not understood" in bad.get_data(as_text=True)
    assert client.get("/api/sources/1").get_json()["schedule"] == "every 6h"
    client.post(
        "/sources/1", data={"csrf_token": token, "schedule": "every 1d", "max_pages": "3", "enabled": "on"}
    )
    source = client.get("/api/sources/1").get_json()
    assert (source["schedule"], source["max_pages"], source["enabled"]) == ("every 1d", 3, True)
    response = client.post("/sources/1/run", data={"csrf_token": token})
    assert response.status_code == 303
    assert client.get("/api/sources/1").get_json()["run_requested_at"] is not None
    assert client.post("/sources/77/run", data={"csrf_token": token}).status_code == 404


def test_a_failing_source_says_why(client, db):
    from server.crawls import add_source, finish_run, start_run

    source = add_source(db, {"kind": "feed", "url": "https://example.com/feed", "brand": "Acme"})
    for _ in range(2):
        run = start_run(db, source["id"], "schedule")
        finish_run(db, run, {"status": "failed", "errors": ["HTTP 500 from example.com"]})
    page = client.get(f"/sources/{source['id']}").get_data(as_text=True)
    assert "the last 2 runs failed: the site had an error of its own: the next run tries again" in page
    assert "<summary>technical detail</summary><code>HTTP 500 from example.com</code>" in page  # folded
    listing = client.get("/sources").get_data(as_text=True)
    assert (
        "the site had an error of its own" in listing and "<code>HTTP 500 from example.com</code>" in listing
    )


@pytest.mark.parametrize(
    ("raw", "words"),
    [("https://nope.example/: DNS lookup failed: no results for hostname lookup: nope.example.",
      "address could not be found"),
     ("https://x.example/p: HTTP 403", "refused access"),
     ("Forbidden by robots.txt: <GET https://x.example/p>", "robots.txt asks crawlers to keep out"),
     ("https://x.example/: User timeout caused connection failure: Getting https://x.example/ took longer "
      "than 180.0 seconds.", "took too long"),
     ("'10.0.0.5' is a private address; reaching it needs GAPWATCH_CRAWL_ALLOW_PRIVATE_NETWORKS=1",
      "points inside this network"),
     ("something nobody foresaw", "something nobody foresaw")],
)  # fmt: skip
def test_crawl_errors_in_words(raw, words):
    from server.crawls import in_words

    assert words in in_words(raw)


# --- competitors ---------------------------------------------------------------------------------


def test_the_competitors_page_shows_the_api_figures(client, db, comments):
    api = client.get("/api/competitors").get_json()
    page = client.get("/competitors").get_data(as_text=True)
    assert [b["name"] for b in api["brands"]] == ["Acme", "Rival"]
    assert "3 customer comments" in page and "too few comments (3 &lt; 30)" in page


@pytest.mark.slow
def test_a_source_is_tried_on_one_page_before_it_is_saved(db, db_path):
    from server import create_app
    from tests.conftest import log_in
    from tests.fixture_site import Answer, Site
    from tests.test_spiders import review_page

    app = create_app({"DB": str(db_path), "TESTING": True, "CRAWL_ALLOW_PRIVATE_NETWORKS": 1})
    client = app.test_client()
    log_in(client, "ed")
    with Site() as site:
        site.paths["/lamp"] = Answer(review_page([("1", "Bright and sturdy."), ("2", "Flickers at night.")],
                                                 "/lamp?page=2"))  # fmt: skip
        site.paths["/lamp?page=2"] = Answer(review_page([("3", "Second page, not fetched by a trial.")]))
        page = client.get("/sources").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"csrf_token": csrf, "kind": "schemaorg", "url": site.url("/lamp"), "brand": "Acme",
                "schedule": "daily", "name": "Lamp reviews", "action": "try"}  # fmt: skip
        tried = client.post("/sources", data=form)
        shown = tried.get_data(as_text=True)
        trial = shown.split('data-testid="trial"')[1].split("</section>")[0]
        assert tried.status_code == 200 and "2 comments found" in trial
        assert "Bright and sturdy." in trial and "Flickers at night." in trial and "Second page" not in trial
        assert "/lamp?page=2" not in site.hits  # one page only
        assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == 0  # nothing stored
        assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 0
        assert 'value="daily"' in shown and 'value="Lamp reviews"' in shown  # the form keeps what was typed
        empty = client.post("/sources", data={**form, "url": site.url("/missing")}).get_data(as_text=True)
        assert "Nothing found on that page: the page does not exist (any more)" in html.unescape(empty)
        # the kind left to Gapwatch: an unknown site's page is recognised by what it holds
        auto = client.post("/sources", data={**form, "kind": "auto"}).get_data(as_text=True)
        trial = auto.split('data-testid="trial"')[1].split("</section>")[0]
        assert (
            "Any page with review markup, recognised from the page" in trial and "2 comments found" in trial
        )
        assert '<option value="schemaorg" selected>' in auto  # the form keeps the kind found
        site.paths["/about"] = Answer(b"<html><body><h1>About us</h1><p>We make lamps.</p></body></html>")
        plain = html.unescape(
            client.post("/sources", data={**form, "kind": "auto", "url": site.url("/about")}).text
        )
        assert "Gapwatch could not recognise this page" in plain and "choose its kind" in plain
        before = site.hits.count("/missing")
        gone = html.unescape(
            client.post("/sources", data={**form, "kind": "auto", "url": site.url("/missing")}).text
        )
        assert "the page does not exist (any more)" in gone and site.hits.count("/missing") == before + 1
        added = client.post("/sources", data={**form, "action": "add"}, follow_redirects=True)
        assert "Source &#39;Lamp reviews&#39; added." in added.get_data(as_text=True)
        assert db.execute("SELECT schedule FROM sources").fetchone()[0] == "daily"
    bad = client.post(
        "/sources", data={**form, "url": "https://www.g2.com/products/x/reviews", "kind": "reddit"}
    )
    assert bad.status_code == 400 and "Not tried:" in bad.get_data(as_text=True)
