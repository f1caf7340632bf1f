"""Apple's public customer-reviews feed (JSON), page by page up to Apple's depth limit.

``https://itunes.apple.com/<country>/rss/customerreviews/page=<n>/id=<app>/sortby=mostrecent/json``.
Past page 10 Apple answers a plain-text error ("page depth is limited to 10"): the end of the
crawl, not a failure.
"""

from __future__ import annotations

import re

from .common import Page, ParseError, comment, dig, load_json, number

MAX_PAGE = 10
_PAGE = re.compile(r"/page=(\d+)/")
_APP = re.compile(r"(?:/id=?|[?&]id=)(\d+)")
_COUNTRY = re.compile(r"apple\.com/([a-z]{2})/")


def feed_url(url: str, page: int = 1) -> str:
    """The feed address for an App Store URL (an app page or a feed URL) at ``page``."""
    if _PAGE.search(url) and "/rss/customerreviews/" in url:
        return _PAGE.sub(f"/page={page}/", url)
    app = _APP.search(url)
    if not app:
        raise ValueError(f"no app id in {url!r}: give an App Store app URL (…/id123456789)")
    country = _COUNTRY.search(url)
    host = (
        url.split("/")[0] + "//" + url.split("/")[2] if "apple.com" not in url else "https://itunes.apple.com"
    )
    return (
        f"{host}/{country.group(1) if country else 'us'}/rss/customerreviews/"
        f"page={page}/id={app.group(1)}/sortby=mostrecent/json"
    )


def page_number(url: str) -> int:
    found = _PAGE.search(url)
    return int(found.group(1)) if found else 1


def parse(body: str | bytes, url: str) -> Page:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if "page depth is limited" in text[:200]:
        return Page(end=True)
    data = load_json(body, "the App Store reviews feed")
    feed = dig(data, "feed")
    if not isinstance(feed, dict):
        raise ParseError("the App Store answer has no feed")
    entries = feed.get("entry") or []
    if isinstance(entries, dict):  # a feed with a single entry is not a list
        entries = [entries]
    page = Page(end=not entries)
    for entry in entries:
        if "content" not in entry:  # the first entry of older feeds describes the app
            continue
        item = comment(
            dig(entry, "content", "label"),
            title=dig(entry, "title", "label"),
            author=dig(entry, "author", "name", "label"),
            rating=number(dig(entry, "im:rating", "label")),
            published_at=dig(entry, "updated", "label"),
            external_id=f"appstore_{dig(entry, 'id', 'label')}",
            url=dig(entry, "author", "uri", "label"),
            channel="appstore",
        )
        if item:
            page.comments.append(item)
    current = page_number(url)
    if entries and current < MAX_PAGE:
        page.next_page = feed_url(url, current + 1)
    return page
