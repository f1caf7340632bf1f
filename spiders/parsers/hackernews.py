"""Hacker News: items of the public Firebase API and Algolia search results.

A story's comment tree is walked item by item (``/v0/item/<id>.json``); deleted comments have
no text and count as skipped. Algolia search answers pages of hits (stories or comments).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .common import Page, ParseError, comment, load_json, unix_time

HN_ITEM = "https://news.ycombinator.com/item?id={}"


def item_url(base: str, item_id: int | str) -> str:
    """The Firebase address of an item, on the API host of ``base``."""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}/v0/item/{item_id}.json"


def start_id(url: str) -> str | None:
    """The item id in a news.ycombinator.com or Firebase item URL."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if "id" in query:
        return query["id"]
    stem = parts.path.rsplit("/", 1)[-1].removesuffix(".json")
    return stem if stem.isascii() and stem.isdigit() else None


def parse_item(body: str | bytes, url: str, context: str | None = None) -> Page:
    """One item. A story, poll or job only gives its title (the replies' context): a thread
    crawl keeps what people answered, not the link that was posted."""
    data = load_json(body, "the Hacker News item")
    if data is None:
        raise ParseError("Hacker News has no such item (the API answered null)")
    if not isinstance(data, dict) or "id" not in data:
        raise ParseError("the Hacker News item JSON has no id")
    page = Page(follow=[item_url(url, kid) for kid in data.get("kids") or []])
    if data.get("deleted") or (data.get("type") == "comment" and not data.get("text")):
        page.skipped = 1
        return page
    if data.get("type") != "comment":
        page.title = data.get("title")
        return page
    item = comment(
        data.get("text"),
        author=data.get("by"),
        published_at=unix_time(data.get("time")),
        external_id=f"hn_{data['id']}",
        url=HN_ITEM.format(data["id"]),
        context=context,
        channel="hackernews",
    )
    if item:
        page.comments.append(item)
    return page


def parse_search(body: str | bytes, url: str) -> Page:
    data = load_json(body, "the Algolia search answer")
    hits = data.get("hits") if isinstance(data, dict) else None
    if not isinstance(hits, list):
        raise ParseError("the Algolia search answer has no hits")
    page = Page()
    for hit in hits:
        if hit.get("comment_text"):
            text, context = hit["comment_text"], hit.get("story_title")
        else:
            text, context = (
                hit.get("title", "") + (f"\n\n{hit['story_text']}" if hit.get("story_text") else ""),
                None,
            )
        item = comment(
            text,
            author=hit.get("author"),
            published_at=hit.get("created_at"),
            external_id=f"hn_{hit.get('objectID')}",
            url=HN_ITEM.format(hit.get("objectID")),
            context=context,
            channel="hackernews",
        )
        if item:
            page.comments.append(item)
    number, pages = data.get("page"), data.get("nbPages")
    if isinstance(number, int) and isinstance(pages, int) and number + 1 < pages and hits:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query["page"] = str(number + 1)
        page.next_page = urlunsplit(parts._replace(query=urlencode(query)))
    return page
