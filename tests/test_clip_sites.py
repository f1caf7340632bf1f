"""Clipping from the sites marketers read: the real extension in Chromium against a real
`gapwatch serve`, on the saved real pages in ../shared/fixtures. A person selects a review's text;
what is stored (text, author, permalink, published date, language) is checked against the page.

Every capture there that shows reviews or answers on the page is used, two reviews each where it
holds two (the Capterra and legacy Trustpilot captures are single cards). The allrecipes capture
is not: its reviews exist only in the page's JSON-LD, not as text a person can select.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from server.store.db import open_db
from tests.fixture_site import SHARED_FIXTURES, Answer, Site, file_answer
from tests.served import GAPWATCH
from tests.test_extension import Browser, Server, prepared_extension, wait_until

needs_fixtures = pytest.mark.skipif(
    not (SHARED_FIXTURES / "PROVENANCE.md").is_file(),
    reason=f"the captured pages live in {SHARED_FIXTURES} (the shared folder CI has), absent here",
)


@dataclass(frozen=True)
class Clip:
    capture: str
    selector: str  # the element whose text the person selects
    index: int
    starts: str  # the stored text starts with this …
    ends: str  # … and ends with this
    author: str
    published: str  # the stored published_at starts with this
    language: str
    permalink: str | None  # the path of the review's own address; None: the page shows none


AMAZON = "amazon/amazon_co_uk_product_reviews_inflatable_pool_2024-05.html"
TRUSTPILOT = "trustpilot/trustpilot_bt.com_2023-05.html"
SO = "stackexchange/so_q3702675_print_full_traceback.html"
RACHL = "schemaorg_reviews/rachlmansfield_wprm_jsonld_78_reviews.html"
SPICE = "schemaorg_reviews/littlespicejar_microdata_reviews.html"
BODY = "[data-hook=review-body]"
REVIEW_TEXT = "[data-service-review-text-typography]"
WP_COMMENT = "article.comment .comcontent > p:not(.tasty-recipes-ratings)"
MICRODATA = "[itemtype*='schema.org/Review'] [itemprop=description]"

CLIPS = [
    # A German review on amazon.co.uk: German, whatever the page's en-gb says.
    Clip(AMAZON, BODY, 6, "Das wichtigste Argument für dieses Becken",
         "Das ist wirklich nicht in Ordnung.", "Tanabor", "2021-06-20", "de", None),
    Clip(AMAZON, BODY, 7, "Both the original pool and the replacement had the same issue.",
         "find a box to pack up another pool to return.", "Tracy Anderson", "2022-08-17", "en", None),
    Clip(TRUSTPILOT, REVIEW_TEXT, 0, "Oh my god, you almost have to laugh at how a communications business",
         "", "jason", "2023-05-06T13:18:34", "en", "/reviews/6456378afe4e676d706281c4"),
    Clip(TRUSTPILOT, REVIEW_TEXT, 1, "I have hired BT Internet in December 2022", "", "Benjamin Martinez",
         "2023-05-06T18:44:42", "en", "/reviews/645683fa8dc7d0f8f1a85a58"),
    Clip("trustpilot/trustpilot_legacy_review_fragment_2016.html", ".review-body", 0,
         "We've been using HubSpot as our CRM for the past year and a half.", "", "Colin Bovet",
         "2016-04-11T18:57:49", "en", "/reviews/570bf3ad0000ff00094f4ac6"),
    # Capterra's legacy card: the "Comments:" label is the site's, not the reviewer's.
    Clip("g2_capterra/capterra_review_fragment_2017.html", ".review-comments p", 0,
         "I was at a bit of a loss when it came to online engagement",
         "It is easy to navigate and implement as well.", "Donna L", "2017-02-22", "en", None),
    Clip(SO, "#answer-3702847 .s-prose", 0, "traceback.format_exc() or sys.exc_info() will yield more info",
         "", "volting", "2010-09-13T17:27:26", "en", "/a/3702847"),
    Clip(SO, "#answer-16946886 .s-prose", 0,
         "Some other answer have already pointed out the traceback module.",
         "", "Sylvain Leroux", "2013-06-05T18:05:51", "en", "/a/16946886"),
    Clip(RACHL, WP_COMMENT, 0, "I knew these brownies were going to be delicious",
         "I will absolutely be making these more often!!", "Kellie", "2020-02-13", "en", "#comment-70823"),
    Clip(RACHL, WP_COMMENT, 1, "just made a second batch!", "they are fudgy, rich, and delicious!!", "Jenna",
         "2020-02-24", "en", "#comment-71136"),
    Clip(SPICE, MICRODATA, 0, "I made it and everyone loved it.", "", "Angela", "2021-10-29", "en", None),
    Clip(SPICE, MICRODATA, 1, "Easy Recipe! I used Remoulade sauce asa drizzle.", "", "Nathalie",
         "2021-12-16", "en", None),
]  # fmt: skip


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """One workspace and `gapwatch serve` for the module: each clip is checked by its own row."""
    import os
    import subprocess

    db_path = tmp_path_factory.mktemp("clips") / "clips.db"
    env = {**os.environ, "GAPWATCH_DB": str(db_path)}
    run = lambda *args, **kw: subprocess.run([GAPWATCH, *args], env=env, check=True,  # noqa: E731
                                             capture_output=True, text=True, **kw)  # fmt: skip
    run("brands", "add", "Lumio")
    run("users", "add", "maria", "--role", "editor", "--password-stdin", input="maria's long password\n")
    token = run("tokens", "create", "--name", "Maria's browser", "--user", "maria", "--scope", "clip").stdout
    server = Server(db_path)
    server.start()
    yield db_path, server, token.strip()
    server.stop()


@pytest.fixture
def extension_dir(tmp_path):
    return prepared_extension(tmp_path)


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def select_and_clip(browser: Browser, page, selector: str, index: int) -> dict:
    """Select the text of the index-th element as a person would, then clip as the menu does."""
    page.bring_to_front()
    page.evaluate(
        """([selector, index]) => {
            const node = document.querySelectorAll(selector)[index];
            const range = document.createRange();
            range.selectNodeContents(node);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }""",
        [selector, index],
    )
    return browser.worker.evaluate("self.gapwatch.activeTab().then(tab => self.gapwatch.clipTab(tab))")


def stored(db_path, comment_id: int) -> dict:
    db = open_db(db_path)
    try:
        cursor = db.execute("SELECT * FROM comments WHERE id = ?", [comment_id])
        row = cursor.fetchone()
        return dict(zip([c[0] for c in cursor.description], row, strict=True)) if row else {}
    finally:
        db.close()


def newest(db_path) -> dict:
    db = open_db(db_path)
    try:
        (last,) = db.execute("SELECT max(id) FROM comments").fetchone()
    finally:
        db.close()
    return stored(db_path, last)


@needs_fixtures
def test_reviews_clipped_from_real_pages_keep_author_date_link_and_language(
    service, extension_dir, playwright, tmp_path
):
    db_path, server, token = service
    browser = Browser(playwright, extension_dir, tmp_path / "profile")
    browser.context.route(
        "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort()
    )
    checked = []
    try:
        browser.storage({"settings": {"server": server.url, "token": token}})
        with Site() as site:
            for number, clip in enumerate(CLIPS):
                path = f"/capture{number}"
                site.paths[path] = file_answer(SHARED_FIXTURES / clip.capture)
                page = browser.context.new_page()
                page.goto(site.url(path), wait_until="domcontentloaded")
                result = select_and_clip(browser, page, clip.selector, clip.index)
                page.close()
                assert result["state"] == "saved", (clip, result)
                row = newest(db_path)
                what = f"{clip.capture} #{clip.index}"
                text = row["text"]
                assert text.startswith(clip.starts) and text.endswith(clip.ends), (what, text)
                assert not row["text"].lower().startswith(("comments:", "review collected")), what
                assert row["author"] == clip.author, (what, row["author"])
                assert (row["published_at"] or "").startswith(clip.published), (what, row["published_at"])
                assert row["language"] == clip.language, (what, row["language"])
                if clip.permalink is None:
                    assert row["url"] == site.url(path), (what, row["url"])
                else:
                    own = clip.permalink if clip.permalink[0] == "/" else path + clip.permalink
                    assert row["url"] == site.base + own, (what, row["url"])
                assert row["external_id"].startswith("clip:"), what
                checked.append(what)
    finally:
        browser.close()
    assert len(checked) == len(CLIPS)


@needs_fixtures
def test_line_breaks_of_an_answer_survive_the_clip(service, extension_dir, playwright, tmp_path):
    db_path, server, token = service
    browser = Browser(playwright, extension_dir, tmp_path / "profile")
    browser.context.route(
        "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort()
    )
    try:
        browser.storage({"settings": {"server": server.url, "token": token}})
        with Site() as site:
            site.paths["/so"] = file_answer(SHARED_FIXTURES / SO)
            page = browser.context.new_page()
            page.goto(site.url("/so"), wait_until="domcontentloaded")
            result = select_and_clip(browser, page, "#answer-3702847 .s-prose", 0)
    finally:
        browser.close()
    assert result["state"] in ("saved", "duplicate"), result  # the test above may have clipped it
    db = open_db(db_path)
    try:
        sql = "SELECT text FROM comments WHERE external_id LIKE 'clip:%/a/3702847%'"
        (text,) = db.execute(sql).fetchone()
    finally:
        db.close()
    # the paragraph, then the code block line by line, as on the page
    assert "if that's what you want.\n\nimport traceback\nimport sys\n" in text, text
    assert "  " not in text  # runs of spaces collapsed


def test_a_reclip_is_a_duplicate_not_another_sighting_and_the_popup_shows_one_entry(
    service, extension_dir, playwright, tmp_path
):
    """Re-clipping the same review (the permalink is its identity) does not count a sighting; a
    clip queued while the server was down appears once in the popup, in its final state."""
    db_path, server, token = service
    page_html = (
        b'<!doctype html><html lang="en"><head><title>Forum</title></head><body>'
        b'<article id="comment-9" class="comment"><span class="author">Ines</span>'
        b'<time datetime="2026-03-01T10:00:00Z">1 March</time><p id="body">Lumio never lost a file in '
        b"two years.</p><p>We renewed for three more.</p></article>"
        b'<article id="comment-10" class="comment"><span class="author">Jon</span>'
        b'<time datetime="2026-03-02T10:00:00Z">2 March</time><p>Sync is slow.</p></article></body></html>'
    )
    browser = Browser(playwright, extension_dir, tmp_path / "profile")
    try:
        browser.storage({"settings": {"server": server.url, "token": token}})
        with Site() as site:
            site.paths["/thread"] = Answer(page_html)
            page = browser.context.new_page()
            page.goto(site.url("/thread"))
            first = select_and_clip(browser, page, "#comment-9 p", 0)
            assert first["state"] == "saved", first
            row = newest(db_path)
            assert (row["author"], row["url"]) == ("Ines", site.url("/thread") + "#comment-9")
            assert row["published_at"].startswith("2026-03-01T10:00:00")
            again = select_and_clip(browser, page, "#comment-9 p", 0)
            assert again["state"] == "duplicate", again
            assert stored(db_path, row["id"])["duplicates"] == 0  # the same post, not a second sighting

            server.stop()
            try:
                queued = select_and_clip(browser, page, "#comment-10 p", 0)
                assert queued["state"] == "queued", queued
            finally:
                server.start()
            assert browser.worker.evaluate("self.gapwatch.flush(true)") == 0
            recent = browser.stored("recent")
            keys = [entry["key"] for entry in recent]
            assert len(keys) == len(set(keys)) == 3, recent  # one entry per clip
            assert recent[0]["key"] == queued["key"] and recent[0]["state"] == "saved", recent
            popup = browser.context.new_page()
            popup.goto(f"chrome-extension://{browser.id}/popup.html")
            wait_until(popup, "() => document.querySelectorAll('li.clip').length === 3")
            states = popup.eval_on_selector_all("li.clip .state", "nodes => nodes.map(n => n.textContent)")
            assert states == ["saved", "duplicate — already stored", "saved"], states
            assert "queued" not in popup.inner_text("#recent")
    finally:
        browser.close()


def test_crawled_and_imported_text_keeps_its_paragraph_breaks():
    """The same normalisation as clips: paragraphs and lines kept, runs of spaces collapsed."""
    from server.store.normalise import normalise_text

    html = "<p>One  two.</p><p>Three<br>four</p><pre><code>a = 1\nb = 2</code></pre>"
    assert normalise_text(html) == "One two.\n\nThree\nfour\n\na = 1\nb = 2"
    assert normalise_text("One   two.\r\n\r\n\r\nThree") == "One two.\n\nThree"
