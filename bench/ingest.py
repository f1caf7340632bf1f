"""Bulk import speed: 100,000 generated comments into a fresh store, then the same file again.

Runs `gapwatch import`'s own function (server.collect.files.import_file, the one ingestion path) and
prints comments per second, the median of --repeat runs, for the first import (all new) and the
second (all duplicates). The issue's bar: at least 20,000 comments/s, second run as fast or faster.

    python bench/ingest.py [--count 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from server.collect.files import import_file
from server.store.brands import add_brand
from server.store.db import open_db

WORDS = (
    "sync",
    "support",
    "price",
    "fast",
    "slow",
    "reliable",
    "never",
    "lost",
    "file",
    "team",
    "app",
    "update",
    "backup",
    "folder",
    "share",
    "easy",
    "setup",
    "great",
    "terrible",
    "answer",
    "ticket",
    "plan",
    "cheap",
    "expensive",
    "outage",
    "works",
    "crash",
    "love",
    "hate",
)


def generate(path: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40)))
            item = {
                "text": f"{text.capitalize()}. Review {i}.",
                "url": f"https://reviews.example.com/r/{i}",
                "author": f"user{rng.randrange(5000)}",
                "published_at": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z",
                "rating": rng.randint(1, 5),
            }
            out.write(json.dumps(item) + "\n")


def timed_import(db, path: Path) -> tuple[float, dict]:
    start = time.perf_counter()
    report = import_file(db, path, brand="Bench")
    return time.perf_counter() - start, report.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    first_rates, second_rates = [], []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "comments.jsonl"
        generate(data, args.count)
        for run in range(args.repeat):
            db = open_db(Path(tmp) / f"store{run}.db")
            add_brand(db, "Bench")
            seconds, counts = timed_import(db, data)
            assert counts["new"] == args.count, counts
            first_rates.append(args.count / seconds)
            seconds, counts = timed_import(db, data)
            assert counts["duplicate"] == args.count, counts
            second_rates.append(args.count / seconds)
            db.close()
            print(f"run {run + 1}: first {first_rates[-1]:,.0f}/s, second {second_rates[-1]:,.0f}/s")
    first, second = statistics.median(first_rates), statistics.median(second_rates)
    print(f"comments: {args.count:,} per import, median of {args.repeat} runs")
    print(f"first import (all new):        {first:,.0f} comments/s")
    print(f"second import (all duplicate): {second:,.0f} comments/s")
    print(f"second / first:                {second / first:.2f}x")


if __name__ == "__main__":
    main()
