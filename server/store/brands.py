"""Brands: the workspace's own brand ("ours") and its competitors."""

from __future__ import annotations

from sqlite_utils import Database

from server.errors import Conflict, Invalid, NotFound
from server.store.db import utcnow, write_transaction
from server.store.normalise import normalise_line

MAX_NAME = 100


def add_brand(db: Database, name: str, *, competitor: bool = False) -> dict:
    """Add a brand. The first brand that is not a competitor becomes the workspace's own."""
    clean = normalise_line(name)
    if not clean:
        raise Invalid("a brand needs a name")
    if len(clean) > MAX_NAME:
        raise Invalid(f"a brand name is at most {MAX_NAME} characters")
    if find_brand(db, clean) is not None:
        raise Conflict(f"brand {clean!r} already exists")
    own = our_brand(db)
    if not competitor and own is not None:
        raise Conflict(
            f"{own['name']!r} is already this workspace's own brand; "
            "add other brands as competitors (--competitor)"
        )
    with write_transaction(db):
        db["brands"].insert({"name": clean, "is_ours": 0 if competitor else 1, "created_at": utcnow()})
    return get_brand(db, clean)


def find_brand(db: Database, name: str) -> dict | None:
    rows = list(db.query("SELECT * FROM brands WHERE name = ? COLLATE NOCASE", [name.strip()]))
    return rows[0] if rows else None


def get_brand(db: Database, name: str) -> dict:
    brand = find_brand(db, name)
    if brand is None:
        raise NotFound(f"unknown brand {name!r}")
    return brand


def our_brand(db: Database) -> dict | None:
    rows = list(db.query("SELECT * FROM brands WHERE is_ours = 1 ORDER BY id LIMIT 1"))
    return rows[0] if rows else None


def named_or_ours(db: Database, name: str | None) -> dict:
    """The brand named (``NotFound`` if none is), or without a name our own (``Invalid`` while the
    workspace has none)."""
    brand = get_brand(db, name) if name else our_brand(db)
    if brand is None:
        raise Invalid("this workspace has no brand of its own yet: add one with `gapwatch brands add NAME`")
    return brand


def brand_ids(db: Database) -> dict[str, int]:
    """Brand ids by case-folded name, for resolving many items at once."""
    return {row["name"].casefold(): row["id"] for row in db.query("SELECT id, name FROM brands")}


def list_brands(db: Database, *, counts: bool = True) -> list[dict]:
    """Every brand, ours first, with how many comments each holds, and of them how many are
    customers' words (``counts=False``: without, for menus; counting reads every comment's index
    entry)."""
    count = "(SELECT count(*) FROM comments c WHERE c.brand_id = b.id)" if counts else "NULL"
    customers = (
        "(SELECT count(*) FROM comments c WHERE c.brand_id = b.id AND c.kind = 'customer')"
        if counts
        else "NULL"
    )
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "is_ours": bool(row["is_ours"]),
            "positioning_statement": row["positioning_statement"],
            "comments": row["comments"],
            "customer_comments": row["customer_comments"],
        }
        for row in db.query(
            f"""
            SELECT b.*, {count} AS comments, {customers} AS customer_comments
            FROM brands b ORDER BY b.is_ours DESC, b.name COLLATE NOCASE
            """
        )
    ]
