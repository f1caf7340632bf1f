"""What the worker tests and ``bench/crawl.py`` share: Debian's redis-server on a loopback port,
a loopback forum of 500 pages (20 pages of latest topics, 24 topics each: a Discourse forum's
JSON), a service with the workers' queue on, and worker processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tests.fixture_site import Answer, Site

LISTINGS, PER_LISTING = 20, 24  # 20 + 480 = 500 pages, 480 comments
GAPWATCH = str(Path(sys.executable).with_name("gapwatch"))


def redis_path() -> str | None:
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Redis:
    """A redis-server of its own on a loopback port, without persistence; stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="redis-")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [redis_path(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until_up(lambda: socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close(), 10,
                      "redis-server")  # fmt: skip

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def forum(delay: float = 0.0, listings: int = LISTINGS) -> Site:
    """A Discourse forum of 500 JSON pages (``listings`` pages of 24 topics and the topics);
    each answer takes ``delay`` seconds. ``site.busiest`` is the most requests it ever answered
    at once; ``site.pages`` and ``site.comments`` what it holds."""
    site = Site()
    site.busiest, site.active = 0, 0
    site.pages, site.comments = listings + listings * PER_LISTING, listings * PER_LISTING
    lock = threading.Lock()

    def counted(path: str, query: dict) -> Answer | None:
        with lock:
            site.active += 1
            site.busiest = max(site.busiest, site.active)
        try:
            time.sleep(delay)
            return route(path, query)
        finally:
            with lock:
                site.active -= 1

    def route(path: str, query: dict) -> Answer | None:
        if path == "/latest.json":
            page = int(query.get("page", 0))
            topics = [{"id": page * PER_LISTING + i + 1, "slug": f"topic-{page * PER_LISTING + i + 1}"}
                      for i in range(PER_LISTING)]  # fmt: skip
            more = {"more_topics_url": f"/latest?page={page + 1}"} if page + 1 < listings else {}
            body = {"topic_list": {"topics": topics, **more}}
        elif path.startswith("/t/") and path.endswith(".json"):
            topic = int(path.rsplit("/", 1)[1].removesuffix(".json"))
            post = {"id": topic, "topic_id": topic, "topic_slug": f"topic-{topic}", "post_number": 1,
                    "username": f"member{topic}", "created_at": "2026-10-01T10:00:00Z",
                    "cooked": f"<p>Post {topic}: sync has been solid for a team of {topic}.</p>"}  # fmt: skip
            body = {
                "id": topic,
                "title": f"Topic {topic}",
                "post_stream": {"posts": [post], "stream": [topic]},
            }
        elif path == "/robots.txt":
            return Answer(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        else:
            return None
        return Answer(json.dumps(body).encode(), content_type="application/json")

    site.routes.append(counted)
    return site


def pages_fetched(site: Site) -> list[str]:
    return [hit for hit in site.hits if hit != "/robots.txt"]


def wait_until_up(probe, seconds: float, what: str) -> None:
    """Call ``probe`` until it no longer raises ``OSError``, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            probe()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start")


class Served:
    """`gapwatch serve` of a workspace on a free loopback port, with ``env`` on top of this
    process's; a test can stop and start it again."""

    def __init__(self, db_path: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "GAPWATCH_DB": str(db_path), **env}
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([GAPWATCH, "serve", "--port", str(self.port)], env=self.env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        wait_until_up(lambda: urllib.request.urlopen(self.url + "/api/health", timeout=1).close(), 30,
                      "gapwatch serve")  # fmt: skip

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(15)
            self.proc = None


class Service(Served):
    """`gapwatch serve` with the scheduler on and the workers' queue at ``redis_url``; its classifier
    job is off (these tests count what is stored, not its tags)."""

    def __init__(self, db_path: Path, redis_url: str, **env: str) -> None:
        super().__init__(db_path, **{"GAPWATCH_REDIS_URL": redis_url, "GAPWATCH_SCHEDULER": "1",
                                     "GAPWATCH_CLASSIFY_EVERY": "0", "GAPWATCH_CRAWL_DELAY": "0",
                                     "GAPWATCH_CRAWL_ALLOW_PRIVATE_NETWORKS": "1", **env})  # fmt: skip


def start_worker(redis_url: str, server: str, token: str, name: str, **env: str) -> subprocess.Popen:
    environ = {**os.environ, "GAPWATCH_CRAWL_DELAY": "0", "GAPWATCH_CRAWL_ALLOW_PRIVATE_NETWORKS": "1", **env}
    return subprocess.Popen(
        [GAPWATCH, "worker", "--redis", redis_url, "--server", server, "--token", token, "--name", name],
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip


def stop_worker(worker: subprocess.Popen) -> str:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(5)
    return worker.stdout.read() if worker.stdout else ""


def wait_for_run(db_path: Path, run_id: int, timeout: float = 180) -> dict:
    from server.collect.crawls import get_run
    from server.store.db import open_db

    deadline = time.monotonic() + timeout
    while True:
        db = open_db(db_path, migrate=False)
        try:
            run = get_run(db, run_id)
        finally:
            db.close()
        if run["status"] != "running" or time.monotonic() > deadline:
            return run
        time.sleep(0.3)
