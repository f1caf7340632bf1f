"""Crawls on a shared Redis queue, for workers on other machines (``gapwatch worker``).

When ``GAPWATCH_REDIS_URL`` is set, the scheduler does not crawl in a child process: it records
the run as usual (``crawls.start_run``) and *enqueues* it here; any number of workers
(``spiders.shared``) join it, share its request queue and duplicate filter (scrapy-redis), and
send what they find through ``POST /api/comments?run=<id>``, the one ingestion path. The
service alone writes the run records: ``settle`` (every few seconds, from the scheduler) finishes
a run once its requests are drained and acknowledged, puts back the requests a dead worker held,
and fails the runs of a queue that stopped answering, with the reason.

Keys (all under ``gapwatch:``):

- ``runs``: the set of runs in progress; ``run:<id>:source``: the source, as JSON;
- ``run:<id>:requests`` (scrapy-redis's priority queue) and ``run:<id>:dupefilter``;
- ``run:<id>:pending``: requests queued or being worked on; a request counts from when it is
  queued until its answer's comments were acknowledged by the service;
- ``run:<id>:seeding`` / ``run:<id>:seeded``: which worker queued the first requests, and that
  it did; ``run:<id>:inflight:<worker>``: what a worker has taken and not finished, by a number
  from ``run:<id>:taken``;
- ``run:<id>:stats`` (pages, new, duplicate, rejected, error_count) and ``run:<id>:errors``;
- ``workers``: every worker seen; ``worker:<name>``: its heartbeat, expiring after
  ``HEARTBEAT_TTL`` seconds (a worker whose heartbeat expired is dead: its requests go back);
- ``polite:<host>:slots`` / ``polite:<host>:next`` and ``robots:<netloc>``: politeness shared by
  all workers (see ``spiders.shared``).
"""

from __future__ import annotations

import json
from typing import Any

PREFIX = "gapwatch:"
RUNS = PREFIX + "runs"
WORKERS = PREFIX + "workers"
HEARTBEAT_TTL = 10  # seconds a worker's heartbeat lives; it is renewed every HEARTBEAT_EVERY
HEARTBEAT_EVERY = 2
MAX_ERRORS = 50


def key(run_id: int, part: str) -> str:
    return f"{PREFIX}run:{run_id}:{part}"


def worker_key(name: str) -> str:
    return f"{PREFIX}worker:{name}"


def connect(url: str) -> Any:
    """A Redis client for ``url`` (``redis://host:port/db``) that fails fast when it is down."""
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3, health_check_interval=10)


# Every change to a run's queue and its ``pending`` count is one Lua script, so nothing can come
# between its steps: a request counts in ``pending`` exactly while it waits in the queue or is held
# by a worker, however workers (and the service) interleave, and whenever one dies. (Two workers
# putting a dead worker's requests back step by step while a third took one queued a request twice
# and counted it once: the run ended before its last requests were crawled.)
_ADD = """
if redis.call('EXISTS', KEYS[4]) == 0 then return -1 end
if ARGV[3] ~= '' and redis.call('SADD', KEYS[1], ARGV[3]) == 0 then return 0 end
if redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[1]) == 0 then return 0 end
redis.call('INCR', KEYS[3])
return 1
"""
_POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0)
if #item == 0 then return nil end
redis.call('ZREM', KEYS[1], item[1])
local id = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[2], id, item[1])
return {id, item[1]}
"""
_DONE = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then redis.call('DECR', KEYS[2]) end
return 1
"""
_BACK = """
local held = redis.call('HDEL', KEYS[2], ARGV[1])
local added = redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[3])
redis.call('INCRBY', KEYS[3], added - held)
return added
"""
_REQUEUE = """
local items = redis.call('HVALS', KEYS[1])
redis.call('DEL', KEYS[1])
for _, data in ipairs(items) do
  if redis.call('ZADD', KEYS[2], 'NX', 0, data) == 0 then redis.call('DECR', KEYS[3]) end
end
return #items
"""


