"""Sources (what to crawl, for which brand, how often) and crawl runs (what each crawl did).

A crawl runs in its own process (``python -m spiders.run``) so that the Twisted reactor stays
out of the web server and the scheduler. ``run_source`` starts that process, waits for it, and
makes sure the run ends recorded: if the process dies (killed, out of memory), the run is marked
``failed`` with the comments it had already stored counted. A source never has two runs at
once: the store itself refuses a second ``running`` row for a source.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlite_utils import Database

from .brands import get_brand
from .db import utcnow, write_transaction
from .errors import Conflict, Invalid, NotFound
from .normalise import check_url
from .schedules import parse_schedule
from .schema import Field, check_object, fields

KINDS = (
    "schemaorg", "reddit", "hackernews", "discourse", "appstore", "feed", "github",
    "stackexchange", "youtube",
)  # fmt: skip
STATUSES = ("running", "ok", "partial", "failed")
KIND_NAMES = {  # what each kind of crawler is called where people see one
    "schemaorg": "Any page with review markup",
    "reddit": "Reddit thread or subreddit",
    "hackernews": "Hacker News",
    "discourse": "Discourse forum",
    "appstore": "App Store app",
    "feed": "RSS / Atom feed",
    "github": "GitHub issues",
    "stackexchange": "Stack Overflow / Stack Exchange",
    "youtube": "YouTube video comments",
}
# What people choose from: a site they know, or a kind of page. Each choice is read by one kind
# of crawler; a choice that names sites only takes their addresses.
CHOICES = {  # choice: (the crawler kind, its name, the sites it takes or () for any)
    "trustpilot": ("schemaorg", "Trustpilot page", ("trustpilot.com",)),
    "g2": ("schemaorg", "G2 / Capterra reviews", ("g2.com", "capterra.com")),
    "appstore": ("appstore", "App Store app", ("apps.apple.com", "itunes.apple.com")),
    "reddit": ("reddit", "Reddit thread or subreddit", ("reddit.com", "redd.it")),
    "hackernews": ("hackernews", "Hacker News", ("news.ycombinator.com",)),
    "discourse": ("discourse", "Discourse forum", ()),
    "feed": ("feed", "RSS / Atom feed", ()),
    "schemaorg": ("schemaorg", "Any page with review markup", ()),
    "github": ("github", "GitHub issues", ("github.com",)),
    "stackexchange": ("stackexchange", "Stack Overflow / Stack Exchange",
                      ("stackoverflow.com", "stackexchange.com", "superuser.com", "serverfault.com",
                       "askubuntu.com")),
    "youtube": ("youtube", "YouTube video comments", ("youtube.com", "youtu.be")),
}  # fmt: skip
CHOICE_NAMES = {choice: name for choice, (_kind, name, _sites) in CHOICES.items()}


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def recognise_choice(url: str) -> str | None:
    """The choice an address belongs to when its site says so ("trustpilot", "reddit", …), a
    feed by its path ("feed"), or None: any page kind may do (a shop, a forum)."""
    host = _host(url)
    for choice, (_kind, _name, sites) in CHOICES.items():
        if any(host == site or host.endswith("." + site) for site in sites):
            return choice
    path = urlsplit(url).path.lower()
    if path.endswith((".rss", ".atom", "/feed", "/feed/", "/rss", "/atom.xml", "/rss.xml", "/feed.xml")):
        return "feed"
    return None


def recognise(url: str) -> str | None:
    """The crawler kind a source with this address needs, when its site says so (None: any kind
    that reads the page may do, e.g. a shop with review markup, a forum, a feed)."""
    choice = recognise_choice(url)
    return CHOICES[choice][0] if choice else None


def kind_name(kind: str, url: str) -> str:
    """What a source is called for people: the site's choice when its address has one
    ("Trustpilot page"), else its kind's name."""
    choice = recognise_choice(url)
    if choice and CHOICES[choice][0] == kind and CHOICES[choice][2]:
        return CHOICES[choice][1]
    return KIND_NAMES.get(kind, kind)


