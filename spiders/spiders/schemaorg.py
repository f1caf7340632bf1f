from ..base import SourceSpider
from ..parsers import schemaorg


class SchemaOrgSpider(SourceSpider):
    """Any page with schema.org Review markup; follows its next-page links up to ``max_pages``."""

    name = "schemaorg"

    def first_requests(self):
        yield self.fetch(self.url, "parse_page", page=True)

    def parse_page(self, response):
        page = schemaorg.parse(response.text, response.url)
        if not page.comments and self.report.pages == 0:
            self.report.error(f"{response.url}: no schema.org Review markup or review cards found")
        yield from self.emit(page)
