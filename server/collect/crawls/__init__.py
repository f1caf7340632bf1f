"""Sources (what to crawl, for which brand, how often) and crawl runs (what each crawl did).

A crawl runs in its own process (``python -m spiders.run``) so that the Twisted reactor stays
out of the web server and the scheduler. ``run_source`` starts that process, waits for it, and
makes sure the run ends recorded: if the process dies (killed, out of memory), the run is marked
``failed`` with the comments it had already stored counted. A source never has two runs at
once: the store itself refuses a second ``running`` row for a source.

Its rooms: ``kinds`` (the kinds of source and the sites they take), ``sources``, ``runs`` and
``process`` (a crawl in its child process, and a trial of one page).
"""

from __future__ import annotations

from server.collect.crawls.kinds import (
    CHOICE_NAMES,
    CHOICES,
    KIND_NAMES,
    KINDS,
    STATUSES,
    kind_name,
    recognise,
    recognise_choice,
)
from server.collect.crawls.process import demo_site_prefix, run_source, try_source
from server.collect.crawls.runs import (
    fail_orphans,
    finish_run,
    get_run,
    health,
    in_words,
    list_runs,
    source_of_run,
    start_run,
    summary,
)
from server.collect.crawls.sources import (
    add_source,
    get_source,
    list_sources,
    request_run,
    scheduled_sources,
    take_run_requests,
    update_source,
)

__all__ = [
    "CHOICES",
    "CHOICE_NAMES",
    "KINDS",
    "KIND_NAMES",
    "STATUSES",
    "add_source",
    "demo_site_prefix",
    "fail_orphans",
    "finish_run",
    "get_run",
    "get_source",
    "health",
    "in_words",
    "kind_name",
    "list_runs",
    "list_sources",
    "recognise",
    "recognise_choice",
    "request_run",
    "run_source",
    "scheduled_sources",
    "source_of_run",
    "start_run",
    "summary",
    "take_run_requests",
    "try_source",
    "update_source",
]
