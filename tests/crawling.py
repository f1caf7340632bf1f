"""Helpers for crawl tests: quick crawl settings and a one-call crawl through the real path."""

from __future__ import annotations

import pytest

from server.collect.crawls import add_source, run_source

FAST = {
    "GAPWATCH_CRAWL_DELAY": "0",
    "GAPWATCH_CRAWL_BACKOFF": "0.1",
    "GAPWATCH_CRAWL_TIMEOUT": "3",
    "GAPWATCH_CRAWL_RETRIES": "1",
}


@pytest.fixture
def fast_crawls(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)


def crawl(db, kind: str, url: str, *, brand: str = "Acme", allow_private: bool = True, **source) -> dict:
    """Crawl once through a child process, as `gapwatch crawl` does; answer the finished run."""
    record = add_source(db, {"kind": kind, "url": url, "brand": brand, **source}, one_off=True)
    return run_source(db, record["id"], trigger="test", allow_private=allow_private, time_limit=120)


def crawl_source(db, source_id: int) -> dict:
    return run_source(db, source_id, trigger="test", allow_private=True, time_limit=120)
