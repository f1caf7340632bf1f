"""The worker (``gapwatch worker``): one crawl process at a time, a heartbeat, and the run it joins."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from typing import Any

from server.collect import crawlqueue as q

from .accounting import BAD_TOKEN
from .delivery import BadToken, _said
from .process import _die_with_parent, crawl

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
