"""The extension's page reader (extension/lib/extract.js) in Chromium on saved real pages from
../shared/fixtures, and the extension's JavaScript unit tests (`node --test`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fixture_site import SHARED_FIXTURES, Answer, Site, file_answer
from tests.served import chromium_path

EXTENSION = Path(__file__).resolve().parents[1] / "extension"
EXTRACT = (
    (EXTENSION / "lib" / "extract.js").read_text(encoding="utf-8").replace("export function", "function")
)

needs_fixtures = pytest.mark.skipif(
    not (SHARED_FIXTURES / "PROVENANCE.md").is_file(),
    reason=f"the captured pages live in {SHARED_FIXTURES} (the shared folder CI has), absent here",
)


def test_the_extension_javascript_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the extension's unit tests (extension/test/) need Node.js 18+")
    result = subprocess.run(
        [node, "--test", "test/"], cwd=EXTENSION, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout and "# pass 13" in result.stdout


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium_path(), headless=True)
        yield instance
        instance.close()


def extract(browser, fixture: str, selector: str) -> dict:
    with Site() as site:
        site.paths["/page"] = file_answer(SHARED_FIXTURES / fixture)
        page = browser.new_page(java_script_enabled=True)
        try:
            page.route(
                "**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url else route.abort()
            )
            page.goto(site.url("/page"), wait_until="domcontentloaded")
            page.add_script_tag(content=EXTRACT)
            result = page.evaluate("selector => extractSelection(selector)", selector)
        finally:
            page.close()
    result["url"] = result["url"].split("/", 3)[-1]
    result["permalink"] = result["permalink"].split("/", 3)[-1] if result["permalink"] else ""
    return result


@needs_fixtures
def test_trustpilot_review_card(browser):
    got = extract(
        browser, "trustpilot/trustpilot_bt.com_2023-05.html", "[data-service-review-text-typography]"
    )
    assert got["text"].startswith("Oh my god, you almost have to laugh at how a communications business")
    assert got["author"] == "jason"
    assert got["permalink"] == "reviews/6456378afe4e676d706281c4"
    assert got["publishedAt"].startswith("2023-05-06")
    assert (got["language"], got["pageLanguage"]) == ("", "en-US") and "BT" in got["title"]


@needs_fixtures
def test_trustpilot_legacy_review_card(browser):
    got = extract(browser, "trustpilot/trustpilot_legacy_review_fragment_2016.html", ".review-body")
    assert got["author"] == "Colin Bovet"
    assert got["publishedAt"] == "2016-04-11T18:57:49.000+00:00"
    assert got["permalink"] == "reviews/570bf3ad0000ff00094f4ac6"
    assert "Still needs a lot of development" in got["context"]  # the whole card, title included


@needs_fixtures
def test_schema_org_microdata_review(browser):
    got = extract(
        browser, "schemaorg_reviews/littlespicejar_microdata_reviews.html", "[itemprop=description]"
    )
    assert got["text"].strip() == "I made it and everyone loved it. ❤"
    assert (got["author"], got["publishedAt"]) == ("Angela", "2021-10-29")


@needs_fixtures
def test_stack_overflow_comment_and_answer(browser):
    comment = extract(
        browser, "stackexchange/so_q3702675_print_full_traceback.html", "li.comment .comment-copy"
    )
    assert comment["author"] and comment["permalink"].startswith("page#comment")
    assert comment["publishedAt"].endswith("Z") and comment["publishedAt"][:2] == "20"
    answer = extract(
        browser, "stackexchange/so_q3702675_print_full_traceback.html", "#answer-16946886 .s-prose"
    )
    assert answer["author"] == "Sylvain Leroux"


def test_a_page_without_known_markup_still_gives_the_paragraph_as_context(browser):
    with Site() as site:
        site.paths["/blog"] = Answer(
            b'<html lang="de"><head><title>Blog</title></head><body><p id="p">Erster Satz. '
            b'<b id="b">Zweiter Satz.</b> Dritter Satz.</p></body></html>'
        )
        page = browser.new_page()
        page.goto(site.url("/blog"))
        page.add_script_tag(content=EXTRACT)
        got = page.evaluate("() => extractSelection('#b')")
        page.close()
    assert got["text"] == "Zweiter Satz."
    assert got["context"] == "Erster Satz. Zweiter Satz. Dritter Satz."
    assert (got["pageLanguage"], got["title"], got["author"], got["permalink"]) == ("de", "Blog", "", "")
    assert got["language"] == ""  # the page's locale is a hint; the review has no lang of its own


def test_a_g2_shaped_card_links_the_review_and_drops_headings_and_boilerplate(browser):
    """No G2 capture is in ../shared/fixtures: this card has the shape the clipping issue saw there
    (the reviewer's <meta itemprop=url> first, question headings, the "hosted on G2" line twice)."""
    card = b"""<html lang="en"><body><div class="paper" id="survey-response-8812345" itemscope
      itemtype="http://schema.org/Review"><div itemprop="author" itemscope itemtype="http://schema.org/Person">
      <meta itemprop="url" content="https://www.g2.com/users/abc"><meta itemprop="name" content="Priya S.">
      </div><meta itemprop="datePublished" content="2024-02-03">
      <a href="/products/lumio/reviews/lumio-review-8812345">"Never lost a file"</a>
      <div id="body" itemprop="reviewBody"><div><h5>What do you like best about Lumio?</h5>
      <p>It has never lost a file.</p><p>Review collected by and hosted on G2.com.</p></div>
      <div><h5>What do you dislike about Lumio?</h5><p>The price went up.</p>
      <p>Review collected by and hosted on G2.com.</p></div></div></div></body></html>"""
    with Site() as site:
        site.paths["/g2"] = Answer(card)
        page = browser.new_page()
        page.goto(site.url("/g2"))
        page.add_script_tag(content=EXTRACT)
        got = page.evaluate("() => extractSelection('#body')")
        page.close()
    assert got["text"] == "It has never lost a file.\n\nThe price went up.", got["text"]
    assert got["author"] == "Priya S." and got["publishedAt"] == "2024-02-03"
    assert got["permalink"].endswith("/products/lumio/reviews/lumio-review-8812345")
    assert got["postId"] == "8812345"
