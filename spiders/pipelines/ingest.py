"""The crawl's only pipeline: hand comments to the one ingestion path, in batches."""

from __future__ import annotations

from collections import Counter

from scrapy.crawler import Crawler

from server.collect.ingest import Context, ingest
from server.store.db import open_db

BATCH = 200


class IngestPipeline:
    """Buffer comment items and store them through ``server.collect.ingest.ingest``.

    The spider names the crawl (``db``, ``brand``, ``comment_kind``, ``source_id``,
    ``run_id``); outcomes go to the crawler stats as ``gapwatch/new|duplicate|rejected`` and
    the first rejection reasons to ``gapwatch/rejections``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.buffer: list[dict] = []
        self.counts: Counter[str] = Counter()
        self.db = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        self.db = open_db(spider.db_path)
        self.context = Context(
            origin="crawl",
            brand=spider.brand,
            kind=spider.comment_kind,
            source_id=spider.source_id,
            run_id=spider.run_id,
        )

    def process_item(self, item: dict) -> dict:
        self.buffer.append(dict(item))
        if len(self.buffer) >= BATCH:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()
        if self.db is not None:
            self.db.conn.close()

    def flush(self) -> None:
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        stats = self.crawler.stats
        for outcome in ingest(self.db, batch, self.context):
            stats.inc_value(f"gapwatch/{outcome.status}")
            if outcome.status == "rejected":
                reasons = stats.get_value("gapwatch/rejections", [])
                if len(reasons) < 20:
                    stats.set_value("gapwatch/rejections", [*reasons, outcome.reason])