class RunQueue:
    """One worker's hold on a run's queue (the keys scrapy-redis's scheduler and duplicate filter
    are given, ``requests`` and ``dupefilter``), each step one script."""

    def __init__(self, client: Any, run_id: int, worker: str) -> None:
        self.requests, self.pending = key(run_id, "requests"), key(run_id, "pending")
        self.seen, self.source = key(run_id, "dupefilter"), key(run_id, "source")
        self.held, self.taken = key(run_id, "inflight:" + worker), key(run_id, "taken")
        self._add, self._pop = client.register_script(_ADD), client.register_script(_POP)
        self._done, self._back = client.register_script(_DONE), client.register_script(_BACK)

    def add(self, data: bytes, score: float, fingerprint: str | None) -> int:
        """Queue a request unless its fingerprint was seen (None: never filtered); answer 1 when
        queued, 0 when a duplicate, -1 when the run is no longer on the queue."""
        return int(self._add(keys=[self.seen, self.requests, self.pending, self.source],
                             args=[data, score, fingerprint or ""]))  # fmt: skip

    def pop(self) -> tuple[str, bytes] | None:
        """Take the first request: ``(id, data)``, held by this worker until ``done`` or ``back``."""
        found = self._pop(keys=[self.requests, self.held, self.taken])
        if not found:
            return None
        held, data = found
        return (held.decode() if isinstance(held, bytes) else str(held)), data

    def done(self, held: str) -> None:
        """The request's answer was dealt with: it stops being pending."""
        self._done(keys=[self.held, self.pending], args=[held])

    def back(self, held: str, score: float, data: bytes) -> None:
        """Put a held request (or its retry or redirect) back on the queue, still pending."""
        self._back(keys=[self.requests, self.held, self.pending], args=[held, score, data])


def requeue(client: Any, run_id: int, worker: str) -> int:
    """Put back what ``worker`` held of the run, all at once; answer how many."""
    script = client.register_script(_REQUEUE)
    held = key(run_id, "inflight:" + worker)
    return int(script(keys=[held, key(run_id, "requests"), key(run_id, "pending")]))


