"""The pipeline of a trial crawl ("try one page" before a source is saved): it keeps what the
spider found, in memory, and stores nothing; ``spiders.run --try`` prints it."""

from __future__ import annotations

from scrapy.crawler import Crawler

KEEP = 20  # comments a trial keeps to show


class PreviewPipeline:
    found: list[dict] = []  # the items of this process's one trial crawl
    count = 0

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        type(self).found, type(self).count = [], 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PreviewPipeline:
        return cls(crawler)

    def process_item(self, item: dict) -> dict:
        type(self).count += 1
        if len(type(self).found) < KEEP:
            type(self).found.append(dict(item))
        return item
