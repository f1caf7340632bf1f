from ..base import SourceSpider
from ..parsers import appstore


class AppStoreSpider(SourceSpider):
    """An app's customer reviews, page by page until Apple's page-depth limit."""

    name = "appstore"
    sites_also = ("apple.com",)

    def first_requests(self):
        yield self.fetch(appstore.feed_url(self.url), "parse_page", page=True)

    def parse_page(self, response):
        yield from self.emit(appstore.parse(response.body, response.url))
