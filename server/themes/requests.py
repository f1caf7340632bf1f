"""Requests from the pages for a brand's themes, served by the scheduler."""

from __future__ import annotations

from sqlite_utils import Database

from ..brands import get_brand
from ..db import utcnow, write_transaction

# --- requests from the pages, served by the scheduler -------------------------------------------

REQUEST_PREFIX = "themes_request:"


def request_run(db: Database, brand_name: str) -> str:
    """Ask the scheduler to find the brand's themes again; answer the brand's name as stored."""
    brand = get_brand(db, brand_name)
    with write_transaction(db):
        db["meta"].upsert({"key": f"{REQUEST_PREFIX}{brand['id']}", "value": utcnow()}, pk="key")
    return brand["name"]


def take_requests(db: Database) -> list[str]:
    """Brands whose themes were asked for (and forget the asking)."""
    with write_transaction(db):
        rows = db.execute(
            "SELECT b.name FROM meta m JOIN brands b ON m.key = ? || b.id WHERE m.key LIKE ? ORDER BY b.id",
            [REQUEST_PREFIX, f"{REQUEST_PREFIX}%"],
        ).fetchall()
        db.execute("DELETE FROM meta WHERE key LIKE ?", [f"{REQUEST_PREFIX}%"])
    return [r[0] for r in rows]


def requested(db: Database, brand_id: int) -> bool:
    row = db.execute("SELECT 1 FROM meta WHERE key = ?", [f"{REQUEST_PREFIX}{brand_id}"]).fetchone()
    return row is not None
