"""Spiders on pages written for the tests (no shared captures needed): parsers as pure
functions, and whole crawls that meet bad input — each ends recorded, never as a crash."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.collect.crawls import get_run, list_runs
from spiders.parsers import (
    ParseError,
    appstore,
    discourse,
    feed,
    hackernews,
    reddit,
    schemaorg,
    stackexchange,
)
from tests.conftest import count
from tests.crawling import crawl, crawl_source, fast_crawls  # noqa: F401
from tests.fixture_site import Answer, Site


def review_page(reviews: list[tuple[str, str]], next_href: str | None = None) -> bytes:
    graph = [
        {
            "@type": "Review",
            "@id": f"https://shop.example/r/{rid}",
            "reviewBody": text,
            "author": {"@type": "Person", "name": f"user {rid}"},
            "datePublished": "2026-01-02",
            "reviewRating": {"ratingValue": "8", "bestRating": "10"},
        }
        for rid, text in reviews
    ]
    link = f'<link rel="next" href="{next_href}">' if next_href else ""
    data = json.dumps({"@context": "https://schema.org", "@type": "Product", "name": "Lamp", "review": graph})
    return (
        f'<html><head>{link}<script type="application/ld+json">{data}</script></head><body>'
        "<h1>Lamp</h1></body></html>"
    ).encode()


# --- parsers ----------------------------------------------------------------------------------


def test_schemaorg_json_ld_reviews_with_rating_on_five_points_and_next_link():
    page = schemaorg.parse(
        review_page([("1", "Bright and sturdy."), ("2", "Flickers.")], "/p?page=2").decode(),
        "https://shop.example/p",
    )
    assert [c["text"] for c in page.comments] == ["Bright and sturdy.", "Flickers."]
    assert page.comments[0]["rating"] == 4.0 and page.comments[0]["author"] == "user 1"
    assert page.comments[0]["external_id"] == "https://shop.example/r/1"
    assert page.next_page == "https://shop.example/p?page=2"


def test_schemaorg_microdata_keeps_nested_properties_apart():
    html = """<div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Lamp</span>
      <div itemprop="review" itemscope itemtype="https://schema.org/Review">
        <span itemprop="author" itemscope itemtype="https://schema.org/Person">
          <span itemprop="name">Ann</span></span>
        <meta itemprop="datePublished" content="2025-03-01">
        <div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">
          <meta itemprop="ratingValue" content="2"></div>
        <p itemprop="reviewBody">Stopped working after a week.</p></div></div>"""
    [item] = schemaorg.parse(html, "https://shop.example/lamp").comments
    assert item == {
        "text": "Stopped working after a week.",
        "author": "Ann",
        "published_at": "2025-03-01",
        "rating": 2.0,
        "url": "https://shop.example/lamp",
    }


def test_schemaorg_page_without_reviews_is_empty_not_an_error():
    page = schemaorg.parse("<html><body><p>Hello</p></body></html>", "https://x.example/")
    assert page.comments == [] and page.next_page is None


def test_reddit_thread_walks_replies_and_collects_stubs():
    def t1(cid, body, replies=()):
        listing = {"kind": "Listing", "data": {"children": list(replies)}} if replies else ""
        return {
            "kind": "t1",
            "data": {
                "id": cid,
                "name": f"t1_{cid}",
                "body": body,
                "author": "a",
                "created_utc": 1700000000,
                "replies": listing,
            },
        }

    def more(children, parent):
        return {"kind": "more", "data": {"children": children, "parent_id": parent, "count": len(children)}}

    thread = [
        {
            "kind": "Listing",
            "data": {
                "children": [
                    {
                        "kind": "t3",
                        "data": {
                            "title": "Opinions?",
                            "selftext": "",
                            "permalink": "/r/x/comments/abc/opinions/",
                        },
                    }
                ]
            },
        },
        {
            "kind": "Listing",
            "data": {
                "children": [
                    t1("c1", "Great", [t1("c2", "[deleted]"), more(["c9"], "t1_c1")]),
                    t1("c3", "Meh", [more([], "t1_c3")]),
                ]
            },
        },
    ]
    page = reddit.parse_thread(json.dumps(thread), "https://www.reddit.com/r/x/comments/abc/opinions.json")
    assert [c["text"] for c in page.comments] == ["Great", "Meh"]
    assert page.skipped == 1 and page.more_ids == ["c9"] and page.continue_from == ["c3"]
    assert page.comments[0]["url"] == "https://www.reddit.com/r/x/comments/abc/opinions/c1"
    assert reddit.comment_json_url("https://www.reddit.com/r/x/comments/abc/opinions.json", "c3").startswith(
        "https://www.reddit.com/r/x/comments/abc/_/c3.json?"
    )


def test_hackernews_deleted_items_are_skipped_and_stories_give_context():
    story = hackernews.parse_item(
        json.dumps({"id": 1, "type": "story", "title": "Show HN: Lamp", "kids": [2]}),
        "https://hacker-news.firebaseio.com/v0/item/1.json",
    )
    assert story.comments == [] and story.title == "Show HN: Lamp"
    assert story.follow == ["https://hacker-news.firebaseio.com/v0/item/2.json"]
    gone = hackernews.parse_item(
        json.dumps({"id": 2, "type": "comment", "deleted": True}), "https://h/v0/item/2.json"
    )
    assert gone.skipped == 1 and gone.comments == []
    with pytest.raises(ParseError, match="no such item"):
        hackernews.parse_item("null", "https://h/v0/item/3.json")


def test_appstore_depth_limit_text_ends_the_feed():
    page = appstore.parse(b"CustomerReviews RSS page depth is limited to 10", "https://itunes.apple.com/x")
    assert page.end and page.comments == []
    assert appstore.feed_url("https://apps.apple.com/fr/app/xcode/id497799835").endswith(
        "/fr/rss/customerreviews/page=1/id=497799835/sortby=mostrecent/json"
    )


def test_feed_reads_atom_and_refuses_what_is_not_a_feed():
    atom = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>
      <entry><id>tag:1</id><title>New lamp</title><link href="https://b.example/1"/>
      <author><name>Team</name></author><updated>2026-01-01T00:00:00Z</updated>
      <content type="html">&lt;p&gt;Our brightest lamp yet.&lt;/p&gt;</content></entry></feed>"""
    [item] = feed.parse(atom, "https://b.example/feed").comments
    assert item["url"] == "https://b.example/1" and item["author"] == "Team" and "brightest" in item["text"]
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        feed.parse("<html><body>hi</body></html>", "https://b.example/")


