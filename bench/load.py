"""Load: 50 concurrent clients posting clips and reading the overview, against `gapwatch serve`,
while 120 idle sockets are held open and 8 clients send searches of 8,000 words.

Builds the demo workspace (classified, as `make run` does), adds an editor with a clip-only
token for the clients that clip and a full token for those that read, starts the production
server (waitress, scheduler on) on loopback, and runs --clients threads for --seconds: each
client, on its own keep-alive connection, alternates at random between posting a new clip and
reading the overview page. At the same time --idle sockets connect and send nothing, --long
clients search the comments with a q= of 8,000 words (each must be refused with a 400 at once),
and a prober asks ``/api/health`` on a new connection four times a second. It prints requests/s,
p50/p95/p99 latency per kind, the health probe's p95 and worst, the errors, and the clips
acknowledged against the clips in the store (expected: zero errors, zero lost, health p95 under 1 s).

    python bench/load.py [--clients 50] [--seconds 60] [--idle 120] [--long 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

GAPWATCH = Path(sys.executable).with_name("gapwatch")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cli(env: dict, *args: str, stdin: str | None = None) -> str:
    return subprocess.run([GAPWATCH, *args], env=env, input=stdin, text=True, check=True,
                          capture_output=True).stdout.strip()  # fmt: skip


class Client(threading.Thread):
    def __init__(self, number: int, port: int, clip_token: str, read_token: str, deadline: float) -> None:
        super().__init__(daemon=True)
        self.number, self.port, self.deadline = number, port, deadline
        self.clip_headers = {"Authorization": f"Bearer {clip_token}", "Content-Type": "application/json"}
        self.read_headers = {"Authorization": f"Bearer {read_token}"}
        self.timings: dict[str, list[float]] = {"clip": [], "overview": []}
        self.errors: list[str] = []
        self.acknowledged: list[str] = []

    def run(self) -> None:
        rng = random.Random(self.number)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = 0
        while time.monotonic() < self.deadline:
            kind = "clip" if rng.random() < 0.5 else "overview"
            started = time.perf_counter()
            try:
                if kind == "clip":
                    text = f"load client {self.number} clip {sent}: sync has been reliable for us"
                    body = json.dumps(
                        {"text": text, "url": f"https://forum.example.com/t/{self.number}/{sent}"}
                    )
                    conn.request("POST", "/api/clips", body=body, headers=self.clip_headers)
                    sent += 1
                else:
                    conn.request("GET", "/overview", headers=self.read_headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                continue
            self.timings[kind].append((time.perf_counter() - started) * 1000)
            expected = 201 if kind == "clip" else 200
            if response.status != expected:
                self.errors.append(f"{kind}: HTTP {response.status}")
            elif kind == "clip":
                self.acknowledged.append(text)
        conn.close()


class LongSearches(threading.Thread):
    """A viewer who sends searches of 8,000 words over and over (each should be a quick 400)."""

    def __init__(self, port: int, read_token: str, deadline: float) -> None:
        super().__init__(daemon=True)
        self.port, self.deadline = port, deadline
        self.headers = {"Authorization": f"Bearer {read_token}"}
        self.timings: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        from urllib.parse import quote

        query = quote(" ".join(f"word{i}" for i in range(8000)))
        while time.monotonic() < self.deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=180)
            started = time.perf_counter()
            try:
                conn.request("GET", f"/api/comments?q={query}", headers=self.headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"long search: {type(exc).__name__}: {exc}")
                continue
            finally:
                conn.close()
            self.timings.append((time.perf_counter() - started) * 1000)
            if response.status != 400:
                self.errors.append(f"long search: HTTP {response.status} (expected a 400)")


class HealthProbe(threading.Thread):
    """``GET /api/health`` on a new connection every 0.25 s: what a load balancer would see."""

    def __init__(self, port: int, deadline: float) -> None:
        super().__init__(daemon=True)
        self.port, self.deadline = port, deadline
        self.timings: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", "/api/health")
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != 200:
                    self.errors.append(f"health: HTTP {response.status}")
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"health: {type(exc).__name__}: {exc}")
            self.timings.append((time.perf_counter() - started) * 1000)
            time.sleep(max(0.0, 0.25 - (time.perf_counter() - started)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--idle", type=int, default=120, help="idle sockets held open meanwhile")
    parser.add_argument("--long", type=int, default=8, help="clients sending 8,000-word searches meanwhile")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="gapwatch-load-"))
    db_path = folder / "load.db"
    env = {**os.environ, "GAPWATCH_DB": str(db_path)}
    clip_token, read_token = _workspace(env)
    port = _free_port()
    server = subprocess.Popen([GAPWATCH, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait_until_up(port, server)
        print(f"{args.clients} clients for {args.seconds:.0f} s against gapwatch serve on 127.0.0.1:{port}…",
              flush=True)  # fmt: skip
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(args.idle)]
        print(f"{len(idle)} idle sockets open, {args.long} clients sending 8,000-word searches", flush=True)
        started = time.monotonic()
        clients = [
            Client(i, port, clip_token, read_token, started + args.seconds) for i in range(args.clients)
        ]
        searches = [LongSearches(port, read_token, started + args.seconds) for _ in range(args.long)]
        probe = HealthProbe(port, started + args.seconds)
        for thread in (*clients, *searches, probe):
            thread.start()
        for thread in (*clients, *searches, probe):
            thread.join()
        elapsed = time.monotonic() - started
        for sock in idle:
            sock.close()
    finally:
        server.terminate()
        server.wait(30)
    report(db_path, clients, searches, probe, elapsed, args.idle)
    shutil.rmtree(folder, ignore_errors=True)


def _workspace(env: dict) -> tuple[str, str]:
    """The demo workspace, classified, with an editor and its clip and read tokens."""
    print("building the demo workspace (classified)…", flush=True)
    _cli(env, "demo")
    _cli(env, "classify")
    _cli(
        env,
        "users",
        "add",
        "loadtest",
        "--role",
        "editor",
        "--password-stdin",
        stdin="a long load-test password\n",
    )
    clip_token = _cli(
        env, "tokens", "create", "--name", "load clips", "--user", "loadtest", "--scope", "clip"
    )
    read_token = _cli(env, "tokens", "create", "--name", "load reads", "--user", "loadtest")
    return clip_token, read_token


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("gapwatch serve did not start") from None
            time.sleep(0.3)


def report(db_path: Path, clients: list, searches: list, probe, elapsed: float, idle: int) -> None:
    """Throughput, latencies, errors, and whether every acknowledged clip is in the store."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    stored = {r[0] for r in conn.execute("SELECT text FROM comments WHERE origin = 'clip'")}
    conn.close()
    acknowledged = [t for c in clients for t in c.acknowledged]
    errors = [e for c in clients for e in c.errors]
    total = sum(len(c.timings[k]) for c in clients for k in c.timings)
    print(f"requests: {total:,} in {elapsed:.1f} s = {total / elapsed:.1f} requests/s")
    for kind in ("clip", "overview"):
        values = [v for c in clients for v in c.timings[kind]]
        if values:
            p50, p95, p99 = np.percentile(values, [50, 95, 99])
            print(f"{kind:<9} n={len(values):<6} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p99 {p99:7.1f} ms")
    searched = [v for t in searches for v in t.timings]
    if searched:
        p50, p95 = np.percentile(searched, [50, 95])
        print(f"{'q=8000w':<9} n={len(searched):<6} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (refused: 400)")
    if probe.timings:
        p50, p95 = np.percentile(probe.timings, [50, 95])
        print(f"{'health':<9} n={len(probe.timings):<6} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
              f"worst {max(probe.timings):7.1f} ms  ({idle} idle sockets held)")  # fmt: skip
    errors += [e for t in (*searches, probe) for e in t.errors]
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    lost = len(set(acknowledged) - stored)
    print(f"clips acknowledged: {len(acknowledged):,}; in the store: {len(stored):,}; lost: {lost}")


if __name__ == "__main__":
    main()
