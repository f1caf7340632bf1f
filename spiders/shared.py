"""Crawl workers on a shared Redis queue: ``gapwatch worker --redis … --server … --token …``.

A worker takes runs the service put on the queue (``server.crawlqueue``) and crawls them with
the source's own spider, on scrapy-redis's scheduler and duplicate filter keyed by run, so any
number of workers on any number of machines share one request queue and never fetch an address
twice. It never opens the workspace's database: what it finds goes to the service through
``POST /api/comments?run=<id>`` (batched per page, retried with back-off while the service is
away; ingestion is idempotent, so a retry stores nothing twice).

- **Accounting**: a request counts as pending from when it is queued until the comments of its
  answer were acknowledged and the requests it led to were queued (``Acknowledge``); the service
  finishes the run when none is pending.
- **Dead workers**: what a worker takes is recorded as held by it; a worker's crawl process dies
  with it (``PR_SET_PDEATHSIG``) and its heartbeat expires, and the held requests go back to the
  queue for the others (``crawlqueue.requeue_dead``).
- **Politeness across workers**: per-site concurrency and delay are counted in Redis
  (``SharedPoliteness``), and robots.txt is fetched once per site for all (``SharedRobotsTxt``).

The supervisor (``work``) runs one crawl process at a time and joins a run that has requests
waiting (or none queued yet); ``python -m spiders.shared crawl …`` is that process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from scrapy import Request, signals
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler

from server import crawlqueue as q

POST_PATIENCE = 1800  # seconds a worker keeps retrying a post while the service is away
BAD_TOKEN = 3  # the crawl process's exit code when the service refused the token
QUEUE_GONE = 4  # … and when Redis stopped answering

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


class BadToken(RuntimeError):
    pass


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


# --- sending what was found to the service -----------------------------------------------------------


class Poster:
    """``POST /api/comments?run=<id>`` with the worker's token; retried with back-off while the
    service is away or busy; a refused token stops the worker."""

    def __init__(self, server: str, token: str, run_id: int) -> None:
        self.url = f"{server.rstrip('/')}/api/comments?run={run_id}"
        self.token = token

    def post(self, items: list[dict]) -> dict:
        body = json.dumps(items, default=str).encode()
        wait, deadline = 0.5, time.monotonic() + POST_PATIENCE
        while True:
            request = urllib.request.Request(self.url, data=body, method="POST", headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    return json.loads(answer.read())
            except (http.client.HTTPException, json.JSONDecodeError):
                pass  # an answer cut short (the service stopped mid-answer): send again, it is idempotent
            except urllib.error.HTTPError as exc:
                said = _said(exc)
                if exc.code in (401, 403):
                    raise BadToken(said) from None
                if exc.code == 422:  # every comment rejected: an answer, not a failure
                    return json.loads(said) if said.startswith("{") else {"counts": {"rejected": len(items)}}
                if exc.code < 500 and exc.code not in (408, 409, 429):
                    return {"counts": {"rejected": len(items)}, "error": f"HTTP {exc.code}: {said}"}
            except OSError:
                pass  # the service is away: try again
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the service at {self.url} did not take the comments for {POST_PATIENCE} s"
                )
            time.sleep(wait)
            wait = min(wait * 2, 10)


def _said(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read().decode("utf-8", "replace")
        return json.loads(text).get("error", text) if text.startswith("{") else text
    except (OSError, ValueError, AttributeError):
        return str(exc)


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


# --- the spider of a run, around the kind's own spider ---------------------------------------------


def shared_spider(spider_cls: type) -> type:
    """The kind's spider as a worker runs it: first requests queued by one worker only, each
    answer's comments posted and acknowledged before its request stops being pending."""

    class Shared(spider_cls):
        name = spider_cls.name

        @classmethod
        def from_crawler(cls, crawler, *args, **kwargs):
            spider = super().from_crawler(crawler, *args, **kwargs)
            settings = crawler.settings
            spider.client = q.connect(settings.get("REDIS_URL"))
            spider.worker = settings.get("GAPWATCH_WORKER")
            spider.poster = Poster(
                settings.get("GAPWATCH_SERVER"), settings.get("GAPWATCH_TOKEN"), spider.run_id
            )
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
            counts: dict = {}
            if items:
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
                counts = answer.get("counts", {})
                if answer.get("error"):
                    self.report.error(f"{response.url}: the service refused its comments: {answer['error']}")
            self._record(self.report.pages - before, counts)
            for output in outputs:
                if isinstance(output, Request):
                    yield output  # ``Acknowledge`` queues them, then ends this one's pending

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

    Shared.__name__ = Shared.__qualname__ = f"Shared{spider_cls.__name__}"
    return Shared


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

    from .run import SPIDERS, scrapy_settings

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


