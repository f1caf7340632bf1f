"""A marketing team's first day, in Chromium only: from an empty workspace served by `gapwatch
serve` to the first tagged figures on the overview, with no command line and no setting changed
by hand (the server below is started as an admin would, plus a loopback receiver that stands in
for Slack, which the crawl guard lets through because the test's sites are on 127.0.0.1)."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.fixture_site import Answer, Site
from tests.served import ARTIFACTS, _browser, serve
from tests.test_spiders import review_page

ADMIN, SECRET = "maria", "a long first-run password"
STEPS = ARTIFACTS / "first-run"

REVIEWS = [  # what the team already has in a spreadsheet
    "Sync has never failed us in two years.",
    "Support answered within minutes and fixed our permissions.",
    "Far too expensive for a team of five.",
    "The desktop app is slow to start every morning.",
    "Setup took ten minutes and everyone understood it.",
    "The new AI search finds files by what is in them, clever.",
    "Files went missing after the last update.",
    "Nobody from support ever replied to my ticket.",
]


@pytest.fixture
def empty_server(tmp_path):
    env = {
        **os.environ,
        "GAPWATCH_DB": str(tmp_path / "new.db"),
        "GAPWATCH_SCHEDULER": "1",
        "GAPWATCH_CLASSIFY_EVERY": "2",
        "GAPWATCH_CRAWL_ALLOW_PRIVATE_NETWORKS": "1",
    }
    proc, base = serve(env)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.browser
def test_an_empty_workspace_is_set_up_in_the_browser_to_its_first_figures(empty_server, webhook, tmp_path):
    from playwright.sync_api import sync_playwright

    base = empty_server
    hook_url, hook = webhook
    STEPS.mkdir(parents=True, exist_ok=True)
    shots = iter(range(1, 100))

    def shot(page, name: str) -> None:
        page.screenshot(path=str(STEPS / f"{next(shots):02d}-{name}.png"), full_page=True)

    lines = ["Review,Stars,Reviewer,Date"]
    today = datetime.now(UTC).date()
    for i in range(48):
        text = REVIEWS[i % len(REVIEWS)]
        when = (today - timedelta(days=1 + i)).isoformat()  # the last seven weeks
        lines.append(f'"{text} (note {i})",{5 if i % 2 == 0 else 2},Customer {i},{when}')
    lines.insert(20, ",4,Nobody,2026-03-03")  # one bad line: no text
    spreadsheet = tmp_path / "reviews.csv"
    spreadsheet.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with Site() as site, sync_playwright() as p:
        found = [("a1", "Lumio never lost a single file for us."), ("a2", "Support took a week to answer.")]
        site.paths["/lumio/reviews"] = Answer(review_page(found))
        browser = _browser(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _first_admin_and_brands(page, base, shot)
        _vocabulary_and_positioning(page, base, shot)
        _a_source_tried_and_added(page, base, site, shot)
        _a_spreadsheet_imported(page, spreadsheet, shot)
        _slack_tested(page, hook_url, hook, shot)
        _the_first_figures(page, base, shot)
        browser.close()
    assert sorted(Path(STEPS).glob("*.png"))


def _first_admin_and_brands(page, base: str, shot) -> None:
    """The first page: nobody can log in yet, so the first admin is made here; then the brand and its
    competitor."""
    from playwright.sync_api import expect

    page.goto(base + "/")
    expect(page.get_by_test_id("no-users")).to_contain_text("create the first admin below")
    shot(page, "first-admin")
    page.get_by_label("User name").fill(ADMIN)
    page.get_by_label("Password").fill(SECRET)
    page.get_by_role("button", name="Create the first admin and log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up Gapwatch")
    shot(page, "setup")
    # 2. brand and competitor
    page.get_by_label("Your brand").fill("Lumio")
    page.get_by_label("Competitors, one a line").fill("Driftbox")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("step-brands")).to_contain_text("Lumio, with 1 competitor(s)")
    expect(page.locator('li[data-step="taxonomy"]')).to_have_class("done")
    shot(page, "brands")


def _vocabulary_and_positioning(page, base: str, shot) -> None:
    """The taxonomy: start from the default, looked at."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="Review or edit the attributes").click()
    expect(page.locator("body")).to_contain_text("Reliability")
    shot(page, "taxonomy")
    # 4. the declared positioning
    page.goto(base + "/setup")
    page.get_by_role("link", name="Declare the positioning").click()
    weights = {"reliability": 20, "innovation": 50, "support": 10, "price": 10, "ease_of_use": 10}
    for key in ("reliability", "innovation", "support", "price", "ease_of_use", "performance", "security",
                "integrations"):  # fmt: skip
        page.locator(f"#weight-{key}").fill(str(weights.get(key, 0)))
    page.get_by_label("Positioning statement").fill("Lumio is the most innovative way to keep files.")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.locator("p.flash")).to_contain_text("saved as version 1")
    shot(page, "positioning")


