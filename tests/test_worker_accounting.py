"""When a crawl worker lets a request stop being pending (``spiders.shared.Acknowledge``): only
after the requests its answer found were queued. Scrapy's scraper reads a callback's whole output
before it schedules any of it, so acknowledging at the end of the callback left moments with
nothing pending and nothing queued, in which the service ended a run "ok" and dropped the rest
(CI saw a run end with 64 of 500 pages never fetched)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.http import TextResponse

from spiders import shared


class Recorder:
    """A crawler's engine and scheduler that write down what happened, in order."""

    def __init__(self) -> None:
        self.events: list[str] = []
        scheduler = SimpleNamespace(done=lambda request: self.events.append(f"done {request.url}"))
        self.engine = SimpleNamespace(crawl=lambda request: self.events.append(f"queued {request.url}"),
                                      _slot=SimpleNamespace(scheduler=scheduler))  # fmt: skip


def _answer() -> TextResponse:
    return TextResponse(
        "http://forum.test/latest.json", body=b"{}", request=Request("http://forum.test/latest.json")
    )


def _output() -> list:
    return [
        Request("http://forum.test/t/1.json"),
        {"text": "a comment"},
        Request("http://forum.test/t/2.json"),
    ]


def test_the_answers_request_stops_pending_only_after_its_new_requests_are_queued():
    crawler = Recorder()
    middleware = shared.Acknowledge.from_crawler(crawler)
    passed = list(middleware.process_spider_output(_answer(), iter(_output())))
    assert passed == [{"text": "a comment"}]  # items go on to the scraper; requests were queued here
    assert crawler.events == ["queued http://forum.test/t/1.json", "queued http://forum.test/t/2.json",
                              "done http://forum.test/latest.json"]  # fmt: skip


def test_the_same_holds_for_an_asynchronous_output():
    crawler = Recorder()
    middleware = shared.Acknowledge.from_crawler(crawler)

    async def output():
        for o in _output():
            yield o

    async def collect():
        return [o async for o in middleware.process_spider_output_async(_answer(), output())]

    assert asyncio.run(collect()) == [{"text": "a comment"}]
    assert crawler.events[-1] == "done http://forum.test/latest.json" and len(crawler.events) == 3


def test_a_callback_that_fails_midway_is_not_acknowledged():
    """Its request stays held (and goes back if the worker dies) rather than ending half-read."""
    crawler = Recorder()
    middleware = shared.Acknowledge.from_crawler(crawler)

    def output():
        yield Request("http://forum.test/t/1.json")
        raise ValueError("the page changed shape")

    with pytest.raises(ValueError):
        list(middleware.process_spider_output(_answer(), output()))
    assert crawler.events == ["queued http://forum.test/t/1.json"]


def test_a_workers_crawl_acknowledges_nearest_the_engine():
    """Every other spider middleware sees the output first (depth, referer, length), so what
    ``Acknowledge`` queues is what the scraper would have."""
    from server import settings as gapwatch_settings
    from spiders.run import scrapy_settings

    config = gapwatch_settings.load()
    settings = scrapy_settings(config, allow_private=False)
    queue = "redis://127.0.0.1:1/0"
    ours = shared.crawl_settings(settings, config, queue, 7, "http://s", "t", "w")
    settings.setdict(ours, priority="cmdline")
    orders = {**settings.getdict("SPIDER_MIDDLEWARES_BASE"), **settings.getdict("SPIDER_MIDDLEWARES")}
    enabled = {name: order for name, order in orders.items() if order is not None}
    assert min(enabled, key=enabled.get) == "spiders.shared.Acknowledge", enabled
