"""Crawl speed through the full path: loopback pages → spider → pipeline → ingest → store.

Serves --pages generated review pages (schema.org JSON-LD, --reviews each, chained by
rel=next) from a loopback HTTP server, crawls them with the `schemaorg` spider exactly as a
scheduled run does (`server.crawls.run_source`: a child process, robots.txt, AutoThrottle, the
ingest pipeline; only the per-site delay is set to 0), and prints pages/s and comments/s, the
median of --repeat runs, each into a fresh workspace. Next to it, in the same process tree,
`scrapy bench` (Scrapy's own loopback benchmark: link following, no parsing, no storage) for
the same number of repeats.

    python bench/crawl.py [--pages 500] [--reviews 10] [--repeat 3]
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

from server.brands import add_brand
from server.crawls import add_source, run_source
from server.db import open_db
from server.taxonomy import ensure_taxonomy

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


if __name__ == "__main__":
    main()
