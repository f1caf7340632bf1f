from urllib.parse import urlsplit

from ..base import SourceSpider
from ..parsers import reddit


class RedditSpider(SourceSpider):
    """A thread with all its comments ("load more" and "continue this thread" included), or a
    subreddit listing (its posts), from Reddit's public JSON. ``params.expand_more: false``
    keeps to the comments the thread page itself holds."""

    name = "reddit"
    sites_also = ("reddit.com", "redd.it")

    def first_requests(self):
        url = reddit.thread_json_url(self.url)
        if "/comments/" in urlsplit(self.url).path:
            yield self.fetch(url, "parse_thread", thread_url=url)
        else:
            yield self.fetch(url, "parse_page", page=True)

    def parse_page(self, response):  # a listing and its next pages
        yield from self.emit(reddit.parse_listing(response.body, response.url))

    def parse_thread(self, response, thread_url, title=None, permalink=None):
        page = reddit.parse_thread(response.body, response.url)
        yield from self._expand(page, thread_url, page.title or title, page.permalink or permalink)

    def parse_more(self, response, thread_url, title=None, permalink=None):
        page = reddit.parse_more(response.body, response.url, title, permalink)
        yield from self._expand(page, thread_url, title, permalink)

    def _expand(self, page, thread_url, title, permalink):
        yield from self.emit(page, paginate=False)
        if not self.params.get("expand_more", True):
            return
        context = {"thread_url": thread_url, "title": title, "permalink": permalink}
        for url in reddit.more_children_urls(thread_url, self._link_id(thread_url), page.more_ids):
            yield self.fetch(url, "parse_more", **context)
        for parent in page.continue_from:
            yield self.fetch(reddit.comment_json_url(thread_url, parent), "parse_thread", **context)

    @staticmethod
    def _link_id(url):
        parts = urlsplit(url).path.split("/")
        return "t3_" + parts[parts.index("comments") + 1] if "comments" in parts else ""
