"""Politeness shared by every worker: per-site concurrency and delay counted in Redis, and
robots.txt read once per site for all."""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware

from server.collect import crawlqueue as q

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 50 end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if nxt > now then return nxt - now end
redis.call('SET', KEYS[2], now + tonumber(ARGV[2]), 'PX', 600000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], 600000)
return 0
"""


# --- politeness shared by every worker ---------------------------------------------------------------


class SharedPoliteness:
    """At most ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests at once to a site, ``DOWNLOAD_DELAY``
    apart, counted across all workers in Redis (a slot a dead worker held expires)."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.client = q.connect(settings.get("REDIS_URL"))
        self.acquire = self.client.register_script(_ACQUIRE)
        self.concurrency = max(1, settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"))
        self.delay_ms = int(settings.getfloat("GAPWATCH_SHARED_DELAY") * 1000)
        self.hold_ms = int(settings.getfloat("DOWNLOAD_TIMEOUT") * 1000) + 5000
        self.worker = settings.get("GAPWATCH_WORKER")
        self._count = 0

    @classmethod
    def from_crawler(cls, crawler) -> SharedPoliteness:
        return cls(crawler)

    def _keys(self, request: Request) -> list[str]:
        host = request.url.split("/")[2].lower()
        return [f"{q.PREFIX}polite:{host}:slots", f"{q.PREFIX}polite:{host}:next"]

    async def process_request(self, request: Request) -> None:
        self._count += 1
        token = f"{self.worker}:{self._count}"
        while True:
            wait = self.acquire(keys=self._keys(request),
                                args=[self.concurrency, self.delay_ms, self.hold_ms, token])  # fmt: skip
            if not wait:
                break
            await asyncio.sleep(min(int(wait), 5000) / 1000)
        request.meta["gw_slot"] = token

    def _release(self, request: Request) -> None:
        token = request.meta.pop("gw_slot", None)
        if token:
            self.client.zrem(self._keys(request)[0], token)

    def process_response(self, request: Request, response):
        self._release(request)
        return response

    def process_exception(self, request: Request, exception) -> None:
        self._release(request)


class SharedRobotsTxt(RobotsTxtMiddleware):
    """robots.txt read once per site for every worker: the first fetches it, the others read
    its copy in Redis (an hour)."""

    TTL = 3600

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.client = q.connect(crawler.settings.get("REDIS_URL"))

    async def robot_parser(self, request: Request):
        from scrapy.utils.httpobj import urlparse_cached
        from scrapy.utils.misc import build_from_crawler

        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            cached = self.client.get(f"{q.PREFIX}robots:{netloc}")
            if cached is not None:
                self._parsers[netloc] = build_from_crawler(self._parserimpl, self.crawler, cached)
        return await super().robot_parser(request)

    async def _parse_robots(self, response, netloc: str, request: Request) -> None:
        self.client.set(f"{q.PREFIX}robots:{netloc}", response.body, ex=self.TTL)
        await super()._parse_robots(response, netloc, request)
