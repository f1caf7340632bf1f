"""Reddit's public JSON: a thread (``/comments/<id>.json``), ``morechildren`` replies, listings.

A thread's tree holds two kinds of stubs: "load more comments" (``more`` with children ids,
fetched through ``/api/morechildren``) and "continue this thread" (``more`` without children:
the parent comment's own page). ``[deleted]`` and ``[removed]`` comments count as skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from .common import Page, ParseError, comment, dig, load_json, unix_time

_GONE = {"[deleted]", "[removed]"}
MORE_BATCH = 100  # ids per /api/morechildren request


@dataclass
class Thread(Page):
    permalink: str | None = None  # the thread's path, for comments that lack their own
    more_ids: list[str] = field(default_factory=list)
    continue_from: list[str] = field(default_factory=list)  # parent comment ids (no prefix)


def thread_json_url(url: str) -> str:
    """The JSON address of a thread or listing URL, as Reddit serves it."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if not path.endswith(".json"):
        path += ".json"
    query = parts.query + ("&" if parts.query else "") + "raw_json=1&limit=500"
    return f"{parts.scheme}://{parts.netloc}{path}?{query}"


def comment_json_url(thread_url: str, comment_id: str) -> str:
    """The JSON address of one comment's own page ("continue this thread") in a thread."""
    parts = urlsplit(thread_url)
    path = parts.path.split("/")
    if "comments" not in path:
        raise ParseError(f"not a Reddit thread address: {thread_url}")
    thread = "/".join(path[: path.index("comments") + 2])
    return thread_json_url(f"{parts.scheme}://{parts.netloc}{thread}/_/{comment_id}")


def parse_thread(body: str | bytes, url: str) -> Thread:
    data = load_json(body, "the Reddit thread")
    if not (isinstance(data, list) and len(data) == 2 and dig(data, 1, "data", "children") is not None):
        raise ParseError("the Reddit thread JSON does not hold [post, comments] listings")
    post = dig(data, 0, "data", "children", 0, "data") or {}
    page = Thread()
    title = post.get("title")
    page.title = title
    if post.get("selftext") and post["selftext"] not in _GONE:
        page.comments.append(_item(post, "t3", title, url, text=f"{title}\n\n{post['selftext']}"))
    page.permalink = post.get("permalink")
    _walk(dig(data, 1, "data", "children"), page, title, url, thread=page.permalink)
    return page


def parse_more(body: str | bytes, url: str, title: str | None = None, thread: str | None = None) -> Thread:
    data = load_json(body, "the Reddit morechildren answer")
    things = dig(data, "json", "data", "things")
    if not isinstance(things, list):
        errors = dig(data, "json", "errors")
        raise ParseError(f"the Reddit morechildren answer holds no comments (errors: {errors})")
    page = Thread()
    _walk(things, page, title, url, flat=True, thread=thread)
    return page


def parse_listing(body: str | bytes, url: str) -> Page:
    data = load_json(body, "the Reddit listing")
    children = dig(data, "data", "children")
    if not isinstance(children, list):
        raise ParseError("the Reddit listing JSON has no data.children")
    page = Page()
    for child in children:
        post = child.get("data") or {}
        if child.get("kind") != "t3":
            continue
        text = post.get("title", "")
        if post.get("selftext") and post["selftext"] not in _GONE:
            text = f"{text}\n\n{post['selftext']}"
        item = _item(post, "t3", None, url, text=text)
        if item:
            page.comments.append(item)
    after = dig(data, "data", "after")
    if after:
        parts = urlsplit(url)
        page.next_page = (
            f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode({'after': after, 'raw_json': 1})}"
        )
    return page


def more_children_urls(base: str, link_id: str, ids: list[str]) -> list[str]:
    parts = urlsplit(base)
    return [
        f"{parts.scheme}://{parts.netloc}/api/morechildren.json?"
        + urlencode({"api_type": "json", "link_id": link_id, "children": ",".join(ids[i : i + MORE_BATCH])})
        for i in range(0, len(ids), MORE_BATCH)
    ]


def _walk(
    children: list, page: Thread, title: str | None, url: str, flat: bool = False, thread: str | None = None
) -> None:
    stack = list(reversed(children or []))
    while stack:
        child = stack.pop()
        kind, data = child.get("kind"), child.get("data") or {}
        if kind == "more":
            if data.get("children"):
                page.more_ids.extend(data["children"])
            elif data.get("parent_id", "").startswith("t1_"):
                page.continue_from.append(data["parent_id"][3:])
            continue
        if kind != "t1":
            continue
        if data.get("body") in _GONE or not data.get("body"):
            page.skipped += 1
        else:
            page.comments.append(_item(data, "t1", title, url, text=data["body"], thread=thread))
        replies = dig(data, "replies", "data", "children")
        if replies and not flat:
            stack.extend(reversed(replies))


def _item(
    data: dict, kind: str, title: str | None, url: str, *, text: str, thread: str | None = None
) -> dict | None:
    parts = urlsplit(url)
    permalink = data.get("permalink") or (
        f"{thread.rstrip('/')}/{data['id']}" if thread and data.get("id") else None
    )
    author = data.get("author")
    return comment(
        text,
        author=None if author in _GONE else author,
        published_at=unix_time(data.get("created_utc")),
        external_id=data.get("name") or f"{kind}_{data.get('id')}",
        url=f"https://www.reddit.com{permalink}"
        if permalink
        else f"{parts.scheme}://{parts.netloc}{parts.path}",
        context=title,
        channel="reddit",
    )
