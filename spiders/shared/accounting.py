"""Each request accounted for: scrapy-redis's scheduler on the run's keys (a request pending until
``done``), and ``Acknowledge``, which ends a request's pending only once the requests it led to
were queued."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any

from scrapy import Request
from scrapy_redis.scheduler import Scheduler

from server.collect import crawlqueue as q

BAD_TOKEN = 3  # the crawl process's exit code when the service refused the token
QUEUE_GONE = 4  # … and when Redis stopped answering


# --- the scheduler: scrapy-redis's, with each request accounted for --------------------------------


class SharedScheduler(Scheduler):
    """scrapy-redis's scheduler on the run's keys; a request is pending until ``done``."""

    def open(self, spider) -> None:
        super().open(spider)
        settings = spider.crawler.settings
        self.run_id, self.worker = settings.getint("GAPWATCH_RUN_ID"), settings.get("GAPWATCH_WORKER")
        self.run = q.RunQueue(self.server, self.run_id, self.worker)

    def enqueue_request(self, request: Request) -> bool:
        with _queue_or_exit():
            return self._enqueue(request)

    def _enqueue(self, request: Request) -> bool:
        held = request.meta.get("gw_held")
        data = self.queue._encode_request(request)
        if held:  # a retry or redirect of a request this worker holds goes back to the queue as it
            self.run.back(held, -request.priority, data)
            return True
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        added = self.run.add(data, -request.priority, fingerprint)
        if added == 0 and fingerprint:
            self.df.log(request, self.spider)
        return added == 1

    def next_request(self) -> Request | None:
        with _queue_or_exit():
            found = self.run.pop()
        if not found:
            return None
        held, data = found
        request = self.queue._decode_request(data)
        request.meta["gw_held"] = held
        return request

    def done(self, request: Request) -> None:
        held = request.meta.get("gw_held")
        if held:
            with _queue_or_exit():
                self.run.done(held)

    def has_pending_requests(self) -> bool:
        with _queue_or_exit():
            return len(self) > 0


@contextlib.contextmanager
def _queue_or_exit():
    """Without its queue a crawl process cannot go on (nor say what it did): it stops at once,
    and its worker waits for Redis to come back."""
    from redis.exceptions import RedisError

    try:
        yield
    except (OSError, RedisError) as exc:
        sys.stderr.write(f"the crawl queue stopped answering: {exc}\n")
        sys.stderr.flush()
        os._exit(QUEUE_GONE)


class Acknowledge:
    """The spider middleware nearest the engine: it queues an answer's new requests itself, and
    only then lets the answer's request stop being pending.

    Scrapy's scraper reads a callback's whole output into a queue before it schedules any of it,
    so a request acknowledged at the end of its callback stopped being pending before its new
    requests were queued: for those moments a run could look finished to the service (nothing
    pending, nothing queued), which then ended it "ok" and dropped the requests still to come.
    """

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler) -> Acknowledge:
        return cls(crawler)

    def _take(self, output: Any) -> Any:
        if isinstance(output, Request):
            self.crawler.engine.crawl(output)  # what the scraper does with it, but now
            return None
        return output

    def _done(self, response) -> None:
        request = getattr(response, "request", None)
        if request is not None:
            self.crawler.engine._slot.scheduler.done(request)

    def process_spider_output(self, response, result):
        for output in result:
            if (output := self._take(output)) is not None:
                yield output
        self._done(response)

    async def process_spider_output_async(self, response, result):
        async for output in result:
            if (output := self._take(output)) is not None:
                yield output
        self._done(response)
