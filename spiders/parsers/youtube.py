"""YouTube video comments through the Data API v3 ``commentThreads`` (needs an API key).

Pages follow ``nextPageToken``. A thread's replies that the API includes are kept too.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .common import Page, ParseError, comment, dig, load_json

API = "https://www.googleapis.com/youtube/v3/commentThreads"


def api_url(url: str, api_key: str | None) -> str:
    """The commentThreads request for a watch URL (or the request URL itself, key added)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if "youtube.com" in (parts.hostname or "") or parts.hostname == "youtu.be":
        video = query.get("v") or parts.path.strip("/")
        base, query = API, {"part": "snippet,replies", "videoId": video, "maxResults": "100"}
    else:
        base = urlunsplit(parts._replace(query=""))
    if api_key:
        query["key"] = api_key
    return f"{base}?{urlencode(query)}"


def parse(body: str | bytes, url: str) -> Page:
    data = load_json(body, "the YouTube commentThreads answer")
    if isinstance(data, dict) and "error" in data:
        raise ParseError(f"YouTube answered: {dig(data, 'error', 'message') or data['error']}")
    items = dig(data, "items")
    if not isinstance(items, list):
        raise ParseError("the YouTube answer has no items")
    page = Page()
    for thread in items:
        for node in [dig(thread, "snippet", "topLevelComment")] + (dig(thread, "replies", "comments") or []):
            snippet = dig(node, "snippet") or {}
            item = comment(
                snippet.get("textOriginal") or snippet.get("textDisplay"),
                author=snippet.get("authorDisplayName"),
                published_at=snippet.get("publishedAt"),
                external_id=f"youtube_{dig(node, 'id')}",
                url=f"https://www.youtube.com/watch?v={snippet.get('videoId')}&lc={dig(node, 'id')}",
                channel="youtube",
            )
            if item:
                page.comments.append(item)
    token = data.get("nextPageToken")
    if token:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query["pageToken"] = token
        page.next_page = urlunsplit(parts._replace(query=urlencode(query)))
    return page
