"""GitHub issue and pull-request conversations: ``/repos/<owner>/<repo>/issues/<n>/comments``.

Pages follow the ``Link: <…>; rel="next"`` header of the REST API.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .common import Page, ParseError, comment, load_json

_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_ISSUE = re.compile(r"^/([^/]+)/([^/]+)/(?:issues|pull)/(\d+)")


def api_url(url: str) -> str:
    """The comments endpoint for a github.com issue or pull-request page (or the endpoint itself)."""
    parts = urlsplit(url)
    found = _ISSUE.match(parts.path)
    if parts.hostname == "github.com" and found:
        owner, repo, number = found.groups()
        return f"https://api.github.com/repos/{owner}/{repo}/issues/{number}/comments?per_page=100"
    return url


def parse(body: str | bytes, url: str, link_header: str | None = None) -> Page:
    data = load_json(body, "the GitHub comments answer")
    if isinstance(data, dict) and "message" in data:
        raise ParseError(f"GitHub answered: {data['message']}")
    if not isinstance(data, list):
        raise ParseError("the GitHub comments answer is not a list")
    page = Page()
    for entry in data:
        item = comment(
            entry.get("body"),
            author=(entry.get("user") or {}).get("login"),
            published_at=entry.get("created_at"),
            external_id=f"github_{entry.get('id')}",
            url=entry.get("html_url"),
            channel="github",
        )
        if item:
            page.comments.append(item)
        else:
            page.skipped += 1
    found = _NEXT.search(link_header or "")
    page.next_page = found.group(1) if found else None
    return page
