"""The browser extension in a real Chromium (Playwright, the system Chromium) against a real
`gapwatch serve`: clip a comment from a page, lose nothing while the server is down, say clearly
when the token is wrong. Screenshots of the popup and options page go to tests/artifacts/extension/."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from server.store.db import open_db
from tests.fixture_site import Answer, Site
from tests.served import QUIET, chromium_path
from tests.workers import Served
from tests.workspaces import new_workspace

EXTENSION = Path(__file__).resolve().parents[1] / "extension"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "extension"

PAGE = """<!doctype html><html lang="en"><head><title>Ask HN: Which sync tool do you trust?</title></head>
<body><table><tr class="athing comtr" id="101"><td>
  <span class="comhead"><a class="hnuser" href="user?id=ann">ann</a>
  <span class="age" title="2026-01-05T09:30:00 1767605400"><a href="item?id=101">3 hours ago</a></span></span>
  <div class="comment"><span class="commtext">Lumio lost my files twice during a sync.
    I moved the team to Driftbox.</span></div>
</td></tr>
<tr class="athing comtr" id="102"><td><span class="comhead"><a class="hnuser" href="user?id=bo">bo</a></span>
  <div class="comment"><span class="commtext">Support answered in ten minutes, impressive.</span></div>
</td></tr></table></body></html>"""


class Server(Served):
    """`gapwatch serve` on a fixed port of a workspace, scheduler off; a test can stop and start it."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path, GAPWATCH_SCHEDULER="0")


@pytest.fixture
def workspace(tmp_path):
    db_path = tmp_path / "ext.db"
    token = new_workspace(db_path, ["Lumio"], competitors=("Driftbox",), user="maria", role="editor",
                          password="maria's long password", token_name="Maria's browser",
                          scope="clip")  # fmt: skip
    server = Server(db_path)
    server.start()
    yield db_path, server, token
    server.stop()


@pytest.fixture
def extension_dir(tmp_path):
    return prepared_extension(tmp_path)


def prepared_extension(tmp_path: Path) -> Path:
    """The extension as shipped, plus access to 127.0.0.1 pages: in a person's browser the click on
    the menu grants that (activeTab); a test cannot click the browser's own menu."""
    target = tmp_path / "extension"
    shutil.copytree(EXTENSION, target, ignore=shutil.ignore_patterns("test", "node_modules"))
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["host_permissions"] = ["http://127.0.0.1/*"]
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


class Browser:
    def __init__(self, playwright, extension: Path, profile: Path) -> None:
        self.context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=chromium_path(),
            headless=True,
            args=[f"--disable-extensions-except={extension}", f"--load-extension={extension}", *QUIET],
        )
        workers = self.context.service_workers
        self.worker = workers[0] if workers else self.context.wait_for_event("serviceworker", timeout=20000)
        self.id = self.worker.url.split("/")[2]

    def storage(self, values: dict) -> None:
        self.worker.evaluate("values => chrome.storage.local.set(values)", values)

    def stored(self, key: str):
        return self.worker.evaluate("key => chrome.storage.local.get(key).then(found => found[key])", key)

    def clip_selection(self, page, text: str) -> dict:
        page.bring_to_front()
        page.evaluate(
            """text => {
                const node = [...document.querySelectorAll('.commtext')]
                    .find(n => n.textContent.includes(text));
                const range = document.createRange();
                range.selectNodeContents(node);
                getSelection().removeAllRanges();
                getSelection().addRange(range);
            }""",
            text,
        )
        return self.worker.evaluate("self.gapwatch.activeTab().then(tab => self.gapwatch.clipTab(tab))")

    def badge(self) -> str:
        return self.worker.evaluate("chrome.action.getBadgeText({})")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def comments(db_path: Path) -> list[tuple]:
    db = open_db(db_path)
    try:
        return db.execute(
            "SELECT c.text, c.url, c.context, b.name, c.author, c.collected_by, c.note, c.language "
            "FROM comments c JOIN brands b ON b.id = c.brand_id ORDER BY c.id"
        ).fetchall()
    finally:
        db.close()


