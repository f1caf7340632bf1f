"""Crawl workers on a shared Redis queue: ``gapwatch worker --redis … --server … --token …``.

A worker takes runs the service put on the queue (``server.collect.crawlqueue``) and crawls them with
the source's own spider, on scrapy-redis's scheduler and duplicate filter keyed by run, so any
number of workers on any number of machines share one request queue and never fetch an address
twice. It never opens the workspace's database: what it finds goes to the service through
``POST /api/comments?run=<id>`` (batched per page, retried with back-off while the service is
away; ingestion is idempotent, so a retry stores nothing twice).

- **Accounting**: a request counts as pending from when it is queued until the comments of its
  answer were acknowledged and the requests it led to were queued (``Acknowledge``); the service
  finishes the run when none is pending.
- **Dead workers**: what a worker takes is recorded as held by it; a worker's crawl process dies
  with it (``PR_SET_PDEATHSIG``) and its heartbeat expires, and the held requests go back to the
  queue for the others (``crawlqueue.requeue_dead``).
- **Politeness across workers**: per-site concurrency and delay are counted in Redis
  (``SharedPoliteness``), and robots.txt is fetched once per site for all (``SharedRobotsTxt``).

The supervisor (``work``) runs one crawl process at a time and joins a run that has requests
waiting (or none queued yet); ``python -m spiders.shared crawl …`` is that process.

Its rooms: ``accounting`` (the scheduler and ``Acknowledge``), ``politeness``, ``delivery``
(``Poster``), ``spider`` (``SharedRun``), ``process`` (one crawl process) and ``worker``.
"""

from __future__ import annotations

from .accounting import BAD_TOKEN, QUEUE_GONE, Acknowledge, SharedScheduler
from .delivery import BadToken, Poster
from .politeness import SharedPoliteness, SharedRobotsTxt
from .process import crawl, crawl_settings
from .spider import SharedRun, shared_spider
from .worker import check_token, main, work

__all__ = [
    "BAD_TOKEN",
    "QUEUE_GONE",
    "Acknowledge",
    "BadToken",
    "Poster",
    "SharedPoliteness",
    "SharedRobotsTxt",
    "SharedRun",
    "SharedScheduler",
    "check_token",
    "crawl",
    "crawl_settings",
    "main",
    "shared_spider",
    "work",
]
