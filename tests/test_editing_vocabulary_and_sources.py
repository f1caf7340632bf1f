"""Writing from the pages and the API, continued: positioning and taxonomy versions, sources and
their errors in words, competitors; every bad input gets a clear error and changes nothing."""

from __future__ import annotations

import html
import re

import pytest

from server.classify.taxonomy import set_positioning
from tests.test_editing import _csrf, tagged_comments


@pytest.fixture
def comments(db):
    return tagged_comments(db)


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
    from server.collect.crawls import add_source, finish_run, start_run

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
    from server.collect.crawls import in_words

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
