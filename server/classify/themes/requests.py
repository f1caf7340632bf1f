"""Requests from the pages for a brand's themes, served by the scheduler (through
``server.store.job_requests``)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store import job_requests
from server.store.brands import get_brand


def request_run(db: Database, brand_name: str, *, by: str | None = None) -> str:
    """Ask the scheduler to find the brand's themes again; answer the brand's name as stored."""
    brand = get_brand(db, brand_name)
    job_requests.ask(db, "themes", str(brand["id"]), by=by)
    return brand["name"]


def take_requests(db: Database) -> list[str]:
    """Brands whose themes were asked for (and forget the asking), oldest request first."""
    ids = [int(s) for s in job_requests.take(db, "themes") if s.isdigit()]
    if not ids:
        return []
    names = dict(db.execute("SELECT id, name FROM brands").fetchall())
    return [names[i] for i in ids if i in names]


def requested(db: Database, brand_id: int) -> bool:
    return job_requests.waiting(db, "themes", str(brand_id)) is not None