# --- the worker: one crawl process at a time ---------------------------------------------------------


def check_token(server: str, token: str) -> str:
    """Who the token is (``GET /api/me``); ``BadToken`` with the service's reason when refused or
    when it may not send comments."""
    request = urllib.request.Request(
        f"{server.rstrip('/')}/api/me", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            me = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise BadToken(_said(exc)) from None
    if "write" not in me.get("rights", []):
        raise BadToken(
            f"the token of {me.get('user')} may not send comments (it needs an editor's full token)"
        )
    return me.get("user", "?")


def _heartbeat(client: Any, name: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            client.set(q.worker_key(name), os.getpid(), ex=q.HEARTBEAT_TTL)
            client.sadd(q.WORKERS, name)
        except Exception:  # noqa: BLE001 - Redis away: the loop below says so
            pass
        stop.wait(q.HEARTBEAT_EVERY)


def _pick(client: Any) -> int | None:
    """A run with requests waiting, or whose first requests nobody queued yet."""
    for raw in sorted(client.smembers(q.RUNS), key=int):
        run_id = int(raw)
        if client.zcard(q.key(run_id, "requests")) or not client.exists(q.key(run_id, "seeding")):
            return run_id
    return None


def work(redis_url: str, server: str, token: str, name: str | None = None, *, say=print) -> int:
    """Run a worker until stopped (SIGTERM/SIGINT); answer its exit code (2: bad token)."""
    from redis.exceptions import RedisError

    name = name or f"{socket.gethostname()}-{os.getpid()}"
    try:
        who = check_token(server, token)
    except BadToken as exc:
        say(f"Error: the service at {server} did not accept the worker's token: {exc}. "
            "Create one with `gapwatch tokens create --name worker --user <an editor>`.")  # fmt: skip
        return 2
    except OSError as exc:
        say(f"Error: the service at {server} does not answer ({exc}); start it, or check --server.")
        return 1
    client = q.connect(redis_url)
    stop = threading.Event()
    child: list[subprocess.Popen] = []

    def ask_to_stop(*_args) -> None:
        stop.set()
        for process in child:
            process.terminate()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    threading.Thread(target=_heartbeat, args=(client, name, stop), daemon=True).start()
    say(f"Worker {name} ({who}) takes crawls from {q.where(redis_url)} for {server}.")
    wait, down = 0.2, False
    while not stop.is_set():
        try:
            q.requeue_dead(client)
            run_id = _pick(client)
            if down:
                say(f"Redis at {q.where(redis_url)} answers again.")
                down = False
        except (OSError, RedisError) as exc:
            if not down:
                say(f"Redis at {q.where(redis_url)} does not answer ({exc}); trying again.")
                down = True
            stop.wait(min(wait := wait * 2, 5))
            continue
        wait = 0.2
        if run_id is None:
            stop.wait(0.3)
            continue
        command = [sys.executable, "-m", "spiders.shared", "crawl", "--redis", redis_url,
                   "--run", str(run_id), "--server", server, "--token", token, "--worker", name]  # fmt: skip
        process = subprocess.Popen(command, preexec_fn=_die_with_parent)
        child[:] = [process]
        code = process.wait()
        child.clear()
        if code == BAD_TOKEN:
            say("Error: the service stopped accepting the worker's token; the worker stops.")
            stop.set()
            return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.shared")
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("crawl", help="crawl one queued run as one of its workers")
    for flag in ("--redis", "--server", "--token", "--worker"):
        one.add_argument(flag, required=True)
    one.add_argument("--run", type=int, required=True)
    args = parser.parse_args(argv)
    return crawl(args.redis, args.run, args.server, args.token, args.worker)


if __name__ == "__main__":
    sys.exit(main())
