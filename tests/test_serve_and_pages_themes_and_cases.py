"""The real service, continued on the same demo server (after ``test_serve_and_pages.py``): themes,
the review queue and the audit, the evidence pack, the demo's own crawls and alert, cases and the
shared enemy."""

from __future__ import annotations

import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.served import (
    ARTIFACTS,
    GAPWATCH,
    USER,
    Pages,
    _api,
    _page,
    _post,
)


def _theme_with(themes: list[dict], *words: str) -> dict | None:
    """The first theme among whose top terms one holds one of ``words``."""
    return next((t for t in themes if any(w in term for term in t["terms"][:4] for w in words)), None)


def test_the_demo_has_themes_nobody_declared(server):
    base, _env = server
    body = _api(base, "/api/brands/Lumio/themes")
    assert body["runs"]["done"]["status"] == "done" and body["unclaimed"] > 100
    # the demo's blind spots: dark mode, sustainability and accessibility are in no attribute
    for words in (("dark",), ("carbon", "footprint", "renewable"), ("screen", "keyboard", "accessibility")):
        theme = _theme_with(body["themes"], *words)
        assert theme is not None, (words, [t["terms"] for t in body["themes"]])
        assert len(theme["quotes"]) == 3 and any(w in theme["quotes"][0]["text"].lower() for w in words)
    share = body["runs"]["done"]["outlier_share"]
    assert 0 <= share < 0.5


@pytest.mark.browser
def test_themes_page_lists_the_themes_and_opens_their_comments(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    api = _api(base, "/api/brands/Lumio/themes")
    dark = _theme_with(api["themes"], "dark")
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 1000})
        page.get_by_role("link", name="Themes").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "What customers talk about that you don't track"
        )
        shown = page.locator("li.theme").evaluate_all(
            "els => els.map(e => [+e.dataset.themeId, +e.dataset.size])"
        )
        assert shown == [[t["id"], t["size"]] for t in api["themes"]]
        assert "unclaimed customer comments of Lumio" in page.get_by_test_id("themes-summary").inner_text()
        card = page.locator(f"li.theme[data-theme-id='{dark['id']}']")
        assert len(card.locator("ul.quotes blockquote").all_inner_texts()) == 3
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "themes.png"), full_page=True)
        card.get_by_role("link", name=f"All {dark['size']} comments").click()
        page.wait_for_url("**/comments?theme=*")
        expect(page.get_by_test_id("theme-filter")).to_contain_text(f"Theme #{dark['id']}")
        expect(page.get_by_test_id("result-count")).to_have_text(f"{dark['size']} comments")
        quotes = page.locator("li.comment blockquote").all_inner_texts()
        assert quotes and all("dark" in q.lower() for q in quotes)
        # asking for a new run queues it for the scheduler (off in these tests)
        page.go_back()
        page.get_by_role("button", name="Find themes again").click()
        expect(page.get_by_test_id("themes-summary")).to_contain_text("Queued")
        browser.close()


@pytest.mark.browser
def test_a_theme_is_promoted_to_an_attribute_from_its_page(server, chromium):
    """Last in this file: it adds an attribute to the served workspace's taxonomy."""
    from playwright.sync_api import expect

    base, _env = server
    dark = _theme_with(_api(base, "/api/brands/Lumio/themes")["themes"], "dark")
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 1000})
        page.goto(base + "/themes")
        page.locator(f"li.theme[data-theme-id='{dark['id']}']").get_by_role(
            "link", name="Promote to attribute"
        ).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Promote")
        assert page.get_by_label("Name").input_value()  # drafted from the theme's terms
        assert "dark" in page.get_by_label("Examples, one a line").input_value().lower()
        assert page.get_by_label("Definition").input_value().startswith("Customers talk about")
        page.get_by_label("Key").fill("dark_mode")
        page.get_by_label("Name").fill("Dark mode")
        page.get_by_label("Definition").fill("Wishes for a dark colour scheme in the apps.")
        page.screenshot(path=str(ARTIFACTS / "theme-promote.png"), full_page=True)
        page.get_by_role("button", name="Add to the taxonomy").click()
        expect(page.locator(".flash")).to_contain_text("Added the attribute 'dark_mode'")
        expect(page.locator("ul.promoted")).to_contain_text("dark_mode")
        page.get_by_role("link", name="Taxonomy").click()
        assert "Dark mode" in [
            v for v in page.locator("input[name^=name-]").evaluate_all("e => e.map(x => x.value)")
        ]
        browser.close()
    taxonomy = _api(base, "/api/taxonomy")
    assert "dark_mode" in [a["key"] for a in taxonomy["attributes"]]
    assert taxonomy["versions"][0]["note"].startswith("promoted from the theme")  # newest first