def _check_kind(kind: str | None, url: str) -> str:
    """The crawler kind of a choice (or of a kind given as such), or the one the address needs;
    a choice that does not fit the address is refused with the one that does."""
    fits = recognise_choice(url)
    if kind in (None, "", "auto"):
        if fits is None:
            raise Invalid("Gapwatch cannot tell the kind of source from this address: choose one ("
                          + "; ".join(f"{k}: {n}" for k, n in CHOICE_NAMES.items()) + ")")  # fmt: skip
        return CHOICES[fits][0]
    crawler, name, sites = CHOICES[kind]
    host = urlsplit(url).hostname
    if fits is not None and fits != "feed" and CHOICES[fits][2] and fits != kind:
        # the address is a known site's: only its own choice, or the crawler that reads it as a
        # plain page kind ("Any page with review markup" for a Trustpilot page), may take it
        if sites or CHOICES[fits][0] != crawler:
            raise Invalid(f"{host} addresses are read as {fits!r} ({CHOICES[fits][1]}), not as "
                          f"{kind!r} ({name}): choose {fits!r}")  # fmt: skip
    elif sites and kind != crawler and fits != kind:  # a site choice; a kind may read look-alikes
        raise Invalid(
            f"{name} takes addresses on {' or '.join(sites)}, not {host}; for another "
            "site's page with review markup choose 'schemaorg' (Any page with review markup)"
        )
    return crawler


SOURCE_FIELDS = fields(
    Field("kind", choices=(*CHOICES, "auto")),  # a kind or a site; missing or "auto": from the address
    Field("url", required=True, max_length=2048),
    Field("brand", required=True, max_length=100),
    Field("comment_kind", choices=("customer", "emitted")),
    Field("schedule", max_length=100),
    Field("name", max_length=200),
    Field("max_pages", (int,)),
    Field("params", (dict,)),
    Field("enabled", (bool,)),
)
SOURCE_UPDATE_FIELDS = fields(
    Field("schedule", max_length=100),
    Field("name", max_length=200),
    Field("max_pages", (int,)),
    Field("params", (dict,)),
    Field("enabled", (bool,)),
)

_SOURCE_SELECT = """
    SELECT s.id, s.name, s.kind, s.url, b.name AS brand, s.comment_kind, s.schedule, s.max_pages,
           s.params, s.enabled, s.one_off, s.created_at, s.run_requested_at,
           (SELECT max(r.started_at) FROM crawl_runs r WHERE r.source_id = s.id) AS last_run_at
    FROM sources s JOIN brands b ON b.id = s.brand_id
"""
_RUN_COLUMNS = (
    "id, source_id, trigger, status, started_at, finished_at, pages, new_count, duplicate_count, "
    "rejected_count, skipped_count, error_count, errors, pid, queue"
)


# --- sources ----------------------------------------------------------------------------------


def _checked(db: Database, data: Any) -> tuple[dict, str, str, dict]:
    """A source as asked for, checked: (fields, address, kind, brand)."""
    item = check_object(data, SOURCE_FIELDS, what="a source")
    try:
        url = check_url(item["url"])
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    kind = _check_kind(item["kind"], url)
    return item, url, kind, get_brand(db, item["brand"])


def add_source(db: Database, data: Any, *, one_off: bool = False) -> dict:
    """Check and store a source; answer it as ``get_source`` does."""
    item, url, kind, brand = _checked(db, data)
    schedule = _check_schedule(item["schedule"])
    max_pages = _check_max_pages(item["max_pages"])
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO sources (brand_id, kind, url, params, comment_kind, schedule, enabled, "
            "created_at, name, max_pages, one_off) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                brand["id"],
                kind,
                url,
                json.dumps(item["params"] or {}),
                item["comment_kind"] or "customer",
                schedule,
                0 if item["enabled"] is False else 1,
                utcnow(),
                item["name"] or f"{kind}: {url}"[:200],
                max_pages,
                int(one_off),
            ],
        )
    return get_source(db, cursor.lastrowid)


def update_source(db: Database, source_id: int, data: Any) -> dict:
    item = check_object(data, SOURCE_UPDATE_FIELDS, what="a source change")
    get_source(db, source_id)
    changes: dict[str, Any] = {}
    if "schedule" in data:
        changes["schedule"] = _check_schedule(item["schedule"])
    if item["name"] is not None:
        changes["name"] = item["name"]
    if "max_pages" in data:
        changes["max_pages"] = _check_max_pages(item["max_pages"])
    if item["params"] is not None:
        changes["params"] = json.dumps(item["params"])
    if item["enabled"] is not None:
        changes["enabled"] = int(item["enabled"])
    if changes:
        with write_transaction(db):
            db["sources"].update(source_id, changes)
    return get_source(db, source_id)


