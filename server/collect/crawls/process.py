"""A crawl in its own process (``python -m spiders.run``): a source crawled and waited for, or one
page of a source not saved yet tried."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from sqlite_utils import Database

from server.collect.crawls.kinds import recognise_choice
from server.collect.crawls.runs import finish_run, get_run, in_words, start_run
from server.collect.crawls.sources import _checked, get_source
from server.store.db import write_transaction
from server.store.normalise import check_url

TRIAL_SECONDS = 60  # a trial crawl of one page is stopped after this long
STOP_POLL = 0.5  # seconds between looks at whether the service is stopping, while a crawl runs


def demo_site_prefix(db: Database, url: str) -> list[str]:
    """The crawler's arguments that let a source of the demo workspace reach the demo's own
    pages on this server (``/demo-site/`` only; see ``demo.open_demo_site``), else none."""
    row = db.execute("SELECT value FROM meta WHERE key = 'demo_site_url'").fetchone()
    if row and row[0] and url.startswith(row[0]) and ".." not in url[len(row[0]) :]:
        return ["--allow-prefix", row[0]]
    return []


SNIFFED = ("schemaorg", "feed", "discourse")  # what an unknown site's page is tried as, in turn


def try_source(db: Database, data: Any, *, allow_private: bool = False) -> dict:
    """Crawl one page of a source that is not saved yet, storing nothing: answer what was found
    (``status``, ``found``, the first ``comments``, ``errors`` in words), so a person sees it
    before saving. The source is checked as ``add_source`` checks it.

    Without a kind (or ``"auto"``), an address whose site does not say its kind is recognised by
    its page: read as review markup, then as a feed, then as a Discourse forum; the first that
    finds comments is the kind (``recognised``: True). A page that cannot be fetched is not
    tried again as another kind."""
    if isinstance(data, dict) and data.get("kind") in (None, "", "auto") and isinstance(data.get("url"), str):
        try:
            unknown = recognise_choice(check_url(data["url"])) is None
        except ValueError:
            unknown = False  # the check below says what is wrong with it
        if unknown:
            fetched = True
            for kind in SNIFFED:
                result = try_source(db, {**data, "kind": kind}, allow_private=allow_private)
                if kind == SNIFFED[0]:
                    fetched = bool(result.get("pages"))  # read as a page at all, or failed to load
                if result["found"] or not fetched:
                    break
            result["recognised"] = bool(result["found"])
            if fetched and not result["found"]:
                result["reasons"] = ["Gapwatch could not recognise this page: it has no review markup, "
                                     "it is not a feed nor a Discourse forum; choose its kind"]  # fmt: skip
            return result
    item, url, kind, brand = _checked(db, data)
    source = {"kind": kind, "url": url, "brand": brand["name"],
              "comment_kind": item["comment_kind"] or "customer", "params": item["params"] or {}}  # fmt: skip
    command = [sys.executable, "-m", "spiders.run", "--try", json.dumps(source), *demo_site_prefix(db, url)]
    if allow_private:
        command.append("--allow-private-networks")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TRIAL_SECONDS, check=False)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except subprocess.TimeoutExpired:
        result = {"status": "failed", "found": 0, "comments": [],
                  "errors": [f"the page took longer than {TRIAL_SECONDS} s (timed out)"]}  # fmt: skip
    except (OSError, ValueError, IndexError) as exc:
        result = {
            "status": "failed",
            "found": 0,
            "comments": [],
            "errors": [f"could not start the crawler: {exc}"],
        }
    result["kind"] = kind
    result["reasons"] = [in_words(e) for e in result.get("errors", [])]
    return result


def run_source(
    db: Database,
    source_id: int,
    *,
    trigger: str = "manual",
    allow_private: bool = False,
    time_limit: float | None = None,
    on_start: Callable[[int, int], None] | None = None,
    stderr: Any = subprocess.DEVNULL,
    progress: bool = False,
    stop: Callable[[], bool] | None = None,
) -> dict:
    """Crawl a source in a child process and wait for it; answer the finished run.

    ``stderr=None`` lets the child's warnings (and, with ``progress``, a status line) through.
    When ``stop`` answers true (the service is stopping) the child is stopped and the run failed
    with that reason; what it stored so far stays.
    """
    run_id = start_run(db, source_id, trigger)
    command = [sys.executable, "-m", "spiders.run", "--db", _db_path(db), "--run-id", str(run_id),
               *demo_site_prefix(db, get_source(db, source_id)["url"])]  # fmt: skip
    if allow_private:
        command.append("--allow-private-networks")
    if progress:
        command.append("--progress")
    try:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True)
    except OSError as exc:
        finish_run(db, run_id, {"status": "failed", "errors": [f"could not start the crawler: {exc}"]})
        return get_run(db, run_id)
    with write_transaction(db):
        db.execute("UPDATE crawl_runs SET pid = ? WHERE id = ?", [child.pid, run_id])
    if on_start is not None:
        on_start(run_id, child.pid)
    code = _wait(child, time_limit, stop)
    run = get_run(db, run_id)
    if run["status"] == "running":  # the child died before it could record the outcome
        reason = code if isinstance(code, str) else _exit_reason(code)
        finish_run(db, run_id, {"status": "failed", "errors": [f"the crawler process {reason}"]})
        run = get_run(db, run_id)
    return run


def _wait(child: subprocess.Popen, time_limit: float | None, stop: Callable[[], bool] | None) -> int | str:
    """The child's exit code, or why it was stopped: past ``time_limit``, or ``stop``."""
    deadline = None if time_limit is None else time.monotonic() + time_limit
    while True:
        wait = None if deadline is None else max(deadline - time.monotonic(), 0)
        if stop is not None:  # look at it every STOP_POLL seconds
            wait = STOP_POLL if wait is None else min(wait, STOP_POLL)
        try:
            return child.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            if stop is not None and stop():
                reason = "was stopped: the service was shut down while it crawled"
            elif deadline is not None and time.monotonic() >= deadline:
                reason = f"stopped after {time_limit:.0f} s (GAPWATCH_CRAWL_RUN_LIMIT)"
            else:
                continue
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        return reason


def _exit_reason(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _db_path(db: Database) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2]
