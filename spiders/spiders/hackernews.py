from urllib.parse import urlsplit

from ..base import SourceSpider
from ..parsers import hackernews

FIREBASE = "https://hacker-news.firebaseio.com"


class HackerNewsSpider(SourceSpider):
    """A story's (or comment's) whole reply tree from the Firebase API, or an Algolia search."""

    name = "hackernews"
    sites_also = ("ycombinator.com", "firebaseio.com", "algolia.com")

    def first_requests(self):
        parts = urlsplit(self.url)
        if "algolia" in (parts.hostname or "") or parts.path.startswith("/api/v1/search"):
            yield self.fetch(self.url, "parse_page", page=True)
            return
        item = hackernews.start_id(self.url)
        if item is None:
            raise ValueError(f"no Hacker News item id in {self.url!r} (…/item?id=123 or …/v0/item/123.json)")
        base = FIREBASE if parts.hostname == "news.ycombinator.com" else self.url
        yield self.fetch(hackernews.item_url(base, item), "parse_item")

    def parse_page(self, response):  # Algolia search pages
        yield from self.emit(hackernews.parse_search(response.body, response.url))

    def parse_item(self, response, context=None):
        page = hackernews.parse_item(response.body, response.url, context)
        yield from self.emit(page, paginate=False)
        for url in page.follow:
            yield self.fetch(url, "parse_item", context=page.title or context)
