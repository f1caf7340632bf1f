from ..base import SourceSpider
from ..parsers import youtube


class YouTubeSpider(SourceSpider):
    """A video's comments through the YouTube Data API (``params.api_key``)."""

    name = "youtube"
    sites_also = ("googleapis.com",)

    def first_requests(self):
        key = self.params.get("api_key")
        if not key and "key=" not in self.url:
            raise ValueError('a youtube source needs params {"api_key": "…"} (YouTube Data API v3)')
        yield self.fetch(youtube.api_url(self.url, key), "parse_page", page=True)

    def parse_page(self, response):
        yield from self.emit(youtube.parse(response.body, response.url))