@pytest.mark.browser
def test_the_review_queue_by_keyboard_updates_the_audit(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    keys = [a["key"] for a in _api(base, "/api/taxonomy")["attributes"]]
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 1000})
        page.get_by_role("link", name="How sure?").click()
        expect(page.get_by_test_id("audit-note")).to_contain_text("too few labelled comments (0 < 10)")
        page.get_by_role("link", name="the review queue").click()
        page.get_by_role("button", name="Draw a random sample").click()
        expect(page.locator(".flash")).to_contain_text("Drew")
        form = page.locator("form#review")

        def press(key: str) -> None:
            page.wait_for_selector("form#review[data-keys=ready]")  # the page's keys are listened to
            with page.expect_navigation():
                page.keyboard.press(key)

        press("a")  # accept the first
        expect(page.locator(".flash")).to_have_text("Accepted.")
        comment = int(form.get_attribute("data-comment"))
        first_was = form.locator("input[data-key='1']").is_checked()
        page.wait_for_selector("form#review[data-keys=ready]")
        page.keyboard.press("1")  # tick or untick the first attribute
        page.keyboard.press("n")  # negative
        page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)
        press("f")
        expect(page.locator(".flash")).to_have_text("Fixed.")
        correction = _api(base, f"/api/comments/{comment}/correction")
        assert (keys[0] in correction["attributes"]) is (not first_was) and correction[
            "sentiment"
        ] == "negative"
        assert correction["corrected_by"] == USER
        press("s")
        expect(page.locator(".flash")).to_have_text("Skipped.")
        for _ in range(9):
            press("a")
        expect(page.get_by_test_id("queue-progress")).to_contain_text("11 labelled, 1 skipped")
        page.get_by_role("link", name="How sure?").click()
        expect(page.get_by_test_id("audit-summary")).to_contain_text("11 labelled comments")
        rows = page.get_by_test_id("audit-table").locator("tbody tr")
        audit = _api(base, "/api/audit")
        assert audit["labelled"] == 11 and rows.count() == len(audit["attributes"])
        page.screenshot(path=str(ARTIFACTS / "audit.png"), full_page=True)
        browser.close()


@pytest.mark.browser
def test_audited_figures_are_corrected_on_the_trend_page_and_the_overview(server, chromium):
    """After the review test: the rest of the random queue is labelled through the API, and the
    trend page then draws corrected shares, says so, and links to the audit."""
    from playwright.sync_api import expect

    base, _env = server
    while (item := _api(base, "/api/review/next")["item"]) is not None:
        _post(base, f"/api/review/{item['id']}", {"action": "accept"})
    api = _api(base, "/api/brands/Lumio/trends?interval=month")
    assert api["correction"]["available"] and api["correction"]["labelled"] >= 100
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 1100})
        page.goto(base + "/trends?brand=Lumio&interval=month")
        page.wait_for_selector("#trends[data-ready=true]", timeout=20000)
        status = page.get_by_test_id("correction-status")
        expect(status).to_contain_text(f"corrected for the classifier's errors, from the audit of "
                                       f"{api['correction']['labelled']} labelled comments")  # fmt: skip
        drawn = page.evaluate(
            "() => document.getElementById('shares').data.find(t => t.name === 'reliability (corrected)').y"
        )
        assert drawn == [p_["attributes"]["reliability"]["corrected_share"]["value"] for p_ in api["periods"]]
        assert any(v is not None for v in drawn)
        page.screenshot(path=str(ARTIFACTS / "trends-corrected.png"), full_page=True)
        # the figures as tagged, on request
        page.get_by_label("Figures").select_option("tagged")
        page.get_by_role("button", name="Show").click()
        page.wait_for_selector("#trends[data-ready=true]", timeout=20000)
        expect(page.get_by_test_id("correction-status")).to_contain_text("as tagged by the classifier")
        as_tagged = page.evaluate(
            "() => document.getElementById('shares').data.find(t => t.name === 'reliability').y"
        )
        assert as_tagged == [p_["attributes"]["reliability"]["share"]["value"] for p_ in api["periods"]]
        page.get_by_test_id("correction-status").get_by_role("link", name="How sure are we?").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("How sure")
        # the overview: the corrected gap score, and a corrected share per attribute
        overview = _api(base, "/api/brands/Lumio/overview")
        page.goto(base + "/overview")
        expect(page.get_by_test_id("corrected-gap")).to_contain_text(
            f"{overview['corrected_gap_score']['value'] * 100:.0f} %"
        )
        reliability = next(a for a in overview["attributes"] if a["attribute"] == "reliability")
        cell = page.locator("tr[data-attribute=reliability]").get_by_test_id("corrected")
        expect(cell).to_contain_text(f"{reliability['corrected_share']['value'] * 100:.0f} %")
        browser.close()