def _check_schedule(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        parse_schedule(value)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    return value.strip()


def _check_max_pages(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= 1000:
        raise Invalid(f"max_pages must be between 1 and 1000, not {value}")
    return value


def _source_row(row: sqlite3.Row | tuple, names: list[str]) -> dict:
    source = dict(zip(names, row, strict=True))
    source["params"] = json.loads(source["params"] or "{}")
    source["enabled"] = bool(source["enabled"])
    source["one_off"] = bool(source["one_off"])
    source["kind_name"] = kind_name(source["kind"], source["url"])  # what people call it
    return source


def get_source(db: Database, source_id: int) -> dict:
    cursor = db.execute(_SOURCE_SELECT + " WHERE s.id = ?", [source_id])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"no source {source_id}")
    return _source_row(row, [d[0] for d in cursor.description])


def list_sources(db: Database, *, include_one_off: bool = False) -> list[dict]:
    where = "" if include_one_off else " WHERE s.one_off = 0"
    cursor = db.execute(_SOURCE_SELECT + where + " ORDER BY s.id")
    names = [d[0] for d in cursor.description]
    return [_source_row(row, names) for row in cursor.fetchall()]


def scheduled_sources(db: Database) -> list[dict]:
    return [s for s in list_sources(db) if s["enabled"] and s["schedule"]]


def request_run(db: Database, source_id: int) -> dict:
    """Ask the scheduler to run a source as soon as it can ("run now" from the API or page)."""
    get_source(db, source_id)
    with write_transaction(db):
        db.execute("UPDATE sources SET run_requested_at = ? WHERE id = ?", [utcnow(), source_id])
    return get_source(db, source_id)


def take_run_requests(db: Database) -> list[int]:
    with write_transaction(db):
        ids = [r[0] for r in db.execute("SELECT id FROM sources WHERE run_requested_at IS NOT NULL")]
        db.execute("UPDATE sources SET run_requested_at = NULL WHERE run_requested_at IS NOT NULL")
    return ids


# --- runs -------------------------------------------------------------------------------------


def start_run(db: Database, source_id: int, trigger: str) -> int:
    """Record a new ``running`` run; ``Conflict`` if the source is already being crawled."""
    get_source(db, source_id)
    try:
        with write_transaction(db):
            cursor = db.execute(
                "INSERT INTO crawl_runs (source_id, started_at, status, trigger) VALUES (?, ?, 'running', ?)",
                [source_id, utcnow(), trigger],
            )
    except sqlite3.IntegrityError:
        running = db.execute(
            "SELECT id FROM crawl_runs WHERE source_id = ? AND status = 'running'", [source_id]
        ).fetchone()
        raise Conflict(
            f"source {source_id} is already being crawled (run {running[0] if running else '?'})"
        ) from None
    return cursor.lastrowid


def finish_run(db: Database, run_id: int, result: dict) -> None:
    """Write a run's outcome in one statement; counts not given are taken from the store."""
    new = result["new"] if "new" in result else _stored_counts(db, run_id)
    errors = list(result.get("errors") or [])
    with write_transaction(db):
        db.execute(
            "UPDATE crawl_runs SET status = ?, finished_at = ?, pages = ?, new_count = ?, "
            "duplicate_count = ?, rejected_count = ?, skipped_count = ?, errors = ?, error_count = ?, "
            "error = ?, pid = NULL WHERE id = ? AND status = 'running'",
            [
                result.get("status", "failed"),
                utcnow(),
                result.get("pages", 0),
                new,
                result.get("duplicates", 0),
                result.get("rejected", 0),
                result.get("skipped", 0),
                json.dumps(errors),
                result.get("error_count", len(errors)),
                errors[0] if errors else None,
                run_id,
            ],
        )


def _stored_counts(db: Database, run_id: int) -> int:
    return db.execute("SELECT count(*) FROM comments WHERE run_id = ?", [run_id]).fetchone()[0]


def source_of_run(db: Database, run_id: int) -> dict:
    row = db.execute("SELECT source_id FROM crawl_runs WHERE id = ?", [run_id]).fetchone()
    if row is None:
        raise NotFound(f"no crawl run {run_id}")
    return get_source(db, row[0])


def get_run(db: Database, run_id: int) -> dict:
    cursor = db.execute(f"SELECT {_RUN_COLUMNS} FROM crawl_runs WHERE id = ?", [run_id])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"no crawl run {run_id}")
    return _run_row(row, [d[0] for d in cursor.description])


def list_runs(db: Database, *, source_id: int | None = None, limit: int = 50) -> list[dict]:
    where, args = ("WHERE source_id = ?", [source_id]) if source_id is not None else ("", [])
    cursor = db.execute(
        f"SELECT {_RUN_COLUMNS} FROM crawl_runs {where} ORDER BY id DESC LIMIT ?", [*args, limit]
    )
    names = [d[0] for d in cursor.description]
    return [_run_row(row, names) for row in cursor.fetchall()]


def _run_row(row: tuple, names: list[str]) -> dict:
    run = dict(zip(names, row, strict=True))
    run["errors"] = json.loads(run["errors"] or "[]")
    return run


