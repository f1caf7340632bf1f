"""``/api/sources`` and ``/api/runs``: the same functions as the CLI, errors as JSON."""

from __future__ import annotations

from server.collect.crawls import finish_run, start_run, take_run_requests

SOURCE = {"kind": "reddit", "url": "https://www.reddit.com/r/lamps/", "brand": "Acme", "schedule": "every 6h"}


def test_sources_are_added_listed_changed_and_run_on_request(client, auth, db):
    created = client.post("/api/sources", json=SOURCE, headers=auth)
    assert created.status_code == 201
    source = created.get_json()
    assert source["kind"] == "reddit" and source["brand"] == "Acme" and source["enabled"] is True
    assert [s["id"] for s in client.get("/api/sources").get_json()["sources"]] == [source["id"]]

    changed = client.patch(
        f"/api/sources/{source['id']}", json={"enabled": False, "schedule": "0 7 * * *"}, headers=auth
    )
    assert changed.status_code == 200 and changed.get_json()["enabled"] is False
    assert changed.get_json()["schedule"] == "0 7 * * *"

    queued = client.post(f"/api/sources/{source['id']}/run", headers=auth)
    assert queued.status_code == 202 and queued.get_json()["queued"] is True
    assert take_run_requests(db) == [source["id"]]
    assert take_run_requests(db) == []  # taken once


def test_runs_are_listed_newest_first_and_shown(client, auth, db):
    source = client.post("/api/sources", json=SOURCE, headers=auth).get_json()
    first = start_run(db, source["id"], "schedule")
    finish_run(db, first, {"status": "partial", "pages": 3, "new": 12, "errors": ["https://x/2: HTTP 500"]})
    second = start_run(db, source["id"], "manual")
    runs = client.get(f"/api/runs?source={source['id']}").get_json()["runs"]
    assert [r["id"] for r in runs] == [second, first]
    shown = client.get(f"/api/runs/{first}").get_json()
    assert (
        shown["status"] == "partial"
        and shown["new_count"] == 12
        and shown["errors"] == ["https://x/2: HTTP 500"]
    )
    assert client.get(f"/api/sources/{source['id']}").get_json()["runs"][0]["id"] == second


def test_bad_requests_get_a_json_error_and_store_nothing(client, auth, db):
    cases = [
        ({**SOURCE, "kind": "ftp"}, 400, "kind must be one of"),
        ({**SOURCE, "schedule": "sometimes"}, 400, "not understood"),
        ({**SOURCE, "schedule": "every 1s"}, 400, "too frequent"),
        ({**SOURCE, "url": "file:///etc/passwd"}, 400, "http"),
        ({**SOURCE, "brand": "Nobody"}, 404, "unknown brand"),
        ({**SOURCE, "owner": "me"}, 400, "unknown field 'owner'"),
        ({**SOURCE, "max_pages": 0}, 400, "max_pages must be between"),
        ([SOURCE], 400, "must be a JSON object"),
        (
            {**SOURCE, "url": "https://www.g2.com/products/acme/reviews"},
            400,
            "www.g2.com addresses are read as 'g2' (G2 / Capterra reviews), not as 'reddit'",
        ),
        (
            {**SOURCE, "kind": "schemaorg"},
            400,
            "not as 'schemaorg' (Any page with review markup): choose 'reddit'",
        ),
        ({**SOURCE, "kind": "auto", "url": "https://shop.example/lamp"}, 400, "cannot tell the kind"),
    ]
    for body, status, message in cases:
        response = client.post("/api/sources", json=body, headers=auth)
        assert response.status_code == status, body
        assert message in response.get_json()["error"], response.get_json()
    assert client.post("/api/sources", data="kind=reddit", headers=auth).status_code == 415
    assert client.post("/api/sources", json=SOURCE).status_code == 401
    assert client.get("/api/sources").get_json()["sources"] == []
    missing = client.get("/api/sources/99")
    assert missing.status_code == 404 and missing.get_json()["error"] == "no source 99"
    assert client.post("/api/sources/99/run", headers=auth).status_code == 404
    assert client.get("/api/runs/5").status_code == 404
    assert client.get("/api/runs?limit=lots").status_code == 400
    assert client.patch("/api/sources/99", json={"enabled": True}, headers=auth).status_code == 404


def test_health_reports_no_scheduler_in_a_plain_app(client):
    assert client.get("/api/health").get_json()["scheduler"] == {"here": "off", "heartbeat": None}


