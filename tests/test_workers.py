"""Crawl workers on a shared Redis (scrapy-redis), with real parts: Debian's redis-server started
on a loopback port, `gapwatch serve` with the queue on, workers as separate processes, and a
loopback forum (500 pages where the size is what is tested, else 100). Skipped, with the reason,
where redis-server is not installed."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections import Counter

import pytest

from tests.workers import (
    GAPWATCH,
    Redis,
    Service,
    forum,
    pages_fetched,
    redis_path,
    start_worker,
    stop_worker,
    wait_for_run,
)
from tests.workspaces import new_workspace

pytestmark = [pytest.mark.skipif(redis_path() is None, reason="no redis-server: make test installs Debian's "
                                 "redis-server when run as root (apt-get install redis-server)")]  # fmt: skip
SMALL = 4  # listings of the forum where the size does not matter: 100 pages, 96 comments


@pytest.fixture
def redis():
    server = Redis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workspace(tmp_path, redis):
    """A workspace with a forum source, an editor's token for the workers, and the service."""
    db_path = tmp_path / "w.db"
    env = {**os.environ, "GAPWATCH_DB": str(db_path)}

    def cli(*args: str, text: str | None = None) -> str:
        return subprocess.run([GAPWATCH, *args], env=env, input=text, check=True, capture_output=True,
                              text=True).stdout.strip()  # fmt: skip

    token = new_workspace(db_path, ["Lumio"], user="crawler", role="editor",
                          password="a long crawler password", token_name="workers")  # fmt: skip
    service = Service(db_path, redis.url)
    service.start()
    yield db_path, service, token, cli
    service.stop()


def _run_now(workspace, source_id: int) -> int:
    """Ask the service for a run of the source ("run now" through the API: its scheduler queues
    it for the workers at once); answer the run's id."""
    from server.store.db import open_db

    db_path, service, token, _cli = workspace
    db = open_db(db_path, migrate=False)
    try:
        known = {r[0] for r in db.execute("SELECT id FROM crawl_runs WHERE source_id = ?", [source_id])}
        asked = urllib.request.Request(f"{service.url}/api/sources/{source_id}/run", data=b"", method="POST")
        asked.add_header("Authorization", f"Bearer {token}")
        urllib.request.urlopen(asked, timeout=10).close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ids = {r[0] for r in db.execute("SELECT id FROM crawl_runs WHERE source_id = ?", [source_id])}
            if ids - known:
                return max(ids - known)
            time.sleep(0.1)
    finally:
        db.close()
    raise AssertionError("the service did not queue the run")


def _source_and_run(workspace, site) -> int:
    """Add the forum as a source and ask for a run; answer the run's id."""
    from server.collect.crawls import add_source
    from server.store.db import open_db

    db = open_db(workspace[0], migrate=False)
    try:
        source = add_source(db, {"kind": "discourse", "url": site.url("/latest"), "brand": "Lumio",
                                 "name": "Forum", "max_pages": 30})  # fmt: skip
    finally:
        db.close()
    return _run_now(workspace, source["id"])


def _stored(db_path) -> Counter:
    from server.store.db import open_db

    db = open_db(db_path, migrate=False)
    try:
        return Counter(r[0] for r in db.execute("SELECT external_id FROM comments"))
    finally:
        db.close()


class Crew:
    """``count`` workers for the test's service, stopped on the way out; ``said`` is their output."""

    def __init__(self, redis, service, token: str, count: int) -> None:
        self.args, self.count = (redis.url, service.url, token), count
        self.workers: list = []
        self.said: list[str] = []

    def __enter__(self) -> Crew:
        self.workers = [start_worker(*self.args, f"w{i}") for i in range(self.count)]
        return self

    def __exit__(self, *_exc) -> None:
        self.said = [stop_worker(w) for w in self.workers]


def _every_comment_once(db_path, site) -> None:
    stored = _stored(db_path)
    assert len(stored) == site.comments and set(stored.values()) == {1}