def test_discourse_topic_asks_for_the_posts_it_does_not_hold():
    topic = {
        "id": 7,
        "title": "Help",
        "post_stream": {
            "posts": [
                {
                    "id": 70,
                    "cooked": "<p>It broke</p>",
                    "username": "u",
                    "topic_id": 7,
                    "topic_slug": "help",
                    "post_number": 1,
                    "created_at": "2026-01-01T00:00:00Z",
                }
            ],
            "stream": [70, 71, 72],
        },
    }
    page = discourse.parse_topic(json.dumps(topic), "https://forum.example/t/help/7.json")
    assert [c["text"] for c in page.comments] == ["<p>It broke</p>"]
    assert page.comments[0]["url"] == "https://forum.example/t/help/7/1"
    assert page.follow == ["https://forum.example/t/7/posts.json?post_ids%5B%5D=71&post_ids%5B%5D=72"]


@pytest.mark.parametrize(
    "parse",
    [
        reddit.parse_thread,
        reddit.parse_more,
        reddit.parse_listing,
        hackernews.parse_item,
        hackernews.parse_search,
        discourse.parse_topic,
        discourse.parse_latest,
        appstore.parse,
    ],
)
@settings(max_examples=60, deadline=None)
@given(
    body=st.one_of(
        st.text(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
            ),
            max_leaves=20,
        ).map(json.dumps),
    )
)
def test_json_parsers_answer_a_page_or_a_parse_error_for_any_body(parse, body):
    try:
        page = parse(body, "https://example.com/r/x/comments/abc/t.json")
    except ParseError:
        return
    assert all(isinstance(c["text"], str) and c["text"].strip() for c in page.comments)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=500))
def test_html_parsers_never_crash(html):
    assert isinstance(schemaorg.parse(html, "https://example.com/").comments, list)


def test_a_page_that_looks_like_json_is_still_read_as_html():
    assert schemaorg.parse("{}", "https://example.com/").comments == []
    with pytest.raises(ParseError, match="no Stack Exchange question"):
        stackexchange.parse('{"a": 1}', "https://example.com/")


# --- whole crawls that meet bad input -------------------------------------------------------


pytestmark_crawl = pytest.mark.usefixtures("fast_crawls")


@pytestmark_crawl
def test_paginated_reviews_and_an_incremental_recrawl_stops_at_what_is_stored(db):
    with Site() as site:
        for n in range(1, 6):
            reviews = [(f"{n}-{i}", f"Review {i} on page {n}.") for i in range(3)]
            site.paths[f"/p{n}"] = Answer(review_page(reviews, f"/p{n + 1}" if n < 5 else None))
        first = crawl(db, "schemaorg", site.url("/p1"))
        assert first["status"] == "ok" and first["pages"] == 5 and first["new_count"] == 15
        # Two new reviews appear on page 1: the next crawl reads page 1, then page 2 (all known), and stops.
        site.paths["/p1"] = Answer(
            review_page(
                [
                    ("1-new", "Brand new review."),
                    ("1-new2", "Another new one."),
                    ("1-0", "Review 0 on page 1."),
                ],
                "/p2",
            )
        )
        site.hits.clear()
        second = crawl_source(db, first["source_id"])
    assert second["new_count"] == 2 and second["pages"] == 2
    assert [h for h in site.hits if h.startswith("/p")] == ["/p1", "/p2"]
    assert count(db) == 17