def where(url: str) -> str:
    """``url`` without a password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path or ''}"


def start(db: Any, source_id: int, trigger: str, url: str) -> dict:
    """Record a run of the source and put it on the queue (``Conflict`` if it is already
    running); a queue that does not answer fails the run at once, with the reason."""
    from redis.exceptions import RedisError

    from server.collect.crawls import finish_run, get_run, get_source, start_run
    from server.store.db import write_transaction

    run_id = start_run(db, source_id, trigger)
    try:
        enqueue_run(connect(url), run_id, get_source(db, source_id))
    except (OSError, RedisError) as exc:
        said = f"the crawl queue at {where(url)} did not answer, so no worker could take this run: {exc}"
        failed = {"status": "failed", "errors": [said]}
    else:
        failed = None
    # only now does the settle job look at the run (a queued run the queue does not hold is lost)
    with write_transaction(db):
        db.execute("UPDATE crawl_runs SET queue = ? WHERE id = ?", [where(url), run_id])
    if failed is not None:
        finish_run(db, run_id, failed)
    return get_run(db, run_id)


def enqueue_run(client: Any, run_id: int, source: dict) -> None:
    """Put a recorded run on the queue for the workers."""
    shared = {k: source.get(k) for k in ("id", "kind", "url", "brand", "comment_kind", "max_pages", "params")}
    pipe = client.pipeline()
    pipe.set(key(run_id, "source"), json.dumps(shared))
    pipe.set(key(run_id, "pending"), 0)
    pipe.sadd(RUNS, run_id)
    pipe.execute()


def _drop(client: Any, run_id: int) -> None:
    names = [key(run_id, p) for p in ("source", "pending", "seeding", "seeded", "stats", "errors",
                                       "requests", "dupefilter", "taken")]  # fmt: skip
    names += [k.decode() if isinstance(k, bytes) else k for k in client.scan_iter(key(run_id, "inflight:*"))]
    pipe = client.pipeline()
    pipe.srem(RUNS, run_id)
    pipe.delete(*names)
    pipe.execute()


def progress(client: Any, run_id: int) -> dict | None:
    """Where a queued run stands (None: the queue does not know it)."""
    pipe = client.pipeline()
    pipe.get(key(run_id, "source"))
    pipe.get(key(run_id, "pending"))
    pipe.exists(key(run_id, "seeded"))
    pipe.hgetall(key(run_id, "stats"))
    pipe.lrange(key(run_id, "errors"), 0, MAX_ERRORS - 1)
    pipe.zcard(key(run_id, "requests"))
    source, pending, seeded, stats, errors, queued = pipe.execute()
    if source is None:
        return None
    stats = {k.decode(): int(v) for k, v in stats.items()}
    held = sum(client.hlen(k) for k in client.scan_iter(key(run_id, "inflight:*")))
    return {
        "pending": int(pending or 0),
        "queued": int(queued),
        "held": held,
        "seeded": bool(seeded),
        "pages": stats.get("pages", 0),
        "new": stats.get("new", 0),
        "duplicates": stats.get("duplicate", 0),
        "rejected": stats.get("rejected", 0),
        "error_count": stats.get("error_count", 0),
        "errors": [e.decode() for e in errors],
    }


def requeue_dead(client: Any) -> int:
    """Put back every request held by a worker whose heartbeat expired; let another worker queue
    the first requests of a run whose seeding worker died. Answer how many came back."""
    back = 0
    for raw in client.smembers(WORKERS):
        name = raw.decode()
        if client.exists(worker_key(name)):
            continue
        for raw_run in client.smembers(RUNS):
            run_id = int(raw_run)
            back += requeue(client, run_id, name)
            seeding = client.get(key(run_id, "seeding"))
            if seeding is not None and seeding.decode() == name and not client.exists(key(run_id, "seeded")):
                client.delete(key(run_id, "seeding"))
        client.srem(WORKERS, name)
    return back


def fail_unqueued(db: Any) -> list[int]:
    """Fail the runs put on a workers' queue when the service no longer has one
    (``GAPWATCH_REDIS_URL`` was unset): nobody would ever finish them."""
    from server.collect.crawls import finish_run

    stuck = [
        r[0] for r in db.execute("SELECT id FROM crawl_runs WHERE status = 'running' AND queue IS NOT NULL")
    ]
    for run_id in stuck:
        finish_run(db, run_id, {"status": "failed", "errors": [
            "this run was put on a workers' queue, which the service no longer reads (GAPWATCH_REDIS_URL is "
            "not set)"]})  # fmt: skip
    return stuck


def settle(db: Any, url: str) -> list[int]:
    """Finish the queued runs that are done (their requests drained and acknowledged), give back
    the requests of dead workers, and fail every queued run when the queue does not answer (or
    lost a run). Answer the runs finished."""
    from redis.exceptions import RedisError

    from server.collect.crawls import finish_run

    running = [
        r[0] for r in db.execute("SELECT id FROM crawl_runs WHERE status = 'running' AND queue IS NOT NULL")
    ]
    if not running:
        return []
    finished = []
    try:
        client = connect(url)
        requeue_dead(client)
        for run_id in running:
            state = progress(client, run_id)
            if state is None:
                finish_run(db, run_id, {"status": "failed", "errors": [
                    f"the crawl queue at {where(url)} no longer holds this run (Redis restarted without its "
                    "data); the next run starts afresh"]})  # fmt: skip
                finished.append(run_id)
            elif state["seeded"] and state["pending"] <= 0 and not state["queued"] and not state["held"]:
                errors = state["errors"]
                status = "ok" if not errors else ("partial" if state["pages"] else "failed")
                counts = {k: v for k, v in state.items() if k != "new"}  # new: counted in the store
                finish_run(db, run_id, {**counts, "status": status, "errors": errors})
                _drop(client, run_id)
                finished.append(run_id)
    except (OSError, RedisError) as exc:
        for run_id in running:
            finish_run(db, run_id, {"status": "failed", "errors": [
                f"the crawl queue at {where(url)} stopped answering: {exc}"]})  # fmt: skip
            finished.append(run_id)
    return finished
