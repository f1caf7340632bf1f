"""What every Gapwatch spider shares: its parameters, its budget, its report.

A spider is given one source: ``url``, ``brand``, ``comment_kind`` (customer or emitted),
``max_pages`` (pages of a paginated listing), ``params`` (kind-specific, e.g. an API key) and
the workspace (``db``, ``source_id``, ``run_id``). Subclasses only say which requests to start
with and which parser reads each answer; fetch failures, parse errors, the page budget and the
incremental stop ("this page holds nothing new: stop paginating") are handled here.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from server.store.db import open_db
from server.store.normalise import content_hash, normalise_text

from .parsers import Page, ParseError

MAX_ERRORS = 50  # kept per run; the count goes on


@dataclass
class Report:
    pages: int = 0
    skipped: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    def error(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(message)


def site_of(host: str) -> str:
    """The site a host belongs to: its last two labels (an IP address or a single label as is)."""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        labels = host.split(".")
        return ".".join(labels[-2:]) if len(labels) > 2 else host


class SourceSpider(scrapy.Spider):
    name: ClassVar[str] = "source"
    sites_also: ClassVar[tuple[str, ...]] = ()  # other sites the kind's API lives on

    def __init__(
        self,
        url: str,
        brand: str,
        db: str,
        comment_kind: str = "customer",
        source_id: int | None = None,
        run_id: int | None = None,
        max_pages: int = 20,
        max_requests: int = 2000,
        params: dict | str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url, self.brand, self.db_path = url, brand, db
        self.comment_kind = comment_kind
        self.source_id, self.run_id = source_id, run_id
        self.max_pages, self.max_requests = int(max_pages), int(max_requests)
        self.params = json.loads(params) if isinstance(params, str) else dict(params or {})
        self.sites = (site_of(parts.hostname), *self.sites_also)
        self.report = Report()
        self._pages_requested = 0
        self._store = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._on_error, signal=signals.spider_error)
        return spider

    # --- what subclasses use ----------------------------------------------------------------

    def first_requests(self) -> Iterator[scrapy.Request]:
        raise NotImplementedError

    def fetch(self, url: str, parse: str, *, page: bool = False, **kwargs: Any) -> scrapy.Request | None:
        """A request whose answer goes to ``self.<parse>(response, **kwargs)``, within budget.

        ``page`` marks a page of a paginated listing: those count against ``max_pages``.
        """
        if page:
            if self._pages_requested >= self.max_pages:
                return None
            self._pages_requested += 1
        if self.report.requests >= self.max_requests:
            self.report.error(
                f"request budget of {self.max_requests} reached; {url} and the rest not fetched"
            )
            return None
        self.report.requests += 1
        return scrapy.Request(
            url,
            callback=self._handle,
            errback=self._failed,
            cb_kwargs={"parse": parse, "kwargs": kwargs},
        )

    def emit(self, page: Page, *, paginate: bool = True) -> Iterator[Any]:
        """The page's comments as items, then (unless all of them were stored before) its next page."""
        self.report.skipped += page.skipped
        yield from page.comments
        if paginate and page.next_page and not page.end:
            if page.comments and self.all_stored(page.comments):
                return  # incremental: this page holds nothing new, nor will the older ones
            request = self.fetch(page.next_page, "parse_page", page=True)
            if request:
                yield request

    def all_stored(self, comments: list[dict]) -> bool:
        """Whether every comment is already in the workspace for this brand (from earlier runs).
        A trial crawl (no workspace) has stored nothing."""
        if not self.db_path:
            return False
        if self._store is None:
            self._store = open_db(self.db_path, migrate=False)
        hashes = {content_hash(normalise_text(c["text"])) for c in comments}
        found = self._store.execute(
            "SELECT count(DISTINCT content_hash) FROM comments JOIN brands b ON b.id = comments.brand_id "
            "WHERE lower(b.name) = lower(?) AND content_hash IN (SELECT value FROM json_each(?))",
            [self.brand, json.dumps(sorted(hashes))],
        ).fetchone()[0]
        return found == len(hashes)

    # --- plumbing -------------------------------------------------------------------------------

    async def start(self):  # noqa: ANN201 - Scrapy's async start
        for request in self.first_requests():
            if request is not None:
                yield request

    def _handle(self, response: Response, parse: str, kwargs: dict) -> Iterator[Any]:
        """Run the parser; a page counts as fetched once its answer could be read."""
        try:
            outputs = list(getattr(self, parse)(response, **kwargs))
        except ParseError as exc:
            self.report.error(f"{response.url}: {exc}")
            return
        self.report.pages += 1
        yield from outputs

    def _failed(self, failure: Failure) -> None:
        request = failure.request
        if failure.check(HttpError):
            status = failure.value.response.status
            self.report.error(f"{request.url}: HTTP {status}")
        elif failure.check(IgnoreRequest):
            self.report.error(str(failure.value))
        else:
            name = type(failure.value).__name__
            message = str(failure.value) or name
            self.report.error(f"{request.url}: {message}" if request.url not in message else message)

    def _on_error(self, failure: Failure, response: Response, spider: scrapy.Spider) -> None:
        self.report.error(f"{response.url}: {type(failure.value).__name__}: {failure.value}")

    def closed(self, reason: str) -> None:
        if self._store is not None:
            self._store.conn.close()
