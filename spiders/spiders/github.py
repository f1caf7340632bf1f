from ..base import SourceSpider
from ..parsers import github


class GitHubSpider(SourceSpider):
    """The comments of a GitHub issue or pull request (REST API, ``Link`` pagination)."""

    name = "github"
    sites_also = ("github.com",)

    def first_requests(self):
        yield self.fetch(github.api_url(self.url), "parse_page", page=True)

    def parse_page(self, response):
        link = response.headers.get("Link", b"").decode("latin-1")
        yield from self.emit(github.parse(response.body, response.url, link))
