"""Downloader middlewares: where a crawl may go, and how long it waits before a retry."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from server.collect.netguard import private_address, resolve


class NetworkGuard:
    """Refuse private, loopback and link-local targets, and redirects that leave the site.

    A crawl must not become a way into the network the server runs in; tests (and users who
    know what they do) lift the first rule with ``GAPWATCH_ALLOW_PRIVATE_NETWORKS``.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.allow_private = crawler.settings.getbool("GAPWATCH_ALLOW_PRIVATE_NETWORKS")
        # the demo workspace's own pages on its own server, and nothing else there
        self.allow_prefix = crawler.settings.get("GAPWATCH_ALLOW_URL_PREFIX") or ""
        self._checked: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NetworkGuard:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        host = urlsplit(request.url).hostname or ""
        if request.meta.get("redirect_urls"):
            sites = getattr(self.crawler.spider, "sites", ())
            if sites and not any(host == s or host.endswith("." + s) for s in sites):
                first = request.meta["redirect_urls"][0]
                raise IgnoreRequest(f"{first} redirected to another site ({host}); not followed")
        allowed = self.allow_prefix and request.url.startswith(self.allow_prefix) and ".." not in request.url
        if not self.allow_private and not allowed:
            problem = self._checked.get(host) if host in self._checked else self._check(host)
            self._checked[host] = problem
            if problem:
                raise IgnoreRequest(problem)

    def _check(self, host: str) -> str | None:
        try:
            addresses = resolve(host)
        except (OSError, UnicodeError):
            return None  # the download itself reports the DNS failure
        problem = private_address(host, addresses)
        if problem:
            return (f"{problem}; crawling it needs --allow-private-networks "
                    "(GAPWATCH_CRAWL_ALLOW_PRIVATE_NETWORKS)")  # fmt: skip
        return None


class RetryBackoff:
    """Wait before each retry: RETRY_BACKOFF_BASE seconds, doubled per further attempt."""

    def __init__(self, base: float) -> None:
        self.base = base

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoff:
        return cls(crawler.settings.getfloat("RETRY_BACKOFF_BASE"))

    async def process_request(self, request: Request) -> None:
        attempt = request.meta.get("retry_times", 0)
        if attempt and self.base > 0:
            await asyncio.sleep(self.base * 2 ** (attempt - 1))