def _a_source_tried_and_added(page, base: str, site, shot) -> None:
    """A page with review markup (as Trustpilot pages have), its kind left to Gapwatch:."""
    from playwright.sync_api import expect

    # recognised from the page, tried, then scheduled daily
    page.goto(base + "/sources")
    expect(page.locator("select[name=kind]")).to_have_value("auto")
    page.get_by_label("Address").fill(site.url("/lumio/reviews"))
    page.get_by_label("Name").fill("Lumio reviews")
    page.get_by_label("Schedule").fill("daily")
    page.get_by_role("button", name="Try one page").click()
    expect(page.get_by_test_id("trial")).to_contain_text("2 comments found")
    expect(page.get_by_test_id("trial")).to_contain_text(
        "Any page with review markup, recognised from the page"
    )
    expect(page.locator("select[name=kind]")).to_have_value("schemaorg")
    expect(page.get_by_test_id("trial")).to_contain_text("Lumio never lost a single file for us.")
    shot(page, "source-tried")
    page.get_by_role("button", name="Add source").click()
    row = page.locator("tr", has_text="Lumio reviews")
    expect(row).to_contain_text("daily")
    shot(page, "source-added")


def _a_spreadsheet_imported(page, spreadsheet: Path, shot) -> None:
    """A spreadsheet of reviews, one bad line reported."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="Import").click()
    page.get_by_label("File", exact=True).set_input_files(str(spreadsheet))
    page.get_by_role("button", name="Upload and match columns").click()
    expect(page.get_by_test_id("preview")).to_contain_text("Sync has never failed us")
    expect(page.locator("select[name=brand]")).to_have_value("Lumio")  # lines naming none are ours
    shot(page, "import-matched")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_test_id("import-counts")).to_contain_text("48 new")
    expect(page.get_by_test_id("import-counts")).to_contain_text("1 rejected")
    expect(page.get_by_test_id("rejected-lines")).to_contain_text("text is empty")
    shot(page, "import-report")


def _slack_tested(page, hook_url: str, hook, shot) -> None:
    """Alerts to a Slack channel, tested against the receiver."""
    from playwright.sync_api import expect

    page.get_by_role("link", name="Notifications").click()
    page.locator("select[name=kind]").select_option("slack")
    page.get_by_label("Name").fill("#marketing")
    page.get_by_label("Webhook URL or email addresses").fill(hook_url + "/services/T0/B0/secret")
    page.get_by_role("button", name="Add channel").click()
    page.get_by_role("button", name="Send a test").click()
    expect(page.locator("p.flash")).to_contain_text("Test message to '#marketing': sent.")
    assert hook.received and "blocks" in hook.received[-1] and "Gapwatch test" in hook.received[-1]["text"]
    shot(page, "slack-tested")


def _the_first_figures(page, base: str, shot) -> None:
    """The first tagged figures on the overview (the server's classifier job tags them)."""
    from playwright.sync_api import expect

    page.goto(base + "/setup")
    expect(page.locator("li.todo")).to_have_count(0)
    shot(page, "setup-done")
    deadline = time.monotonic() + 180
    while True:
        page.goto(base + "/overview")
        counted = re.search(r"(\d+) customer comments", page.locator("body").inner_text())
        if counted and int(counted.group(1)) >= 40:  # the spreadsheet's comments, tagged
            break
        if time.monotonic() > deadline:
            shot(page, "overview-not-yet")
            pytest.fail("the overview showed no tagged figures within three minutes")
        time.sleep(3)
    shot(page, "overview")
    expect(page.locator("table.gap")).to_contain_text("reliability")
    said = page.locator("body").inner_text()
    assert re.search(r"Perception gap of Lumio: \d+ % \[\d+–\d+\]", said), said[:600]  # a figure
