"""The spider of a run: the kind's own spider with ``SharedRun`` over it."""

from __future__ import annotations

import os
import sys

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider

from server.collect import crawlqueue as q

from .accounting import BAD_TOKEN, _queue_or_exit
from .delivery import BadToken, Poster

# --- the spider of a run, around the kind's own spider ---------------------------------------------


class SharedRun:
    """What a worker adds to a kind's spider: the first requests queued by one worker only, each
    answer's comments posted before its request stops being pending, the run's counts and errors
    kept in Redis, and the spider kept open while the run has requests to take."""

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.client = q.connect(settings.get("REDIS_URL"))
        spider.worker = settings.get("GAPWATCH_WORKER")
        spider.poster = Poster(settings.get("GAPWATCH_SERVER"), settings.get("GAPWATCH_TOKEN"), spider.run_id)
        spider._reported = 0
        crawler.signals.connect(spider._idle, signal=signals.spider_idle)
        return spider

    async def start(self):
        seeding = q.key(self.run_id, "seeding")
        if not self.client.set(seeding, self.worker, nx=True):
            return  # another worker queues the first requests
        for request in self.first_requests():
            if request is not None:
                yield request
        self.client.set(q.key(self.run_id, "seeded"), 1)

    def _scheduler(self):
        return self.crawler.engine._slot.scheduler

    def _record(self, pages: int, counts: dict) -> None:
        pipe = self.client.pipeline()
        stats = q.key(self.run_id, "stats")
        if pages:
            pipe.hincrby(stats, "pages", pages)
        for name in ("new", "duplicate", "rejected"):
            if counts.get(name):
                pipe.hincrby(stats, name, counts[name])
        fresh = self.report.errors[self._reported :]
        self._reported = len(self.report.errors)
        if fresh:
            pipe.hincrby(stats, "error_count", len(fresh))
            pipe.rpush(q.key(self.run_id, "errors"), *fresh)
            pipe.ltrim(q.key(self.run_id, "errors"), 0, q.MAX_ERRORS - 1)
        pipe.execute()

    def _handle(self, response, parse, kwargs):
        before = self.report.pages
        outputs = list(super()._handle(response, parse, kwargs))
        items = [o for o in outputs if not isinstance(o, Request)]
        counts = self._deliver(response, items) if items else {}
        self._record(self.report.pages - before, counts)
        for output in outputs:
            if isinstance(output, Request):
                yield output  # ``Acknowledge`` queues them, then ends this one's pending

    def _deliver(self, response, items: list) -> dict:
        """Post an answer's comments to the service; answer its counts (new, duplicate, rejected)."""
        try:
            answer = self.poster.post([{**item, "brand": self.brand} for item in items])
        except BadToken as exc:  # nothing more can be delivered: stop; what is held goes back
            sys.stderr.write(f"the service refused the worker's token: {exc}\n")
            sys.stderr.flush()
            os._exit(BAD_TOKEN)
        except Exception as exc:  # noqa: BLE001 - said on the run, and the run still ends
            answer = {}
            self.report.error(f"{response.url}: its comments could not be delivered: "
                              f"{type(exc).__name__}: {exc}")  # fmt: skip
        if answer.get("error"):
            self.report.error(f"{response.url}: the service refused its comments: {answer['error']}")
        return answer.get("counts", {})

    def _failed(self, failure):
        super()._failed(failure)
        self._record(0, {})
        self._scheduler().done(failure.request)

    def _idle(self) -> None:
        with _queue_or_exit():
            q.requeue_dead(self.client)
            waiting = self.client.zcard(q.key(self.run_id, "requests"))
            seeded = self.client.exists(q.key(self.run_id, "seeded"))
            known = self.client.exists(q.key(self.run_id, "source"))
        if (waiting or not seeded) and known:
            raise DontCloseSpider  # more to take (or the first requests still coming)


def shared_spider(spider_cls: type) -> type:
    """The kind's spider as a worker runs it (``SharedRun`` over it)."""
    name = f"Shared{spider_cls.__name__}"
    return type(name, (SharedRun, spider_cls), {"name": spider_cls.name, "__qualname__": name})
