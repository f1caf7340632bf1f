from ..base import SourceSpider
from ..parsers import feed


class FeedSpider(SourceSpider):
    """An RSS or Atom feed (a forum's, a blog's; a brand's own blog as an emitted source)."""

    name = "feed"

    def first_requests(self):
        yield self.fetch(self.url, "parse_page", page=True)

    def parse_page(self, response):
        page = feed.parse(response.body, response.url)
        for item in page.comments:
            item.setdefault("context", page.title)
        yield from self.emit(page)
