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
  it did; ``run:<id>:inflight:<worker>``: what a worker has taken and not finished;
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


def where(url: str) -> str:
    """``url`` without a password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path or ''}"


def start(db: Any, source_id: int, trigger: str, url: str) -> dict:
    """Record a run of the source and put it on the queue (``Conflict`` if it is already
    running); a queue that does not answer fails the run at once, with the reason."""
    from redis.exceptions import RedisError

    from .crawls import finish_run, get_run, get_source, start_run
    from .db import write_transaction

    run_id = start_run(db, source_id, trigger)
    with write_transaction(db):
        db.execute("UPDATE crawl_runs SET queue = ? WHERE id = ?", [where(url), run_id])
    try:
        enqueue_run(connect(url), run_id, get_source(db, source_id))
    except (OSError, RedisError) as exc:
        said = f"the crawl queue at {where(url)} did not answer, so no worker could take this run: {exc}"
        finish_run(db, run_id, {"status": "failed", "errors": [said]})
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
                                       "requests", "dupefilter")]  # fmt: skip
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
    return {
        "pending": int(pending or 0),
        "queued": int(queued),
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
            held = key(run_id, "inflight:" + name)
            for _id, data in client.hgetall(held).items():
                client.execute_command("ZADD", key(run_id, "requests"), 0, data)
                back += 1
            client.delete(held)
            seeding = client.get(key(run_id, "seeding"))
            if seeding is not None and seeding.decode() == name and not client.exists(key(run_id, "seeded")):
                client.delete(key(run_id, "seeding"))
        client.srem(WORKERS, name)
    return back


def fail_unqueued(db: Any) -> list[int]:
    """Fail the runs put on a workers' queue when the service no longer has one
    (``GAPWATCH_REDIS_URL`` was unset): nobody would ever finish them."""
    from .crawls import finish_run

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

    from .crawls import finish_run

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
            elif state["seeded"] and state["pending"] <= 0:
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