def stored_as_clipped(db_path: Path, base: str) -> None:
    """The clip of ann's comment on PAGE, stored with its permalink, context, brand and note."""
    [row] = comments(db_path)
    text, url, context, brand, author, collected_by, note, language = row
    assert text == "Lumio lost my files twice during a sync. I moved the team to Driftbox."
    assert url == f"{base}/item?id=101"  # the comment's permalink, not the page
    assert "3 hours ago" in context and "ann" in context
    assert (brand, author, collected_by, note, language) == (
        "Driftbox",
        "ann",
        "Maria's browser",
        "churn reason",
        "en",
    )


def test_a_selected_comment_is_clipped_with_its_page_and_brand(
    workspace, extension_dir, playwright, tmp_path
):
    db_path, server, token = workspace
    browser = Browser(playwright, extension_dir, tmp_path / "profile")
    try:
        browser.storage(
            {
                "settings": {"server": server.url, "token": token},
                "prefs": {"brand": "Driftbox", "note": "churn reason"},
            }
        )
        with Site() as site:
            site.paths["/item"] = Answer(PAGE.encode())
            page = browser.context.new_page()
            page.goto(site.url("/item?id=100"))
            result = browser.clip_selection(page, "Lumio lost my files")
        assert result["state"] == "saved", result
        stored_as_clipped(db_path, site.base)
        assert browser.stored("prefs")["note"] == ""  # a note goes with one clip
        again = browser.clip_selection(page, "Lumio lost my files")
        assert again["state"] == "duplicate" and len(comments(db_path)) == 1
        screenshots(browser)
    finally:
        browser.close()