def test_a_sources_kind_is_recognised_from_its_address(client, auth):
    from server.collect.crawls import recognise

    cases = {
        "https://old.reddit.com/r/lamps/comments/abc/x/": "reddit",
        "https://news.ycombinator.com/item?id=1": "hackernews",
        "https://apps.apple.com/us/app/lumio/id123": "appstore",
        "https://uk.trustpilot.com/review/acme.com": "schemaorg",
        "https://www.capterra.com/p/1/Acme/reviews/": "schemaorg",
        "https://superuser.com/questions/1": "stackexchange",
        "https://blog.example.com/feed/": "feed",
        "https://forum.example.com/t/lamps/12": None,
    }
    assert {url: recognise(url) for url in cases} == cases
    for kind in (None, "auto"):
        body = {k: v for k, v in SOURCE.items() if k != "kind"} | ({"kind": kind} if kind else {})
        body["url"] = "https://news.ycombinator.com/item?id=42"
        created = client.post("/api/sources", json=body, headers=auth)
        assert created.status_code == 201 and created.get_json()["kind"] == "hackernews"
    # a feed address may also be read by a kind that reads any page
    made = client.post("/api/sources", json={**SOURCE, "kind": "schemaorg", "url": "https://x.example/feed/"},
                       headers=auth)  # fmt: skip
    assert made.status_code == 201


def test_site_choices_take_only_their_own_sites(client, auth):
    """ "Trustpilot page" and "G2 / Capterra reviews" are read as pages with review markup, take
    only their own sites' addresses, and a source made from one is called by its site."""
    from server.collect.crawls import recognise_choice

    def add(kind: str, url: str, **more):
        return client.post("/api/sources", json={**SOURCE, "kind": kind, "url": url, **more}, headers=auth)

    assert recognise_choice("https://uk.trustpilot.com/review/acme.com") == "trustpilot"
    assert recognise_choice("https://www.g2.com/products/acme/reviews") == "g2"
    made = add("trustpilot", "https://www.trustpilot.com/review/acme.com")
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["kind"] == "schemaorg" and made.get_json()["kind_name"] == "Trustpilot page"
    wrong_site = add("trustpilot", "https://www.g2.com/products/acme/reviews")
    assert wrong_site.status_code == 400 and "choose 'g2'" in wrong_site.get_json()["error"]
    elsewhere = add("g2", "https://shop.example.com/p/1")
    assert elsewhere.status_code == 400 and "'schemaorg'" in elsewhere.get_json()["error"]
    reddit = add("reddit", "https://www.capterra.com/p/1/Acme/reviews/")
    assert reddit.status_code == 400 and "choose 'g2'" in reddit.get_json()["error"]
    # a page kind may still read a known site's page with review markup
    assert add("schemaorg", "https://www.trustpilot.com/review/other.com", name="plain").status_code == 201


def test_a_workers_post_names_a_queued_run_and_a_lost_queue_fails_its_runs(client, auth, db):
    """``POST /api/comments?run=<id>`` stores a worker's find as that run's crawl of its source;
    anything else is refused before a comment is stored. Runs left on a queue that the service
    no longer reads are failed with the reason (server.collect.crawlqueue)."""
    from server.collect.crawlqueue import fail_unqueued
    from server.collect.crawls import get_run, start_run

    source = client.post("/api/sources", json=SOURCE, headers=auth).get_json()
    local = start_run(db, source["id"], "manual")  # a child-process run: not the workers'
    items = [{"text": "Sync has been solid for a year.", "brand": "Acme"}]
    for run, status in (("x1", 400), ("999", 404), (str(local), 404)):
        answer = client.post(f"/api/comments?run={run}", json=items, headers=auth)
        assert answer.status_code == status and "run" in answer.get_json()["error"], run
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == 0
    db.execute("UPDATE crawl_runs SET queue = 'redis://127.0.0.1:6379/0' WHERE id = ?", [local])
    db.conn.commit()
    stored = client.post(f"/api/comments?run={local}", json=items, headers=auth)
    assert stored.status_code == 200 and stored.get_json()["counts"]["new"] == 1
    row = db.execute("SELECT origin, source_id, run_id FROM comments").fetchone()
    assert tuple(row) == ("crawl", source["id"], local)
    assert fail_unqueued(db) == [local]
    run = get_run(db, local)
    assert run["status"] == "failed" and "GAPWATCH_REDIS_URL is not set" in run["errors"][0]
    assert run["new_count"] == 1
