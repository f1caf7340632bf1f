from ..base import SourceSpider
from ..parsers import discourse


class DiscourseSpider(SourceSpider):
    """A Discourse topic (every post), or a forum's latest topics (each topic's posts)."""

    name = "discourse"

    def first_requests(self):
        url = discourse.json_url(self.url)
        if discourse.is_topic(url):
            yield self.fetch(url, "parse_topic")
        else:
            yield self.fetch(url, "parse_page", page=True)

    def parse_page(self, response):  # /latest.json and its next pages
        page = discourse.parse_latest(response.body, response.url)
        for url in page.follow:
            yield self.fetch(url, "parse_topic")
        yield from self.emit(page)

    def parse_topic(self, response):
        page = discourse.parse_topic(response.body, response.url)
        yield from self.emit(page, paginate=False)
        for url in page.follow:
            yield self.fetch(url, "parse_posts", title=page.title)

    def parse_posts(self, response, title=None):
        yield from self.emit(discourse.parse_posts(response.body, response.url, title), paginate=False)