@pytest.mark.browser
def test_the_demos_evidence_pack_from_the_overview_and_the_cli(server, chromium, tmp_path):
    """Issue 10: the overview's button downloads the PDF; `gapwatch report` writes HTML and PDF
    whose figures are the API's; the HTML opens offline on a phone; the PDF's pages are kept as
    images for review (tests/artifacts/report/)."""
    import pypdfium2 as pdfium

    base, env = server
    done = subprocess.run([GAPWATCH, "report", "--period", "2026-Q3", "--out", str(tmp_path)], env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    html_file, pdf_file = sorted(tmp_path.iterdir(), key=lambda p: p.suffix)  # .html, .pdf
    html = html_file.read_text()
    api = _api(base, "/api/brands/Lumio/overview?from=2026-07-01&to=2026-09-30")
    gap = api["gap_score"]
    assert f'data-testid="gap-score">{gap["value"] * 100:.0f} %</span>' in html
    assert f"[95 % interval {gap['low'] * 100:.0f} %–{gap['high'] * 100:.0f} %]" in html
    for row in api["attributes"]:
        cell = html.split(f'<tr data-attribute="{row["attribute"]}">')[1].split('data-testid="share">')[1]
        assert cell.startswith(f"{row['share']['value'] * 100:.0f} %"), row["attribute"]
    score, sample = _gap_from_the_metrics(env["GAPWATCH_DB"])  # straight from the metrics module
    assert (score.value, score.low, score.high) == (gap["value"], gap["low"], gap["high"])
    assert f"From {sample.n} customer comments" in html
    document = pdfium.PdfDocument(str(pdf_file))
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert f"{gap['value'] * 100:.0f} %" in text and "Lumio: what customers say against what you" in text
    folder = ARTIFACTS.parent / "report"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(len(document)):
        document[i].render(scale=1.5).to_pil().save(folder / f"demo-page-{i + 1}.png")
    with Pages(chromium) as browser:
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        requests = []
        phone.on("request", lambda r: requests.append(r.url))
        phone.goto(html_file.as_uri())
        assert [u for u in requests if not u.startswith("file:")] == []  # nothing fetched: it opens offline
        overflow = phone.evaluate(
            "() => [...document.querySelectorAll('body *')].filter(e => !e.closest('.wide'))"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName)"
        )
        assert overflow == []
        phone.screenshot(path=str(folder / "demo-phone.png"), full_page=True)
        page = _page(browser, base, viewport={"width": 1280, "height": 1000})
        page.goto(base + "/overview")
        page.get_by_test_id("evidence-pack").get_by_label("Evidence pack for the board, period").fill(
            "2026-Q3"
        )
        with page.expect_download() as download:
            page.get_by_role("button", name="Download PDF").click()
        saved = tmp_path / "from-the-page.pdf"
        download.value.save_as(saved)
        assert download.value.suggested_filename == pdf_file.name
        assert saved.read_bytes().startswith(b"%PDF")
        browser.close()


def _gap_from_the_metrics(db_path: str):
    """Lumio's gap score for 2026-Q3 and its sample, from ``server.measure.metrics`` on the served
    workspace."""
    from server.classify.taxonomy import current_attributes, get_positioning
    from server.measure.metrics import Question, gap_figures, load_sample
    from server.measure.perception import Scope
    from server.store.db import open_db

    db = open_db(db_path, migrate=False)
    try:
        brand_id = db.execute("SELECT id FROM brands WHERE name = 'Lumio'").fetchone()[0]
        scope = Scope("2026-07-01", "2026-09-30")
        sample = load_sample(db, brand_id, [a["key"] for a in current_attributes(db)], start=scope.start,
                             end=scope.end)  # fmt: skip
        score, _gaps = gap_figures(sample, get_positioning(db, "Lumio"), Question(scope.key("gap", brand_id)))
    finally:
        db.close()
    return score, sample