def wait_until(page, predicate: str, timeout: float = 15) -> None:
    """Poll ``predicate`` in ``page`` (extension pages forbid the eval that wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {predicate}")
        time.sleep(0.1)


def screenshots(browser: Browser) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    popup = browser.context.new_page()
    popup.set_viewport_size({"width": 380, "height": 480})
    popup.goto(f"chrome-extension://{browser.id}/popup.html")
    popup.wait_for_selector("li.clip.saved")
    wait_until(popup, "() => document.querySelector('#brand').options.length > 1")
    popup.screenshot(path=str(ARTIFACTS / "popup.png"))
    options = browser.context.new_page()
    options.goto(f"chrome-extension://{browser.id}/options.html")
    options.click("#test")
    options.wait_for_selector("#status.ok")
    options.screenshot(path=str(ARTIFACTS / "options.png"))


def test_a_clip_made_while_the_server_is_down_waits_and_lands_once(
    workspace, extension_dir, playwright, tmp_path
):
    db_path, server, token = workspace
    profile = tmp_path / "profile"
    with Site() as site:
        site.paths["/item"] = Answer(PAGE.encode())
        browser = Browser(playwright, extension_dir, profile)
        try:
            browser.storage({"settings": {"server": server.url, "token": token}})
            server.stop()
            page = browser.context.new_page()
            page.goto(site.url("/item?id=100"))
            result = browser.clip_selection(page, "Support answered")
            assert result["state"] == "queued" and "unreachable" in result["reason"]
            assert len(browser.stored("queue")) == 1
            time.sleep(3.5)  # past the outcome's flash: the badge counts what waits
            assert browser.badge() == "1"
        finally:
            browser.close()
        assert comments(db_path) == []
        server.start()
        browser = Browser(playwright, extension_dir, profile)  # the browser starts again
        try:
            deadline = time.monotonic() + 20
            while browser.stored("queue") and time.monotonic() < deadline:
                time.sleep(0.2)
            assert browser.stored("queue") == []
            assert browser.worker.evaluate("self.gapwatch.flush(true)") == 0  # nothing left to send twice
            assert [r[0] for r in comments(db_path)] == ["Support answered in ten minutes, impressive."]
            assert browser.stored("recent")[0]["state"] == "saved"
        finally:
            browser.close()


def test_a_bad_token_is_explained(workspace, extension_dir, playwright, tmp_path):
    db_path, server, _token = workspace
    browser = Browser(playwright, extension_dir, tmp_path / "profile")
    try:
        browser.storage({"settings": {"server": server.url, "token": "gw_not-a-real-token"}})
        with Site() as site:
            site.paths["/item"] = Answer(PAGE.encode())
            page = browser.context.new_page()
            page.goto(site.url("/item?id=100"))
            result = browser.clip_selection(page, "Support answered")
        assert result["state"] == "failed"
        assert (
            result["reason"]
            == "The server did not accept the API token: unknown API token. Check the options."
        )
        assert not browser.stored("queue")  # a 4xx is not retried
        options = browser.context.new_page()
        options.goto(f"chrome-extension://{browser.id}/options.html")
        options.click("#test")
        options.wait_for_selector("#status.error")
        assert options.inner_text("#status") == "The token is not accepted: unknown API token."
        options.fill("#server", "http://127.0.0.1:9")
        options.click("#test")
        wait_until(options, "() => document.querySelector('#status').textContent.startsWith('Cannot reach')")
        assert comments(db_path) == []
    finally:
        browser.close()


def test_open_a_case_from_the_popup(workspace, extension_dir, playwright, tmp_path):
    """A stored clip offers "open a case" in the popup: the case form on the user's Gapwatch, after
    the login, with the clipped comment shown; opened, it is tested at once."""
    db_path, server, token = workspace
    browser = Browser(playwright, extension_dir, tmp_path / "profile")
    try:
        browser.storage({"settings": {"server": server.url, "token": token}, "prefs": {"brand": "Lumio"}})
        with Site() as site:
            site.paths["/item"] = Answer(PAGE.encode())
            page = browser.context.new_page()
            page.goto(site.url("/item?id=100"))
            assert browser.clip_selection(page, "Lumio lost my files")["state"] == "saved"
        [comment_id] = [r[0] for r in open_db(db_path).execute("SELECT id FROM comments").fetchall()]
        popup = browser.context.new_page()
        popup.set_viewport_size({"width": 380, "height": 480})
        popup.goto(f"chrome-extension://{browser.id}/popup.html")
        link = popup.wait_for_selector("li.clip.saved a.case")
        assert link.get_attribute("href") == f"{server.url}/cases/new?from_clip={comment_id}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        popup.screenshot(path=str(ARTIFACTS / "popup-open-case.png"))
        with browser.context.expect_page() as opened:
            link.click()
        form = opened.value
        form.wait_for_load_state()
        assert "/login?next=" in form.url  # the extension's token is not a login
        form.get_by_label("User name").fill("maria")
        form.get_by_label("Password").fill("maria's long password")
        form.get_by_role("button", name="Log in").click()
        form.wait_for_selector("[data-testid=case-origin]")
        assert "Lumio lost my files twice" in form.get_by_test_id("case-origin").inner_text()
        form.get_by_label("Claim", exact=True).fill("Lost files drive customers to Driftbox")
        form.get_by_label("Attribute").select_option("reliability")
        form.get_by_role("button", name="Open and test").click()
        form.wait_for_selector("[data-testid=case-verdict]")
        assert (
            form.get_by_test_id("case-verdict").inner_text() == "not enough data"
        )  # one comment, no positioning
        form.screenshot(path=str(ARTIFACTS / "case-from-popup.png"), full_page=True)
        db = open_db(db_path)
        assert db.execute("SELECT origin, created_by FROM cases").fetchall() == [
            (f'{{"clip": {comment_id}}}', "maria")
        ]
        db.close()
    finally:
        browser.close()