@pytestmark_crawl
def test_max_pages_bounds_pagination(db):
    with Site() as site:
        site.routes.append(lambda path, q: Answer(review_page([(path, f"Text of {path}")], f"{path}x")))
        run = crawl(db, "schemaorg", site.url("/a"), max_pages=3)
    assert run["pages"] == 3 and run["new_count"] == 3 and run["status"] == "ok"


@pytestmark_crawl
@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Answer(b"gone", 404, "text/plain"), "HTTP 404"),
        (Answer(b"oops", 500, "text/plain"), "HTTP 500"),
        (Answer(b"{not json", 200, "application/json"), "not valid JSON"),
        (Answer(b"slow", 200, "text/plain", delay=6), "took longer than"),
    ],
    ids=["404", "500", "malformed-json", "timeout"],
)
def test_a_failing_source_ends_as_a_recorded_failure(db, answer, expected):
    with Site() as site:
        site.paths["/v0/item/1.json"] = answer
        run = crawl(db, "hackernews", site.url("/v0/item/1.json"))
    assert run["status"] == "failed" and run["finished_at"]
    assert any(expected in e for e in run["errors"]), run["errors"]
    assert count(db) == 0
    assert list_runs(db)[0]["status"] == "failed"


@pytestmark_crawl
def test_a_page_with_no_reviews_is_an_empty_result_with_a_note(db):
    with Site() as site:
        site.paths["/empty"] = Answer(b"<html><body><p>No reviews yet</p></body></html>")
        run = crawl(db, "schemaorg", site.url("/empty"))
    assert run["new_count"] == 0 and run["pages"] == 1
    assert any("no schema.org Review markup" in e for e in run["errors"])


@pytestmark_crawl
def test_a_redirect_to_another_site_is_not_followed(db):
    with Site() as site:
        elsewhere = site.url("/page").replace("127.0.0.1", "localhost")
        site.paths["/page"] = Answer(review_page([("1", "Should not be stored")]))
        site.paths["/start"] = Answer(b"", 302, headers={"Location": elsewhere})
        run = crawl(db, "schemaorg", site.url("/start"))
    assert run["status"] == "failed"
    assert any("redirected to another site (localhost)" in e for e in run["errors"]), run["errors"]
    assert count(db) == 0


@pytestmark_crawl
def test_a_20_mb_page_is_refused_with_a_clear_error(db):
    big = b"<html><body>" + b"x" * (20 * 1024 * 1024) + b"</body></html>"
    with Site() as site:
        site.paths["/big"] = Answer(big)
        run = crawl(db, "schemaorg", site.url("/big"))
    assert run["status"] == "failed"
    assert any("larger than download max size" in e for e in run["errors"]), run["errors"]
    assert count(db) == 0


@pytestmark_crawl
def test_private_addresses_are_refused_unless_allowed(db):
    with Site() as site:
        site.paths["/r"] = Answer(review_page([("1", "A review")]))
        run = crawl(db, "schemaorg", site.url("/r"), allow_private=False)
    assert run["status"] == "failed" and count(db) == 0
    assert "private or local address" in run["errors"][0] and "--allow-private-networks" in run["errors"][0]


@pytestmark_crawl
def test_rejected_items_are_counted_with_their_reason(db):
    long_text = "word " * 5000  # 25,000 characters: over the ingest limit
    with Site() as site:
        site.paths["/r"] = Answer(review_page([("1", "Fine review."), ("2", long_text)]))
        run = crawl(db, "schemaorg", site.url("/r"))
    assert run["new_count"] == 1 and run["rejected_count"] == 1
    assert run["status"] == "partial" and "longer than 20000 characters" in " ".join(run["errors"])
    assert get_run(db, run["id"])["error_count"] == 1


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("169.254.169.254", True),
        ("::1", True),
        ("93.184.215.14", False),
    ],
)
def test_a_public_name_is_judged_by_the_address_it_resolves_to(monkeypatch, address, refused):
    """DNS can point a harmless-looking name at the server's own network: the guard checks the
    resolved address, not the name."""
    import socket
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest

    from spiders.middlewares import NetworkGuard

    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: [(family, 1, 6, "", (address, 0))])
    settings = SimpleNamespace(getbool=lambda name: False, get=lambda name, default=None: default)
    crawler = SimpleNamespace(settings=settings, spider=None)
    guard = NetworkGuard(crawler)
    request = Request("https://reviews.public-looking.example/product/1")
    if refused:
        with pytest.raises(IgnoreRequest, match=rf"private or local address \({re.escape(address)}\)"):
            guard.process_request(request)
    else:
        assert guard.process_request(request) is None
