"""The one way comments enter the store: validate → normalise → de-duplicate → store.

Spiders, the browser extension, file imports and the JSON API all call ``ingest``. Each item gets
an ``Outcome``: ``new`` (stored, with its id), ``duplicate`` (the same normalised text already
exists for that brand: the first copy is kept and its ``duplicates`` count goes up) or
``rejected`` (with a reason; nothing of it is stored). Items are stored in batches, one
transaction per batch: a failure while writing a batch leaves none of that batch behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlite_utils import Database

from .brands import brand_ids
from .db import utcnow, write_transaction
from .errors import Invalid, NotFound
from .normalise import (
    channel_of,
    check_url,
    content_hash,
    normalise_line,
    normalise_text,
    parse_datetime,
)
from .schema import Field, check_object, fields

MAX_TEXT = 20_000
ORIGINS = ("crawl", "clip", "import", "api")
KINDS = ("customer", "emitted")
BATCH_SIZE = 1000

COMMENT_FIELDS = fields(
    Field("text", required=True),
    Field("brand", max_length=100),
    Field("kind", choices=KINDS),
    Field("url", max_length=2048),
    Field("title", max_length=1000),
    Field("context", max_length=4 * MAX_TEXT),
    Field("note", max_length=2000),
    Field("author", max_length=200),
    Field("published_at", (str, int, float), max_length=64),
    Field("language", max_length=35),
    Field("rating", (int, float)),
    Field("external_id", (str, int), max_length=200),
    Field("channel", max_length=100),
)

_COLUMNS = (
    "brand_id", "text", "kind", "origin", "source_id", "run_id", "channel", "url", "title",
    "context", "note", "author", "rating", "external_id", "published_at", "collected_at",
    "language", "content_hash",
)  # fmt: skip
_INSERT = f"INSERT INTO comments ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


@dataclass(frozen=True)
class Outcome:
    status: str  # "new" | "duplicate" | "rejected"
    id: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"status": self.status}
        if self.id is not None:
            out["id"] = self.id
        if self.reason is not None:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True)
class Context:
    """What the caller knows about a whole delivery, as opposed to each item."""

    origin: str
    brand: str | None = None
    kind: str = "customer"
    source_id: int | None = None
    run_id: int | None = None


def _optional(value: str | None, clean: Callable[[str], str]) -> str | None:
    if value is None:
        return None
    return clean(value) or None


def prepare(item: Any, ctx: Context, brands: dict[str, int], collected_at: str) -> tuple:
    """Validate and normalise one item into an insert row; raise ``Invalid`` with the reason."""
    data = check_object(item, COMMENT_FIELDS, what="a comment")
    text = normalise_text(data["text"])
    if not text:
        raise Invalid("text is empty")
    if len(text) > MAX_TEXT:
        raise Invalid(f"text is longer than {MAX_TEXT} characters ({len(text)})")
    brand_name = data["brand"] or ctx.brand
    if not brand_name:
        raise Invalid("no brand: give the item a brand or the import a default brand")
    brand_id = brands.get(brand_name.strip().casefold())
    if brand_id is None:
        raise Invalid(f"unknown brand {brand_name!r}")
    try:
        url = check_url(data["url"]) if data["url"] is not None else None
        published = (
            parse_datetime(data["published_at"]) if data["published_at"] is not None else None
        )
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    if data["rating"] is not None and not 0 <= data["rating"] <= 100:
        raise Invalid(f"rating must be between 0 and 100, not {data['rating']}")
    external_id = data["external_id"]
    return (
        brand_id,
        text,
        data["kind"] or ctx.kind,
        ctx.origin,
        ctx.source_id,
        ctx.run_id,
        _optional(data["channel"], normalise_line) or channel_of(url) or ctx.origin,
        url,
        _optional(data["title"], normalise_line),
        _optional(data["context"], normalise_text),
        _optional(data["note"], normalise_text),
        _optional(data["author"], normalise_line),
        data["rating"],
        None if external_id is None else str(external_id),
        published,
        collected_at,
        _optional(data["language"], normalise_line),
        content_hash(text),
    )


def _existing(db: Database, rows: list[tuple]) -> dict[tuple[int, str], int]:
    """Ids of stored comments that share (brand, hash) with ``rows``."""
    by_brand: dict[int, set[str]] = {}
    for row in rows:
        by_brand.setdefault(row[0], set()).add(row[-1])
    found: dict[tuple[int, str], int] = {}
    for brand_id, hash_set in by_brand.items():
        hashes = sorted(hash_set)
        for start in range(0, len(hashes), 500):
            chunk = hashes[start : start + 500]
            sql = (
                "SELECT id, content_hash FROM comments WHERE brand_id = ? "
                f"AND content_hash IN ({', '.join('?' * len(chunk))})"
            )
            for cid, h in db.conn.execute(sql, [brand_id, *chunk]):
                found[(brand_id, h)] = cid
    return found


def _store(db: Database, prepared: list[tuple[int, tuple]]) -> dict[int, Outcome]:
    """Store one batch in one transaction; returns outcomes by position in the batch."""
    outcomes: dict[int, Outcome] = {}
    with write_transaction(db):
        seen = _existing(db, [row for _i, row in prepared])
        extra: dict[int, int] = {}
        cursor = db.conn.cursor()
        for position, row in prepared:
            key = (row[0], row[-1])
            if key in seen:
                cid = seen[key]
                extra[cid] = extra.get(cid, 0) + 1
                outcomes[position] = Outcome("duplicate", cid)
            else:
                cursor.execute(_INSERT, row)
                seen[key] = cursor.lastrowid
                outcomes[position] = Outcome("new", cursor.lastrowid)
        if extra:
            cursor.executemany(
                "UPDATE comments SET duplicates = duplicates + ? WHERE id = ?",
                [(n, cid) for cid, n in extra.items()],
            )
    return outcomes


def ingest_batch(
    db: Database, items: list[Any], ctx: Context, brands: dict[str, int]
) -> list[Outcome]:
    collected_at = utcnow()
    outcomes: dict[int, Outcome] = {}
    prepared: list[tuple[int, tuple]] = []
    for position, item in enumerate(items):
        try:
            prepared.append((position, prepare(item, ctx, brands, collected_at)))
        except Invalid as exc:
            outcomes[position] = Outcome("rejected", reason=str(exc))
    if prepared:
        outcomes.update(_store(db, prepared))
    return [outcomes[i] for i in range(len(items))]


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def check_context(db: Database, ctx: Context) -> dict[str, int]:
    """Check what the caller gave for the whole delivery; answer the brand lookup table."""
    if ctx.origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, not {ctx.origin!r}")
    if ctx.kind not in KINDS:
        raise Invalid(f"kind must be one of {', '.join(KINDS)}, not {ctx.kind!r}")
    brands = brand_ids(db)
    if ctx.brand is not None and ctx.brand.strip().casefold() not in brands:
        raise NotFound(f"unknown brand {ctx.brand!r}")
    return brands


def iter_ingest(
    db: Database, items: Iterable[Any], ctx: Context, *, batch_size: int = BATCH_SIZE
) -> Iterator[list[Outcome]]:
    """Ingest ``items`` batch by batch, yielding each batch's outcomes once it is committed."""
    brands = check_context(db, ctx)
    for batch in _batches(items, batch_size):
        yield ingest_batch(db, batch, ctx, brands)


def ingest(
    db: Database,
    items: Iterable[Any],
    ctx: Context,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> list[Outcome]:
    """Ingest ``items``; answer one ``Outcome`` per item, in order."""
    outcomes: list[Outcome] = []
    for batch in iter_ingest(db, items, ctx, batch_size=batch_size):
        outcomes.extend(batch)
        if progress is not None:
            progress(len(batch))
    return outcomes


def summarise(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = {"new": 0, "duplicate": 0, "rejected": 0}
    for outcome in outcomes:
        counts[outcome.status] += 1
    return counts