def test_three_workers_crawl_the_500_page_site_once(workspace, redis):
    db_path, service, token, _cli = workspace
    with forum(delay=0.005) as site, Crew(redis, service, token, 3) as crew:
        run = wait_for_run(db_path, _source_and_run(workspace, site))
    fetched = Counter(pages_fetched(site))
    assert run["status"] == "ok", (run, crew.said)
    assert site.pages == 500 and len(fetched) == site.pages and set(fetched.values()) == {1}  # each once
    _every_comment_once(db_path, site)
    assert run["pages"] == site.pages and run["new_count"] == site.comments
    assert run["queue"].startswith("redis://127.0.0.1")
    assert all("takes crawls from" in s for s in crew.said)


def _wait_stored(db_path, at_least: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while sum(_stored(db_path).values()) < at_least:
        assert time.monotonic() < deadline, "the crawl did not get going"
        time.sleep(0.1)


def _crawled_here(said: str) -> int:
    return sum(int(line.split(": ")[1].split()[0]) for line in said.splitlines() if line.startswith("Run "))


def test_the_workers_share_the_pages(workspace, redis):
    db_path, service, token, _cli = workspace
    with forum(delay=0.02, listings=SMALL) as site, Crew(redis, service, token, 3) as crew:
        run = wait_for_run(db_path, _source_and_run(workspace, site))
    assert run["status"] == "ok"
    shares = [_crawled_here(s) for s in crew.said]
    assert sum(shares) == site.pages and sum(1 for n in shares if n > 0) >= 2, shares
    # politeness across workers: robots.txt read once for all, 2 requests at once to the site at most
    assert site.hits.count("/robots.txt") == 1
    assert site.busiest <= 2, site.busiest


def test_a_worker_killed_mid_crawl_loses_nothing_and_doubles_nothing(workspace, redis):
    db_path, service, token, _cli = workspace
    with forum(delay=0.02, listings=SMALL) as site, Crew(redis, service, token, 3) as crew:
        run_id = _source_and_run(workspace, site)
        _wait_stored(db_path, 30)
        os.kill(crew.workers[0].pid, signal.SIGKILL)  # the worker only: its crawl process dies with it
        run = wait_for_run(db_path, run_id)
        queue = _queue_state(redis, run_id)
    assert run["status"] == "ok", (run["errors"], run, queue, crew.said)
    assert len(Counter(pages_fetched(site))) == site.pages  # every page, some of the dead worker's twice
    _every_comment_once(db_path, site)


def _queue_state(redis, run_id: int) -> dict | None:
    """What the queue holds of a run, for a failure's message."""
    from server.collect import crawlqueue as q

    return q.progress(q.connect(redis.url), run_id)


def test_the_service_restarted_mid_run_loses_nothing(workspace, redis):
    db_path, service, token, _cli = workspace
    with forum(delay=0.02, listings=SMALL) as site, Crew(redis, service, token, 2) as crew:
        run_id = _source_and_run(workspace, site)
        _wait_stored(db_path, 30)
        service.stop()  # the workers keep crawling and retry their posts meanwhile
        time.sleep(3)
        service.start()
        run = wait_for_run(db_path, run_id)
        queue = _queue_state(redis, run_id)
    assert run["status"] == "ok", (run["errors"], run, queue, crew.said)
    _every_comment_once(db_path, site)


def test_redis_stopped_mid_run_fails_the_run_with_the_reason_and_the_next_run_succeeds(workspace, redis):
    db_path, service, token, _cli = workspace
    with forum(delay=0.02, listings=SMALL) as site, Crew(redis, service, token, 2):
        first = _source_and_run(workspace, site)
        _wait_stored(db_path, 25)
        redis.stop()
        failed = wait_for_run(db_path, first, timeout=60)
        assert failed["status"] == "failed" and "stopped answering" in failed["errors"][0], failed
        redis.start()
        run = wait_for_run(db_path, _run_now(workspace, 1))
    assert run["status"] == "ok", run
    _every_comment_once(db_path, site)


def test_a_worker_with_a_bad_token_stops_with_a_clear_message(workspace, redis):
    _db_path, service, _token, cli = workspace
    worker = start_worker(redis.url, service.url, "gw_not-a-real-token", "w-bad")
    assert worker.wait(60) == 2
    said = worker.stdout.read()
    assert "did not accept the worker's token: unknown API token" in said and "gapwatch tokens create" in said
    clip_only = cli("tokens", "create", "--name", "clipper", "--user", "crawler", "--scope", "clip")
    worker = start_worker(redis.url, service.url, clip_only, "w-clip")
    assert worker.wait(60) == 2 and "may not send comments" in worker.stdout.read()


# --- the queue's own steps, against the real redis-server ------------------------------------------


def _queued_run(redis, run_id: int = 7):
    from server.collect import crawlqueue as q

    client = q.connect(redis.url)
    q.enqueue_run(client, run_id, {"id": 1, "kind": "discourse", "url": "http://forum.test/latest"})
    return q, client


def test_a_dead_workers_requests_go_back_once_while_others_take_them(redis):
    """Two requeuers racing each other and two live workers taking requests: every request is
    dealt with exactly once and the run's count ends at zero. (Put back step by step, requests
    were taken twice and the count went below zero: the run ended before its last requests.)"""
    import threading

    q, client = _queued_run(redis)
    dead = q.RunQueue(client, 7, "dead")
    for i in range(300):
        assert dead.add(f"request {i}".encode(), 0, f"fp{i}") == 1
    while dead.pop():
        pass  # the dead worker took every request and died holding them
    client.sadd(q.WORKERS, "dead")
    dealt: list[bytes] = []
    stop = threading.Event()

    def requeuer() -> None:
        own = q.connect(redis.url)
        while not stop.is_set():
            q.requeue_dead(own)

    def worker(name: str) -> None:
        run = q.RunQueue(q.connect(redis.url), 7, name)
        while not stop.is_set():
            found = run.pop()
            if found:
                dealt.append(found[1])
                run.done(found[0])

    threads = [threading.Thread(target=requeuer) for _ in range(2)]
    threads += [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(dealt) < 300 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # a late duplicate would show here
    stop.set()
    for thread in threads:
        thread.join()
    assert sorted(Counter(dealt).values()) == [1] * 300
    assert q.progress(client, 7)["pending"] == 0


def test_a_request_is_seen_counted_and_queued_in_one_step(redis):
    q, client = _queued_run(redis)
    run = q.RunQueue(client, 7, "w")
    assert run.add(b"page 1", 0, "fp1") == 1
    assert run.add(b"page 1 again", 0, "fp1") == 0  # the same address: filtered, not counted
    assert run.add(b"robots", 0, None) == 1 and run.add(b"robots", 0, None) == 0  # unfiltered, queued once
    assert q.progress(client, 7)["pending"] == 2
    held, data = run.pop()
    run.back(held, 0, data + b" (retry)")  # a retry replaces what was held: still one pending
    state = q.progress(client, 7)
    assert (state["pending"], state["queued"], state["held"]) == (2, 2, 0)
    while found := run.pop():
        run.done(found[0])
    state = q.progress(client, 7)
    assert (state["pending"], state["queued"], state["held"]) == (0, 0, 0)
    q._drop(client, 7)
    assert run.add(b"page 2", 0, "fp2") == -1  # the run ended: nothing queued for nobody
    assert not client.exists(q.key(7, "requests")) and not client.exists(q.key(7, "pending"))


def test_a_run_is_not_settled_before_the_queue_holds_it(redis, tmp_path, monkeypatch):
    """The scheduler's settle job (every 2 s, in its own thread) ran between the run's record and
    its place on the queue, found no run on the queue and failed it as lost ("Redis restarted
    without its data"), while the workers went on to crawl it: once in a loaded `make test`."""
    from server.collect import crawlqueue as q
    from server.collect.crawls import add_source
    from server.store.brands import add_brand
    from server.store.db import open_db

    db = open_db(tmp_path / "w.db")
    add_brand(db, "Lumio")
    source = add_source(db, {"kind": "discourse", "url": "https://forum.example/latest", "brand": "Lumio"})
    enqueue = q.enqueue_run

    def settled_in_between(client, run_id: int, record: dict) -> None:
        assert q.settle(db, redis.url) == []  # the settle job at the worst moment: nothing to finish
        enqueue(client, run_id, record)

    monkeypatch.setattr(q, "enqueue_run", settled_in_between)
    run = q.start(db, source["id"], "manual", redis.url)
    assert run["status"] == "running" and run["queue"] == redis.url
    assert q.progress(q.connect(redis.url), run["id"])["seeded"] is not None
