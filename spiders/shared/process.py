"""One crawl process (``python -m spiders.shared crawl …``): the worker's Scrapy settings and the
crawl of one run until nothing is left to take."""

from __future__ import annotations

import contextlib
import ctypes
import json
import signal
from typing import Any

from server.collect import crawlqueue as q

from .spider import shared_spider

# --- one crawl process -----------------------------------------------------------------------------


def _die_with_parent() -> None:
    """The crawl process ends when its worker does, even by kill -9 (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def crawl_settings(
    settings: Any, config: dict, redis_url: str, run_id: int, server: str, token: str, worker: str
) -> dict:
    """What a worker's crawl process sets on top of a crawl's ``settings``: the run's shared queue,
    duplicate filter, politeness and robots.txt, and its acknowledgements."""
    middlewares = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    middlewares.update({
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "spiders.shared.SharedRobotsTxt": 100,
        "spiders.shared.SharedPoliteness": 55,
    })  # fmt: skip
    return {
        "SCHEDULER": "spiders.shared.SharedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": q.key(run_id, "requests"),
        "SCHEDULER_DUPEFILTER_KEY": q.key(run_id, "dupefilter"),
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": redis_url,
        "ITEM_PIPELINES": {},
        "DOWNLOADER_MIDDLEWARES": middlewares,
        "SPIDER_MIDDLEWARES": {"spiders.shared.Acknowledge": 10},  # nearest the engine: sees the output last
        "GAPWATCH_SHARED_DELAY": config["CRAWL_DELAY"],  # counted across workers …
        "DOWNLOAD_DELAY": 0,  # … not again in each
        "AUTOTHROTTLE_ENABLED": False,
        "GAPWATCH_RUN_ID": run_id,
        "GAPWATCH_WORKER": worker,
        "GAPWATCH_SERVER": server,
        "GAPWATCH_TOKEN": token,
    }  # fmt: skip


def crawl(redis_url: str, run_id: int, server: str, token: str, worker: str) -> int:
    """Crawl one run as one of its workers until nothing is left to take; answer the exit code."""
    from scrapy.core.engine import ExecutionEngine
    from scrapy.crawler import CrawlerProcess

    from server import settings as gapwatch_settings

    from ..run import SPIDERS, scrapy_settings

    client = q.connect(redis_url)
    raw = client.get(q.key(run_id, "source"))
    if raw is None:
        return 0  # finished (or dropped) meanwhile
    source = json.loads(raw)
    config = gapwatch_settings.load()
    settings = scrapy_settings(config, allow_private=bool(config["CRAWL_ALLOW_PRIVATE_NETWORKS"]))
    settings.setdict(crawl_settings(settings, config, redis_url, run_id, server, token, worker),
                     priority="cmdline")  # fmt: skip
    ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 0.5  # look at the shared queue often when idle
    spider_cls = shared_spider(SPIDERS[source["kind"]])
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    pages = source.get("max_pages") or config["CRAWL_MAX_PAGES"]
    process.crawl(crawler, url=source["url"], brand=source["brand"], db="",
                  comment_kind=source["comment_kind"], source_id=source["id"], run_id=run_id,
                  max_pages=pages, params=source.get("params") or {})  # fmt: skip
    process.start()
    print(f"Run {run_id}: {crawler.spider.report.pages} pages crawled by {worker}.", flush=True)
    return 0
