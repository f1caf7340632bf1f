"""The browser extension in a real Firefox (Debian's firefox-esr, WebDriver BiDi: see
``tests/firefox.py``), installed from the built ``gapwatch-firefox.zip`` as a temporary add-on,
against a real `gapwatch serve`: the same journeys as in Chromium (clip a comment with its page
and brand, lose nothing while the server is down, say clearly when the token is wrong), with
screenshots in tests/artifacts/extension-firefox/. Skipped, with the reason, where no Firefox
could be installed (``scripts/ensure-firefox.sh``)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.firefox import Firefox, firefox_path
from tests.fixture_site import Answer, Site
from tests.test_extension import PAGE, comments, stored_as_clipped, workspace  # noqa: F401 - the same fixture

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "extension-firefox"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        firefox_path() is None,
        reason="no Firefox: scripts/ensure-firefox.sh could not install "
        "firefox-esr here (install it, or set GAPWATCH_FIREFOX)",
    ),  # fmt: skip
]


@pytest.fixture(scope="module")
def addon(tmp_path_factory) -> Path:
    """The Firefox package exactly as `make extension` builds it."""
    from scripts.build_extension import build

    out = tmp_path_factory.mktemp("dist")
    (firefox,) = [p for p in build(out) if p.name == "gapwatch-firefox.zip"]
    return firefox


def clip_selection(firefox: Firefox, page: str, site_url: str, text: str) -> dict:
    """Select the comment that holds ``text`` on the page, then clip it as the menu does."""
    firefox.evaluate(page, f"""(() => {{
        const node = [...document.querySelectorAll('.commtext')]
            .find(n => n.textContent.includes({json.dumps(text)}));
        const range = document.createRange();
        range.selectNodeContents(node);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
        return true;
    }})()""")  # fmt: skip
    tab = f"tabs.find(t => (t.url || '').startsWith({json.dumps(site_url)}))"
    return firefox.background(f"browser.tabs.query({{}}).then(tabs => bg.gapwatch.clipTab({tab}))")


def test_firefox_clips_a_selected_comment_with_its_page_and_brand(workspace, addon, tmp_path):  # noqa: F811
    db_path, server, token = workspace
    firefox = Firefox(tmp_path / "profile", addon)
    try:
        firefox.storage({"settings": {"server": server.url, "token": token},
                         "prefs": {"brand": "Driftbox", "note": "churn reason"}})  # fmt: skip
        with Site() as site:
            site.paths["/item"] = Answer(PAGE.encode())
            page = firefox.open(site.url("/item?id=100"))
            result = clip_selection(firefox, page, site.base, "Lumio lost my files")
            assert result["state"] == "saved", result
            stored_as_clipped(db_path, site.base)
            assert firefox.stored("prefs")["note"] == ""  # a note goes with one clip
            again = clip_selection(firefox, page, site.base, "Lumio lost my files")
            assert again["state"] == "duplicate" and len(comments(db_path)) == 1
        popup = firefox.addon_page("popup.html")
        firefox.wait(popup, "document.querySelector('li.clip.saved')")
        firefox.wait(popup, "document.querySelector('#brand').options.length > 1")
        firefox.screenshot(popup, ARTIFACTS / "popup.png", (380, 480))
        options = firefox.addon_page("options.html")
        firefox.wait(options, "document.querySelector('#server').value")  # the stored settings shown
        firefox.evaluate(options, "(document.querySelector('#test').click(), true)")
        firefox.wait(options, "document.querySelector('#status.ok')")
        firefox.screenshot(options, ARTIFACTS / "options.png")
    finally:
        firefox.close()


def test_firefox_keeps_a_clip_made_while_the_server_is_down_and_lands_it_once(workspace, addon, tmp_path):  # noqa: F811
    db_path, server, token = workspace
    profile = tmp_path / "profile"
    with Site() as site:
        site.paths["/item"] = Answer(PAGE.encode())
        firefox = Firefox(profile, addon)
        try:
            firefox.storage({"settings": {"server": server.url, "token": token}})
            server.stop()
            page = firefox.open(site.url("/item?id=100"))
            result = clip_selection(firefox, page, site.base, "Support answered")
            assert result["state"] == "queued" and "unreachable" in result["reason"]
            assert len(firefox.stored("queue")) == 1
            time.sleep(3.5)  # past the outcome's flash: the badge counts what waits
            assert firefox.evaluate(firefox.extension, "browser.action.getBadgeText({})") == "1"
            popup = firefox.addon_page("popup.html")
            firefox.wait(popup, "document.querySelector('li.clip')")
            firefox.screenshot(popup, ARTIFACTS / "popup-queued.png", (380, 480))
        finally:
            firefox.close()
        assert comments(db_path) == []
        server.start()
        firefox = Firefox(profile, addon)  # Firefox starts again, the add-on with it
        try:
            deadline = time.monotonic() + 30
            while firefox.stored("queue") and time.monotonic() < deadline:
                time.sleep(0.2)
            assert firefox.stored("queue") == []
            assert firefox.background("bg.gapwatch.flush(true)") == 0  # nothing left to send twice
            assert [r[0] for r in comments(db_path)] == ["Support answered in ten minutes, impressive."]
            assert firefox.stored("recent")[0]["state"] == "saved"
        finally:
            firefox.close()


def test_firefox_explains_a_bad_token(workspace, addon, tmp_path):  # noqa: F811
    db_path, server, _token = workspace
    firefox = Firefox(tmp_path / "profile", addon)
    try:
        firefox.storage({"settings": {"server": server.url, "token": "gw_not-a-real-token"}})
        with Site() as site:
            site.paths["/item"] = Answer(PAGE.encode())
            page = firefox.open(site.url("/item?id=100"))
            result = clip_selection(firefox, page, site.base, "Support answered")
        assert result["state"] == "failed"
        assert (
            result["reason"]
            == "The server did not accept the API token: unknown API token. Check the options."
        )
        assert not firefox.stored("queue")  # a 4xx is not retried
        options = firefox.addon_page("options.html")
        firefox.wait(options, "document.querySelector('#server').value")  # the stored settings shown
        firefox.evaluate(options, "(document.querySelector('#test').click(), true)")
        firefox.wait(options, "document.querySelector('#status.error')")
        said = firefox.evaluate(options, "document.querySelector('#status').textContent")
        assert said == "The token is not accepted: unknown API token."
        firefox.screenshot(options, ARTIFACTS / "options-bad-token.png")
        firefox.evaluate(
            options,
            """(() => { const s = document.querySelector('#server');
            s.value = 'http://127.0.0.1:9'; s.dispatchEvent(new Event('input')); return true; })()""",
        )
        firefox.evaluate(options, "(document.querySelector('#test').click(), true)")
        firefox.wait(options, "document.querySelector('#status').textContent.startsWith('Cannot reach')")
        assert comments(db_path) == []
    finally:
        firefox.close()
