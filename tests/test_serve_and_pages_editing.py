"""The real service, continued on the same demo server (after ``test_serve_and_pages.py``): hostile
text, tokens, sources and their runs, the positioning and taxonomy editors, phones, logging in and
out, and the words of each side."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request

import pytest

from tests.served import (
    ARTIFACTS,
    GAPWATCH,
    PASSWORD,
    USER,
    Pages,
    _api,
    _get,
    _page,
)


@pytest.mark.browser
def test_hostile_comment_text_shows_as_text_and_runs_nothing(server, chromium):
    from playwright.sync_api import expect

    base, env = server
    token = subprocess.run(
        [GAPWATCH, "tokens", "create", "--name", "xss", "--user", USER],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    payloads = [
        "xsscheck one &lt;script&gt;window.__owned = 1&lt;/script&gt;",
        "xsscheck two &lt;img src=x onerror=&quot;window.__owned = 2&quot;&gt;",
    ]
    for text in payloads:
        request = urllib.request.Request(
            base + "/api/clips",
            data=json.dumps({"text": text, "url": "https://a.example.com/x", "brand": "Lumio"}).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        urllib.request.urlopen(request).close()
    with Pages(chromium) as browser:
        page = _page(browser, base)
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(base + "/comments?q=xsscheck")
        quotes = page.locator("li.comment blockquote")
        expect(quotes).to_have_count(2)
        shown = sorted(quotes.all_inner_texts())
        assert "<script>window.__owned = 1</script>" in shown[0]
        assert '<img src=x onerror="window.__owned = 2">' in shown[1]
        assert page.evaluate("() => window.__owned") is None
        assert page.locator("li.comment img").count() == 0 and dialogs == []
        browser.close()


@pytest.mark.browser
def test_reloading_the_page_that_shows_a_new_token_makes_no_second_token(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 900})
        page.goto(base + "/users")
        page.get_by_label("Token name").fill("Reload laptop")
        page.get_by_role("button", name="Create token").click()
        token = page.get_by_test_id("new-token").inner_text()
        assert token.startswith("gw_")
        expect(page.get_by_test_id("pairing-steps")).to_contain_text("Test connection")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "token-shown-once.png"), full_page=True)
        page.reload()  # the browser sends the form again
        expect(page.locator("body")).to_contain_text("No second token made")
        assert token not in page.content()  # and it is not shown a second time
        rows = page.get_by_test_id("tokens").locator("tr", has_text="Reload laptop")
        expect(rows).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / "token-reload.png"), full_page=True)
        browser.close()


@pytest.mark.browser
def test_a_runs_state_changes_on_the_sources_pages_without_a_reload(server, chromium):
    from playwright.sync_api import expect

    from server.collect.crawls import add_source, finish_run, start_run
    from server.store.db import open_db

    base, env = server
    db = open_db(env["GAPWATCH_DB"])
    source = add_source(db, {"kind": "feed", "url": "https://example.com/live.xml", "brand": "Lumio",
                             "name": "Live status feed"})  # fmt: skip
    run = start_run(db, source["id"], "manual")
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 900})
        for path in ("/sources", f"/sources/{source['id']}"):
            page.goto(base + path)
            health = page.get_by_test_id("health")
            if path == "/sources":
                health = page.locator("tr", has_text="Live status feed").get_by_test_id("health")
            expect(health).to_contain_text("running")
            page.evaluate("() => { window.__sameDocument = true; }")
            if path == "/sources":
                finish_run(
                    db, run, {"status": "failed", "errors": ["https://example.com/live.xml: HTTP 503"]}
                )
                expect(health).to_contain_text("the site had an error of its own", timeout=15000)
                run = start_run(db, source["id"], "manual")  # running again, for the source's own page
            else:
                finish_run(db, run, {"status": "ok", "pages": 2, "new": 5})
                expect(health).to_contain_text("last run ok, 5 new comments", timeout=15000)
                expect(page.locator("table.runs")).to_contain_text("the site had an error of its own")
            assert page.evaluate("() => window.__sameDocument") is True  # no reload happened
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "source-live-status.png"), full_page=True)
        browser.close()
    db.close()


@pytest.mark.browser
def test_sources_page_adds_a_source_and_queues_a_run(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 900})
        page.goto(base + "/sources")
        expect(page.get_by_test_id("scheduler")).to_contain_text("Scheduler: off")
        page.locator("select[name=kind]").select_option("feed")
        page.get_by_label("Address").fill("https://example.com/feed.xml")
        page.locator("select[name=brand]").select_option("Lumio")
        page.get_by_label("Name").fill("Lumio blog comments")
        page.get_by_label("Schedule").fill("every someday")
        page.get_by_role("button", name="Add source").click()
        expect(page.get_by_role("alert")).to_contain_text("is not understood")
        # an address that does not fit the kind is refused, naming the kind that fits
        page.locator("select[name=kind]").select_option("reddit")
        page.get_by_label("Address").fill("https://www.g2.com/products/lumio/reviews")
        page.get_by_label("Schedule").fill("daily")
        page.get_by_role("button", name="Add source").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "read as 'g2' (G2 / Capterra reviews), not as 'reddit'"
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "sources-mismatch.png"), full_page=True)
        page.locator("select[name=kind]").select_option("feed")
        page.get_by_label("Address").fill("https://example.com/feed.xml")
        page.get_by_label("Schedule").fill("every 12h")
        page.get_by_role("button", name="Add source").click()
        row = page.locator("tr", has_text="Lumio blog comments")
        expect(row.get_by_test_id("health")).to_contain_text("never crawled yet")
        expect(row).to_contain_text("every 12h")
        row.get_by_role("button", name="Run now").click()
        expect(page.locator("p.flash")).to_contain_text("is queued")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "sources.png"), full_page=True)
        browser.close()
    sources = _api(base, "/api/sources")["sources"]
    added = next(s for s in sources if s["name"] == "Lumio blog comments")
    assert added["schedule"] == "every 12h" and added["run_requested_at"] is not None


@pytest.mark.browser
def test_positioning_and_taxonomy_editors(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    before = _api(base, "/api/brands/Lumio/positioning")
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 1000})
        page.goto(base + "/positioning")
        expect(page.get_by_test_id("weight-total")).to_have_text("100 % ✓")
        page.get_by_label("Innovation").fill("30")
        expect(page.get_by_test_id("weight-total")).to_have_text("85 % (must be 100 %)")
        page.get_by_role("button", name="Save as a new version").click()
        expect(page.get_by_role("alert")).to_contain_text("must sum to 100 %, not 85 %")
        page.get_by_label("Innovation").fill("30")
        page.get_by_label("Reliability").fill("25")
        page.get_by_label("Note for the history").fill("after the gap review")
        page.get_by_role("button", name="Save as a new version").click()
        expect(page.locator("p.flash")).to_contain_text("saved as version")
        history = page.get_by_test_id("positioning-history")
        expect(history.locator("tbody tr").first).to_contain_text("after the gap review")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "positioning.png"), full_page=True)
        gap = _api(base, "/api/brands/Lumio/gap")
        assert {a["attribute"]: a["declared"] for a in gap["attributes"]}["innovation"] == 0.3
        page.goto(base + "/taxonomy")
        expect(page.locator("fieldset.attribute")).to_have_count(
            len(_api(base, "/api/taxonomy")["attributes"]) + 2
        )
        expect(page.get_by_test_id("taxonomy-history")).to_contain_text("default taxonomy")
        page.screenshot(path=str(ARTIFACTS / "taxonomy.png"), full_page=True)
        browser.close()
    # put the demo's positioning back for the other pages' tests
    from server.classify.taxonomy import set_positioning
    from server.store.db import open_db

    db = open_db(_env["GAPWATCH_DB"])
    set_positioning(db, "Lumio", before["weights"], before["statement"], note="restored by the test")
    db.close()


@pytest.mark.browser
def test_pages_fit_a_phone(server, chromium):
    base, _env = server
    with Pages(chromium) as browser:
        phone = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
        page = _page(browser, base, **phone)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pages = {"overview": "/overview", "evidence": "/comments?brand=Lumio", "competitors": "/competitors",
                 "sources": "/sources", "trends": "/trends", "language": "/language",
                 "themes": "/themes", "problems": "/problems", "cases": "/cases"}  # fmt: skip
        for name, path in pages.items():
            page.goto(base + path)
            # nothing sticks out of the screen, except inside a container that scrolls sideways
            sticking_out = page.evaluate(
                """() => Array.from(document.querySelectorAll('main *'))
                    .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > 391)
                    .map(e => e.tagName + '.' + e.className)"""
            )
            assert sticking_out == [], f"{path}: {sticking_out[:5]}"
            page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=False)
        assert page.get_by_role("link", name="Overview").is_visible()
        browser.close()


@pytest.mark.browser
def test_a_person_must_log_in_and_can_log_out(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    with Pages(chromium) as browser:
        page = browser.new_page()
        page.goto(base + "/competitors")
        expect(page).to_have_url(base + "/login?next=/competitors")
        assert page.locator("nav").count() == 0  # nothing of the workspace shows before login
        page.get_by_label("User name").fill(USER)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_have_text("wrong user name or password")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(base + "/competitors")  # back where they were going
        expect(page.get_by_test_id("who")).to_have_text(f"{USER} (admin)")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.get_by_role("button", name="Log out").click()
        expect(page.locator("p.flash")).to_have_text("You are logged out.")
        page.screenshot(path=str(ARTIFACTS / "login.png"))
        page.goto(base + "/overview")
        expect(page).to_have_url(base + "/login?next=/overview")
        browser.close()


@pytest.mark.browser
def test_their_words_and_your_words(server, chromium):
    base, _env = server
    with _get(base + "/api/brands/Lumio/language?attribute=reliability") as response:
        api = json.load(response)
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 1000})
        page.get_by_role("link", name="Words").click()
        page.get_by_label("Customers speaking of").select_option("reliability")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**attribute=reliability**")  # the form's answer, not the page before it
        theirs = (
            page.get_by_test_id("theirs").locator("li").evaluate_all("els => els.map(e => e.dataset.phrase)")
        )
        yours = (
            page.get_by_test_id("yours").locator("li").evaluate_all("els => els.map(e => e.dataset.phrase)")
        )
        assert theirs == [x["phrase"] for x in api["customers"]]
        assert yours == [x["phrase"] for x in api["brand_words"]]
        # the demo's story in words: customers speak of files never lost, the brand of AI
        assert {"lost", "failed"} <= set(theirs) and "ai" in yours[:5]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "language.png"), full_page=True)
        page.get_by_test_id("theirs").get_by_role("link", name="lost", exact=True).click()
        page.wait_for_url("**/comments?**")
        assert page.get_by_label("Search").input_value() == "lost"
        quotes = page.locator("li.comment blockquote").all_inner_texts()
        assert quotes and all("lost" in q.lower() for q in quotes)
        browser.close()
