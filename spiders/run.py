"""Run one crawl: ``python -m spiders.run --db PATH --run-id N`` (how the service starts them).

The run record (``crawl_runs``) names the source; this process crawls it through the Scrapy
pipeline into the workspace and writes the run's outcome. It runs in its own process so that
the Twisted reactor stays out of the web server and the scheduler; if it dies, the parent marks
the run failed (``server.collect.crawls``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from server import settings as gapwatch_settings
from server.collect import crawls
from server.store.db import open_db

from .spiders.appstore import AppStoreSpider
from .spiders.discourse import DiscourseSpider
from .spiders.feed import FeedSpider
from .spiders.github import GitHubSpider
from .spiders.hackernews import HackerNewsSpider
from .spiders.reddit import RedditSpider
from .spiders.schemaorg import SchemaOrgSpider
from .spiders.stackexchange import StackExchangeSpider
from .spiders.youtube import YouTubeSpider

SPIDERS = {
    cls.name: cls
    for cls in (
        SchemaOrgSpider, RedditSpider, HackerNewsSpider, DiscourseSpider, AppStoreSpider, FeedSpider,
        GitHubSpider, StackExchangeSpider, YouTubeSpider,
    )
}  # fmt: skip


def scrapy_settings(config: dict[str, Any], allow_private: bool, allow_prefix: str = "") -> Settings:
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.setdict(
        {
            "DOWNLOAD_TIMEOUT": config["CRAWL_TIMEOUT"],
            "RETRY_TIMES": config["CRAWL_RETRIES"],
            "RETRY_BACKOFF_BASE": config["CRAWL_BACKOFF"],
            "DOWNLOAD_DELAY": config["CRAWL_DELAY"],
            "CONCURRENT_REQUESTS_PER_DOMAIN": config["CRAWL_PER_SITE"],
            "AUTOTHROTTLE_START_DELAY": config["CRAWL_DELAY"],
            "DOWNLOAD_MAXSIZE": config["CRAWL_MAX_BYTES"],
            "GAPWATCH_ALLOW_PRIVATE_NETWORKS": allow_private or bool(config["CRAWL_ALLOW_PRIVATE_NETWORKS"]),
            "GAPWATCH_ALLOW_URL_PREFIX": allow_prefix,
        },
        priority="cmdline",
    )
    return settings


def crawl(
    source: dict,
    run_id: int | None,
    db_path: str,
    config: dict,
    allow_private: bool,
    progress: bool = False,
    trial: bool = False,
    allow_prefix: str = "",
) -> dict:
    """Crawl ``source`` (a ``sources`` row as a dict) in this process; answer the run summary.
    ``trial``: one page, nothing stored; the summary carries what was found (``found``)."""
    spider_cls = SPIDERS.get(source["kind"])
    if spider_cls is None:
        raise ValueError(f"unknown source kind {source['kind']!r}; known: {', '.join(sorted(SPIDERS))}")
    settings = scrapy_settings(config, allow_private, allow_prefix)
    if trial:
        settings.set("ITEM_PIPELINES", {"spiders.pipelines.preview.PreviewPipeline": 300}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls)
    process.crawl(
        crawler,
        url=source["url"],
        brand=source["brand"],
        db=db_path,
        comment_kind=source["comment_kind"],
        source_id=source["id"],
        run_id=run_id,
        max_pages=1 if trial else source.get("max_pages") or config["CRAWL_MAX_PAGES"],
        params=source.get("params") or {},
    )
    if progress:
        _show_progress(crawler)
    process.start()
    if progress:
        sys.stderr.write("\n")
    result = summary(crawler)
    if trial:
        from .pipelines.preview import PreviewPipeline

        result.update({"found": PreviewPipeline.count, "comments": PreviewPipeline.found})
        result.pop("new", None), result.pop("duplicates", None), result.pop("rejected", None)
    return result


def _show_progress(crawler: Any) -> None:
    """One status line on stderr, rewritten as pages arrive (`gapwatch crawl` in a terminal)."""

    def update(**_kwargs: Any) -> None:
        stats = crawler.stats
        pages = stats.get_value("response_received_count", 0)
        items = stats.get_value("item_scraped_count", 0)
        sys.stderr.write(f"\r  {pages} pages fetched, {items} comments read")
        sys.stderr.flush()

    crawler.signals.connect(update, signal=signals.response_received)
    crawler.signals.connect(update, signal=signals.item_scraped)


def summary(crawler: Any) -> dict:
    stats = crawler.stats.get_stats()
    spider = crawler.spider
    report = spider.report if spider is not None else None
    errors = list(report.errors) if report else []
    errors += [f"rejected: {reason}" for reason in stats.get("gapwatch/rejections", [])]
    if report is None:
        errors.append("the spider could not start")
    pages = report.pages if report else 0
    if stats.get("finish_reason") not in (None, "finished"):
        errors.append(f"the crawl stopped early: {stats.get('finish_reason')}")
    status = "ok" if not errors else ("partial" if pages else "failed")
    return {
        "status": status,
        "pages": pages,
        "new": stats.get("gapwatch/new", 0),
        "duplicates": stats.get("gapwatch/duplicate", 0),
        "rejected": stats.get("gapwatch/rejected", 0),
        "skipped": report.skipped if report else 0,
        "errors": errors,
        "error_count": (report.error_count if report else 1) + len(stats.get("gapwatch/rejections", [])),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.run", description=__doc__.splitlines()[0])
    parser.add_argument("--db")
    parser.add_argument("--run-id", type=int)
    parser.add_argument("--try", dest="trial", metavar="SOURCE_JSON",
                        help="Crawl one page of this source (JSON: kind, url, brand, ...), store nothing, "
                        "print what was found.")  # fmt: skip
    parser.add_argument("--allow-private-networks", action="store_true")
    parser.add_argument("--allow-prefix", default="", metavar="URL",
                        help="Addresses under this prefix may be on a private network "
                        "(the demo's own pages).")  # fmt: skip
    parser.add_argument("--progress", action="store_true", help="Show a progress line on stderr.")
    args = parser.parse_args(argv)
    config = gapwatch_settings.load()
    if args.trial:
        source = {"id": None, "comment_kind": "customer", "params": {}, **json.loads(args.trial)}
        try:
            result = crawl(source, None, "", config, args.allow_private_networks, trial=True,
                           allow_prefix=args.allow_prefix)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - the page that asked shows the reason
            result = {"status": "failed", "pages": 0, "found": 0, "comments": [],
                      "errors": [f"{type(exc).__name__}: {exc}"]}  # fmt: skip
        json.dump(result, sys.stdout, default=str)
        sys.stdout.write("\n")
        return 0
    if not args.db or args.run_id is None:
        parser.error("--db and --run-id are needed (or --try)")
    db = open_db(args.db)
    source = crawls.source_of_run(db, args.run_id)
    try:
        result = crawl(source, args.run_id, args.db, config, args.allow_private_networks, args.progress,
                       allow_prefix=args.allow_prefix)  # fmt: skip
    except Exception as exc:  # noqa: BLE001 - every failure ends in the run record
        result = {"status": "failed", "pages": 0, "errors": [f"{type(exc).__name__}: {exc}"]}
    crawls.finish_run(db, args.run_id, result)
    json.dump(crawls.get_run(db, args.run_id), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