_IN_WORDS = [  # (pattern in the crawler's message, what it means for the person who added the source)
    (r"DNS lookup failed|no results for hostname|getaddrinfo|not known|could not be resolved",
     "the site's address could not be found: check its spelling"),
    (r"robots\.txt", "the site's robots.txt asks crawlers to keep out of this page (Gapwatch obeys it)"),
    (r"Connection refused|ConnectionRefused", "the site refused the connection: it may be down"),
    (r"timed? ?out|took longer than", "the site took too long to answer: the next run tries again"),
    (r"HTTP 401|HTTP 403", "the site refused access: it may block crawlers or need a login"),
    (r"HTTP 404|HTTP 410", "the page does not exist (any more): check the address"),
    (r"HTTP 429", "the site asked Gapwatch to slow down: the next run tries again"),
    (r"HTTP 5\d\d", "the site had an error of its own: the next run tries again"),
    (r"SSL|certificate|TLS", "the site's security certificate could not be checked"),
    (r"ConnectionLost|Connection was closed|ConnectionDone|ResponseNeverReceived",
     "the connection was cut off before the page arrived: the next run tries again"),
    (r"GAPWATCH_CRAWL_ALLOW_PRIVATE_NETWORKS",
     "the address points inside this network, which crawls may not reach (an admin setting allows it)"),
    (r"could not start the crawler|the crawler process",
     "the crawler could not run on this server: see its log"),
]  # fmt: skip


def in_words(error: str) -> str:
    """A crawler's error as the person who added the source can act on it (the technical
    message is shown folded beside it)."""
    for pattern, words in _IN_WORDS:
        if re.search(pattern, error, re.IGNORECASE):
            return words
    return error


def health(db: Database, source: dict) -> dict:
    """How a source is doing, in a word and a sentence, from its latest runs."""
    runs = list_runs(db, source_id=source["id"], limit=10)
    if not source["enabled"]:
        return {"state": "disabled", "text": "disabled: not crawled on schedule", "runs": runs}
    if not runs:
        return {"state": "new", "text": "never crawled yet", "runs": runs}
    if runs[0]["status"] == "running":
        return {"state": "running", "text": f"crawling since {runs[0]['started_at']}", "runs": runs}
    failed = 0
    for run in runs:
        if run["status"] != "failed":
            break
        failed += 1
    if failed:
        reason = (runs[0]["errors"] or ["no reason recorded"])[0]
        plural = "s" if failed > 1 else ""
        return {"state": "failing", "text": f"the last {failed} run{plural} failed: {in_words(reason)}",
                "detail": reason, "runs": runs}  # fmt: skip
    if runs[0]["status"] == "partial":
        return {"state": "partial", "text": f"last run partly failed ({runs[0]['error_count']} errors)",
                "runs": runs}  # fmt: skip
    return {"state": "ok", "text": f"last run ok, {runs[0]['new_count']} new comments", "runs": runs}


def summary(run: dict) -> dict:
    """What ``gapwatch crawl`` prints: the run in the issue's words."""
    return {
        "run": run["id"],
        "status": run["status"],
        "pages": run["pages"],
        "new": run["new_count"],
        "duplicates": run["duplicate_count"],
        "rejected": run["rejected_count"],
        "skipped": run["skipped_count"],
        "errors": run["errors"],
    }


def fail_orphans(db: Database) -> list[int]:
    """Mark ``running`` runs whose process is gone as failed (after a crash or a restart)."""
    orphans = [
        run_id
        for run_id, pid in db.execute(
            "SELECT id, pid FROM crawl_runs WHERE status = 'running' AND queue IS NULL"  # queued: workers'
        ).fetchall()
        if pid is None or not _alive(pid)
    ]
    for run_id in orphans:
        finish_run(
            db,
            run_id,
            {"status": "failed", "errors": ["the crawler process ended without recording its run"]},
        )
    return orphans


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


TRIAL_SECONDS = 60  # a trial crawl of one page is stopped after this long


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
) -> dict:
    """Crawl a source in a child process and wait for it; answer the finished run.

    ``stderr=None`` lets the child's warnings (and, with ``progress``, a status line) through.
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
    try:
        code = child.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        code = f"stopped after {time_limit:.0f} s (GAPWATCH_CRAWL_RUN_LIMIT)"
    run = get_run(db, run_id)
    if run["status"] == "running":  # the child died before it could record the outcome
        reason = code if isinstance(code, str) else _exit_reason(code)
        finish_run(db, run_id, {"status": "failed", "errors": [f"the crawler process {reason}"]})
        run = get_run(db, run_id)
    return run


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
