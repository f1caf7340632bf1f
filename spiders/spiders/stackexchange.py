from ..base import SourceSpider
from ..parsers import stackexchange


class StackExchangeSpider(SourceSpider):
    """A Stack Exchange question page: the question, its answers and their comments."""

    name = "stackexchange"

    def first_requests(self):
        yield self.fetch(self.url, "parse_page", page=True)

    def parse_page(self, response):
        yield from self.emit(stackexchange.parse(response.text, response.url), paginate=False)
