"""Discourse forums' public JSON: a topic (``/t/<id>.json``) or the latest topics (``/latest.json``).

A topic answers its first posts and the ids of all of them (``post_stream.stream``); the rest
are fetched twenty at a time from ``/t/<id>/posts.json``. Deleted or hidden posts are skipped.
"""

from __future__ import annotations

from urllib.parse import urlencode, urljoin, urlsplit

from .common import Page, ParseError, comment, dig, load_json

CHUNK = 20


def json_url(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/latest"
    if not path.endswith(".json"):
        path += ".json"
    return f"{parts.scheme}://{parts.netloc}{path}" + (f"?{parts.query}" if parts.query else "")


def is_topic(url: str) -> bool:
    return "/t/" in urlsplit(url).path


def parse_topic(body: str | bytes, url: str) -> Page:
    data = load_json(body, "the Discourse topic")
    posts = dig(data, "post_stream", "posts")
    if not isinstance(posts, list):
        raise ParseError("the Discourse topic JSON has no post_stream.posts")
    page = _posts(posts, url, data.get("title"))
    loaded = {post.get("id") for post in posts}
    missing = [pid for pid in dig(data, "post_stream", "stream") or [] if pid not in loaded]
    topic_id = data.get("id")
    for start in range(0, len(missing), CHUNK):
        query = urlencode([("post_ids[]", pid) for pid in missing[start : start + CHUNK]])
        page.follow.append(urljoin(url, f"/t/{topic_id}/posts.json?{query}"))
    return page


def parse_posts(body: str | bytes, url: str, title: str | None = None) -> Page:
    data = load_json(body, "the Discourse posts answer")
    posts = dig(data, "post_stream", "posts")
    if not isinstance(posts, list):
        raise ParseError("the Discourse posts answer has no post_stream.posts")
    return _posts(posts, url, title)


def parse_latest(body: str | bytes, url: str) -> Page:
    data = load_json(body, "the Discourse topic list")
    topics = dig(data, "topic_list", "topics")
    if not isinstance(topics, list):
        raise ParseError("the Discourse topic list JSON has no topic_list.topics")
    page = Page(follow=[urljoin(url, f"/t/{t['slug']}/{t['id']}.json") for t in topics if "id" in t])
    more = dig(data, "topic_list", "more_topics_url")
    if more:
        page.next_page = json_url(urljoin(url, more))
    return page


def _posts(posts: list, url: str, title: str | None) -> Page:
    page = Page(title=title)
    for post in posts:
        if post.get("deleted_at") or post.get("hidden") or not post.get("cooked"):
            page.skipped += 1
            continue
        slug, topic, number = post.get("topic_slug"), post.get("topic_id"), post.get("post_number")
        item = comment(
            post["cooked"],
            author=post.get("username"),
            published_at=post.get("created_at"),
            external_id=f"discourse_{post.get('id')}",
            url=urljoin(url, f"/t/{slug}/{topic}/{number}") if topic else url,
            context=title,
            channel=urlsplit(url).hostname,
        )
        if item:
            page.comments.append(item)
        else:
            page.skipped += 1
    return page
