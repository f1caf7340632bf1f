"""Sources: what to crawl, for which brand, how often; checked, stored, listed, asked to run."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sqlite_utils import Database

from server.collect.crawls.kinds import CHOICES, _check_kind, kind_name
from server.collect.schedules import parse_schedule
from server.errors import Invalid, NotFound
from server.store import job_requests
from server.store.brands import get_brand
from server.store.db import utcnow, write_transaction
from server.store.normalise import check_url
from server.validation import Field, check_object, fields

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
           s.params, s.enabled, s.one_off, s.created_at,
           (SELECT j.requested_at FROM job_requests j WHERE j.kind = 'crawl'
            AND j.subject = CAST(s.id AS TEXT)) AS run_requested_at,
           (SELECT max(r.started_at) FROM crawl_runs r WHERE r.source_id = s.id) AS last_run_at
    FROM sources s JOIN brands b ON b.id = s.brand_id
"""


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


def request_run(db: Database, source_id: int, *, by: str | None = None) -> dict:
    """Ask the scheduler to run a source as soon as it can ("run now" from the API or page)."""
    get_source(db, source_id)
    job_requests.ask(db, "crawl", str(source_id), by=by)
    return get_source(db, source_id)


def take_run_requests(db: Database) -> list[int]:
    """The sources asked to run now (and the asking forgotten), for the scheduler."""
    return [int(s) for s in job_requests.take(db, "crawl") if s.isdigit()]
