"""Crawl speed through the full path: loopback pages → spider → pipeline → ingest → store.

Serves --pages generated review pages (schema.org JSON-LD, --reviews each, chained by
rel=next) from a loopback HTTP server, crawls them with the `schemaorg` spider exactly as a
scheduled run does (`server.collect.crawls.run_source`: a child process, robots.txt, AutoThrottle, the
ingest pipeline; only the per-site delay is set to 0), and prints pages/s and comments/s, the
median of --repeat runs, each into a fresh workspace. Next to it, in the same process tree,
`scrapy bench` (Scrapy's own loopback benchmark: link following, no parsing, no storage) for
the same number of repeats.

Then crawl workers on a shared Redis (``gapwatch worker``, issue 21): Debian's redis-server on a
loopback port, `gapwatch serve` with ``GAPWATCH_REDIS_URL``, and 1, 2 and 3 worker processes on
a loopback forum of 500 JSON pages that fans out (20 listing pages of 24 topics each, as a
Discourse forum does; a chain of pages cannot be shared by workers), each answer held
--forum-delay seconds as a distant site's would be. Next to them the same forum crawled the way
a single process does it today (``run_source``). Pages/s from the run being queued to the
service finishing it; and the machine's CPU use meanwhile, which shows where it caps.

    python bench/crawl.py [--pages 500] [--reviews 10] [--repeat 3] [--forum-delay 0.02] [--no-workers]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from server.classify.taxonomy import ensure_taxonomy
from server.collect.crawls import add_source, request_run, run_source
from server.store.brands import add_brand
from server.store.db import open_db

WORDS = [
    "lamp",
    "bright",
    "dim",
    "sturdy",
    "broke",
    "support",
    "price",
    "cheap",
    "fast",
    "slow",
    "app",
    "warm",
]


def page(number: int, pages: int, reviews: int) -> bytes:
    rng = number * 7919
    items = []
    for i in range(reviews):
        words = [WORDS[(rng + i * 31 + k * 17) % len(WORDS)] for k in range(12)]
        items.append(
            {
                "@type": "Review",
                "@id": f"https://shop.example/review/{number}-{i}",
                "reviewBody": f"Review {number}-{i}: " + " ".join(words) + ".",
                "author": {"@type": "Person", "name": f"customer {number}-{i}"},
                "datePublished": "2026-01-01",
                "reviewRating": {"ratingValue": str(1 + (number + i) % 5)},
            }
        )
    data = json.dumps({"@context": "https://schema.org", "@type": "Product", "name": "Lamp", "review": items})
    link = f'<link rel="next" href="/p/{number + 1}">' if number < pages else ""
    script = f'<script type="application/ld+json">{data}</script>'
    return f"<html><head>{link}{script}</head><body></body></html>".encode()


def serve(pages: int, reviews: int) -> ThreadingHTTPServer:
    bodies = {f"/p/{n}": page(n, pages, reviews) for n in range(1, pages + 1)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms ACK stall

        def do_GET(self) -> None:  # noqa: N802
            body = bodies.get(self.path)
            self.send_response(200 if body else 404)
            body = body or b"not found"
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def gapwatch_crawl(base: str, pages: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "bench.db")
        ensure_taxonomy(db)
        add_brand(db, "Acme")
        source = add_source(
            db, {"kind": "schemaorg", "url": f"{base}/p/1", "brand": "Acme", "max_pages": pages}
        )
        started = time.perf_counter()
        run = run_source(db, source["id"], trigger="bench", allow_private=True)
        seconds = time.perf_counter() - started
        if run["status"] != "ok":
            raise SystemExit(f"the crawl did not succeed: {run['status']} {run['errors'][:3]}")
        stored = db.execute("SELECT count(*) FROM comments").fetchone()[0]
        db.close()
    return seconds, run["pages"], stored


def scrapy_bench(seconds: int) -> float:
    """Pages/s of `scrapy bench` (its own loopback server and link-following spider)."""
    with tempfile.TemporaryDirectory() as folder:  # outside the project: plain Scrapy defaults
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "scrapy",
                "bench",
                "-s",
                f"CLOSESPIDER_TIMEOUT={seconds}",
                "-s",
                "LOG_LEVEL=INFO",
            ],
            capture_output=True,
            text=True,
            cwd=folder,
            check=True,
        )
    stats = result.stderr
    pages = int(re.search(r"'response_received_count': (\d+)", stats).group(1))
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", stats).group(1))
    return pages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--reviews", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scrapy-seconds", type=int, default=10)
    parser.add_argument("--forum-delay", type=float, default=0.02, help="seconds each forum answer is held")
    parser.add_argument("--no-workers", dest="workers", action="store_false", help="skip the workers' part")
    args = parser.parse_args()
    os.environ["GAPWATCH_CRAWL_DELAY"] = "0"
    server = serve(args.pages, args.reviews)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    rates, comment_rates = [], []
    for attempt in range(1, args.repeat + 1):
        seconds, pages, stored = gapwatch_crawl(base, args.pages)
        if pages != args.pages or stored != args.pages * args.reviews:
            raise SystemExit(
                f"expected {args.pages} pages and {args.pages * args.reviews} comments, got {pages}, {stored}"
            )
        rates.append(pages / seconds)
        comment_rates.append(stored / seconds)
        print(f"gapwatch crawl {attempt}: {pages} pages, {stored} comments in {seconds:.1f} s", flush=True)
    server.shutdown()
    bench = []
    for attempt in range(1, args.repeat + 1):
        bench.append(scrapy_bench(args.scrapy_seconds))
        print(f"scrapy bench {attempt}: {bench[-1]:.0f} pages/s", flush=True)
    ours, theirs = statistics.median(rates), statistics.median(bench)
    print(f"\nfull path (spider → pipeline → store), median of {args.repeat}, process start included:")
    print(f"  {ours:.1f} pages/s, {statistics.median(comment_rates):.0f} comments/s")
    print(f"scrapy bench, median of {args.repeat}: {theirs:.1f} pages/s")
    print(f"ratio full path / scrapy bench: {ours / theirs:.2f}")
    if args.workers:
        workers_bench(args.repeat, args.forum_delay, ours, theirs)


def _cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def workers_bench(repeat: int, delay: float, single_rate: float, scrapy_rate: float) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the test suite's loopback parts
    from tests.workers import (
        LISTINGS,
        PER_LISTING,
        Redis,
        Service,
        forum,
        redis_path,
        start_worker,
        stop_worker,
    )

    if redis_path() is None:
        print("\nworkers: skipped (no redis-server; apt-get install redis-server)")
        return
    pages = LISTINGS + LISTINGS * PER_LISTING
    print(f"\nworkers on a shared Redis: a forum of {pages} pages, each answer held {delay * 1000:.0f} ms; "
          f"this machine has {os.cpu_count()} cores")  # fmt: skip
    parts = (forum, Redis, Service, start_worker, stop_worker)
    for per_site in (2, 16):  # the polite default, then the site opened wide to find the machine's cap
        os.environ["GAPWATCH_CRAWL_PER_SITE"] = str(per_site)
        results: dict[str, list[tuple[float, float]]] = {}
        for label, count in (
            ("single process (today)", 0),
            ("1 worker", 1),
            ("2 workers", 2),
            ("3 workers", 3),
        ):
            for attempt in range(1, repeat + 1):
                rate, busy = _forum_crawl(count, delay, *parts)
                results.setdefault(label, []).append((rate, busy))
                print(
                    f"[{per_site} per site] {label} {attempt}: {rate:.1f} pages/s, CPU {busy:.0%}", flush=True
                )
        print(f"\n{per_site} requests at once per site (GAPWATCH_CRAWL_PER_SITE), median of {repeat}, "
              "from the run queued to the run finished; CPU of the whole machine meanwhile:")  # fmt: skip
        base = statistics.median(r for r, _ in results["single process (today)"])
        for label, runs in results.items():
            rate = statistics.median(r for r, _ in runs)
            busy = statistics.median(b for _, b in runs)
            print(
                f"  {label:<24} {rate:6.1f} pages/s  {rate / base:4.2f}x the single process  CPU {busy:.0%}"
            )
        one = statistics.median(r for r, _ in results["1 worker"])
        three = statistics.median(r for r, _ in results["3 workers"])
        busy3 = statistics.median(b for _, b in results["3 workers"])
        if three < one * 1.2 and busy3 > 0.75:
            why = (f"this machine's CPU: {os.cpu_count()} cores shared by the service (which stores every "
                   f"comment), the workers and the site are {busy3:.0%} busy")  # fmt: skip
        elif three < one * 1.2:
            why = f"the site's politeness ({per_site} at once), not the CPU ({busy3:.0%} busy)"
        else:
            why = "nothing yet: three workers are faster than one"
        print(f"  where it caps: {why}\n")
    os.environ.pop("GAPWATCH_CRAWL_PER_SITE")
    print(f"(schema.org chain, single process: {single_rate:.1f} pages/s; "
          f"scrapy bench: {scrapy_rate:.1f} pages/s)")  # fmt: skip


def _forum_crawl(workers: int, delay: float, *parts) -> tuple[float, float]:
    """Crawl the forum once with ``workers`` workers (0: in a child process, as without Redis);
    answer pages/s and the share of the machine's CPU that was busy."""
    from server.collect.crawlqueue import WORKERS, connect
    from server.people.accounts import add_user
    from server.people.tokens import create_token

    forum, Redis, Service, start_worker, stop_worker = parts
    with tempfile.TemporaryDirectory() as folder, forum(delay=delay) as site:
        path = Path(folder) / "bench.db"
        db = open_db(path)
        ensure_taxonomy(db)
        add_brand(db, "Lumio")
        add_user(db, "crawler", "a long crawler password", "editor")
        _record, token = create_token(db, "workers", "crawler")
        source = add_source(
            db, {"kind": "discourse", "url": site.url("/latest"), "brand": "Lumio", "max_pages": 30}
        )
        if workers == 0:
            cpu0, started = _cpu(), time.perf_counter()
            run = run_source(db, source["id"], trigger="bench", allow_private=True)
            seconds, cpu1 = time.perf_counter() - started, _cpu()
        else:
            redis = Redis()
            redis.start()
            # the service's classifier job on, as deployed (the tests' Service turns it off)
            service = Service(path, redis.url, GAPWATCH_CLASSIFY_EVERY="3600")
            service.start()
            running = [start_worker(redis.url, service.url, token, f"bench{i}") for i in range(workers)]
            try:
                client = connect(redis.url)
                while client.scard(WORKERS) < workers:
                    time.sleep(0.05)
                request_run(db, source["id"])
                while db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 0:
                    time.sleep(0.02)
                cpu0, started = _cpu(), time.perf_counter()
                while db.execute("SELECT status FROM crawl_runs").fetchone()[0] == "running":
                    time.sleep(0.05)
                seconds, cpu1 = time.perf_counter() - started, _cpu()
                run = {"status": db.execute("SELECT status FROM crawl_runs").fetchone()[0]}
            finally:
                [stop_worker(w) for w in running]
                service.stop()
                redis.stop()
        pages = db.execute("SELECT pages FROM crawl_runs").fetchone()[0]
        db.close()
    if run["status"] != "ok":
        raise SystemExit(f"the forum crawl with {workers} workers did not succeed: {run}")
    busy = (cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1])
    return pages / seconds, busy


if __name__ == "__main__":
    main()