def test_the_demo_crawls_its_own_sites_and_raises_its_planted_alert(server):
    """The demo's sources read the fictional pages the demo server serves (offline, and only
    those addresses of the server), one of them fails as a moved forum does, and the first
    alert check raises the planted change."""
    from server.collect.crawls import list_sources, try_source
    from server.store.db import open_db

    base, env = server
    db = open_db(env["GAPWATCH_DB"])
    demo_sources = {s["name"]: s for s in list_sources(db) if "/demo-site/" in s["url"]}
    reviews, forum = "Lumio on ReviewNest (demo site)", "Old Nimbus Vault forum (moved away)"
    assert set(demo_sources) == {reviews, forum, "Driftbox community feed (demo site)"}
    for source in demo_sources.values():
        assert source["url"].startswith(base + "/demo-site/") and source["run_requested_at"]

    def run(name: str) -> subprocess.CompletedProcess:
        command = [GAPWATCH, "sources", "run", str(demo_sources[name]["id"])]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    ran = run(reviews)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    stored = "SELECT count(*) FROM comments WHERE external_id LIKE 'https://reviewnest.example/%'"
    assert db.execute(stored).fetchone()[0] == 8  # both pages of the review site
    moved = run(forum)
    assert "404" in moved.stdout + moved.stderr
    # the server's other addresses stay out of reach of a crawl
    tried = try_source(db, {"kind": "schemaorg", "url": base + "/login", "brand": "Lumio"})
    assert tried["status"] == "failed" and "private" in " ".join(tried["errors"])
    with urllib.request.urlopen(base + "/demo-site/driftbox-community.xml") as answer:  # public, as crawled
        assert b"Driftbox community (demo)" in answer.read()
    checked = subprocess.run(
        [GAPWATCH, "alerts", "check"], env=env, capture_output=True, text=True, timeout=300
    )
    assert "Lumio: A spike in comments on performance" in checked.stdout, checked.stdout
    db.close()


def test_only_the_demo_workspace_serves_the_demo_site(client):
    assert client.get("/demo-site/lumio-reviews.html").status_code == 404


@pytest.mark.browser
def test_open_a_case_from_a_comment_see_it_tested_and_export_its_brief(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 900})
        page.goto(base + "/comments?brand=Lumio&attribute=reliability&q=solid")
        first = page.locator("li.comment").first
        quote = first.locator("blockquote").inner_text()
        first.get_by_test_id("open-case").click()
        expect(page.get_by_test_id("case-origin")).to_contain_text(quote[:40])
        page.get_by_label("Claim", exact=True).fill("Customers choose Lumio because it just works")
        assert page.get_by_label("Attribute").input_value() == "reliability"  # from the comment
        page.get_by_role("button", name="Open and test").click()
        expect(page.get_by_test_id("case-verdict")).to_have_text("supported")
        assert "95 % interval" in page.get_by_test_id("case-effect").inner_text()
        assert page.get_by_test_id("quotes-for").locator("blockquote").count() >= 1
        assert page.get_by_test_id("quotes-against").locator("blockquote").count() >= 1
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "case.png"), full_page=True)
        page.get_by_test_id("case-state").get_by_label("Move to").select_option("acknowledged")
        page.get_by_test_id("case-state").get_by_role("button", name="Move").click()
        expect(page.get_by_test_id("case-history")).to_contain_text("tested → acknowledged")
        page.get_by_test_id("case-brief").click()
        expect(page.locator("p.claim")).to_have_text("“Customers choose Lumio because it just works”")
        page.screenshot(path=str(ARTIFACTS / "case-brief.png"), full_page=True)
        page.go_back()
        with page.expect_download() as download:
            page.get_by_role("link", name="The brief (PDF)").click()
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
        browser.close()


@pytest.mark.browser
def test_promote_a_problem_to_a_shared_enemy_and_see_it_on_the_overview(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 900})
        page.goto(base + "/overview")
        expect(page.get_by_test_id("shared-enemies")).to_contain_text(
            "Slow sync on big folders"
        )  # the demo's
        page.get_by_role("link", name="Problems").click()
        problem = page.locator("li.problem[data-key=reliability]")
        expect(problem.get_by_test_id("rate")).to_contain_text("%")
        page.screenshot(path=str(ARTIFACTS / "problems.png"), full_page=True)
        problem.get_by_test_id("name-enemy").click()
        page.get_by_label("Name").fill("Files that go missing")
        page.get_by_label("Target").fill("3")
        page.get_by_label("Commercial owner").select_option("maria")
        page.get_by_label("Technical owner").select_option("sam")
        page.get_by_role("button", name="Name it").click()
        expect(page.get_by_test_id("enemy-curve")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "shared-enemy.png"), full_page=True)
        page.get_by_role("link", name="Overview").click()
        enemies = page.get_by_test_id("shared-enemies")
        expect(enemies).to_contain_text("Files that go missing")
        expect(enemies).to_contain_text("target of 3.0 %")
        page.screenshot(path=str(ARTIFACTS / "overview-shared-enemies.png"), full_page=False)
        browser.close()
