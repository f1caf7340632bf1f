"""The one way comments enter the store: validate → normalise → de-duplicate → store.

Spiders, the browser extension, file imports and the JSON API all call ``ingest``. Each item gets
an ``Outcome``: ``new`` (stored, with its id), ``duplicate`` (the same normalised text already
exists for that brand: the first copy is kept and its ``duplicates`` count goes up, unless the
item is that very post seen again, with the same ``external_id``, as on a re-crawl) or
``rejected`` (with a reason; nothing of it is stored). Items are stored in batches, one
transaction per batch: a failure while writing a batch leaves none of that batch behind.
"""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from sqlite_utils import Database

from server.errors import Invalid, NotFound
from server.store.brands import brand_ids
from server.store.comments import COMMENT_KINDS
from server.store.db import utcnow, write_transaction
from server.store.normalise import (
    channel_of,
    check_url,
    content_hash,
    normalise_line,
    normalise_text,
    parse_datetime,
)
from server.validation import Field, check_object, fields

MAX_TEXT = 20_000
ORIGINS = ("crawl", "clip", "import", "api")
BATCH_SIZE = 5000

COMMENT_FIELDS = fields(
    Field("text", required=True),
    Field("brand", max_length=100),
    Field("kind", choices=COMMENT_KINDS),
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
    "language", "content_hash", "collected_by",
)  # fmt: skip
_INSERT = f"INSERT INTO comments ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
_EXTERNAL_ID = _COLUMNS.index("external_id")
_CONTENT_HASH = _COLUMNS.index("content_hash")
PARALLEL_PREPARE_AFTER = 2  # batches; below that a helper process costs more than it saves


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
class Unreadable:
    """An input that could not be decoded (bad JSON, bad encoding): rejected with ``reason``."""

    reason: str


@dataclass(frozen=True)
class Context:
    """What the caller knows about a whole delivery, as opposed to each item."""

    origin: str
    brand: str | None = None
    kind: str = "customer"
    source_id: int | None = None
    run_id: int | None = None
    collected_by: str | None = None  # the API token's name, for clips and API posts
    collected_at: str | None = None  # when it was collected, if not now (a clip that waited in a queue)


def prepare(item: Any, ctx: Context, brands: dict[str, int], collected_at: str) -> tuple:
    """Validate and normalise one item into an insert row; raise ``Invalid`` with the reason."""
    if isinstance(item, Unreadable):
        raise Invalid(item.reason)
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
    url, published, rating, external_id = (
        data["url"],
        data["published_at"],
        data["rating"],
        data["external_id"],
    )
    try:
        if url is not None:
            url = check_url(url)
        if published is not None:
            published = parse_datetime(published)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    if rating is not None and not 0 <= rating <= 100:
        raise Invalid(f"rating must be between 0 and 100, not {rating}")
    line = _line_or_none
    return (
        brand_id,
        text,
        data["kind"] or ctx.kind,
        ctx.origin,
        ctx.source_id,
        ctx.run_id,
        line(data["channel"]) or channel_of(url) or ctx.origin,
        url,
        line(data["title"]),
        _text_or_none(data["context"]),
        _text_or_none(data["note"]),
        line(data["author"]),
        rating,
        None if external_id is None else str(external_id),
        published,
        collected_at,
        line(data["language"]),
        content_hash(text),
        ctx.collected_by,
    )


def _line_or_none(value: str | None) -> str | None:
    return normalise_line(value) or None if value is not None else None


def _text_or_none(value: str | None) -> str | None:
    return normalise_text(value) or None if value is not None else None


def _ids_of(cursor: sqlite3.Cursor, keys_json: str) -> dict[tuple[int, str], tuple[int, str | None]]:
    """Id and source id of the stored comments that share (brand, hash) with rows of the batch."""
    sql = (
        "SELECT c.id, c.brand_id, c.content_hash, c.external_id FROM json_each(?) AS j "
        "JOIN comments c ON c.brand_id = j.value ->> 0 AND c.content_hash = j.value ->> 1"
    )
    return {(bid, h): (cid, ext) for cid, bid, h, ext in cursor.execute(sql, [keys_json])}


def _insert_new(cursor: sqlite3.Cursor, rows: list[tuple]) -> list[int]:
    """Insert rows known to be new (under the write lock); answer their ids, in order."""
    before = cursor.execute("SELECT coalesce(max(id), 0) FROM comments").fetchone()[0]
    cursor.executemany(_INSERT, rows)
    last = cursor.execute("SELECT max(id) FROM comments").fetchone()[0]
    if last - before != len(rows):  # SQLite hands out max(id)+1 while we hold the lock
        raise RuntimeError(f"expected {len(rows)} consecutive new ids, got {before}..{last}")
    return list(range(before + 1, last + 1))


def _index_new(cursor: sqlite3.Cursor, ids: list[int]) -> None:
    """New rows enter the full-text index in one statement (see migration m0002)."""
    cursor.execute(
        "INSERT INTO comments_fts (rowid, text) "
        "SELECT id, text FROM comments WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(ids)],
    )


def _count_duplicates(cursor: sqlite3.Cursor, extra: dict[int, int]) -> None:
    cursor.execute(
        "UPDATE comments SET duplicates = duplicates + (j.value ->> 1) "
        "FROM json_each(?) AS j WHERE comments.id = j.value ->> 0",
        [json.dumps(list(extra.items()))],
    )


def _store(db: Database, batch: _Prepared) -> dict[int, Outcome]:
    """Store one batch in one transaction; answer outcomes by position in the batch.

    Under the write lock: look up which rows exist, insert the others (the first of each
    within the batch), index them, and count every other copy as a duplicate.
    """
    outcomes: dict[int, Outcome] = {}
    with write_transaction(db):
        cursor = db.conn.cursor()
        known = _ids_of(cursor, batch.keys_json)
        fresh: dict[tuple[int, str], int] = {}  # key -> index in batch.rows
        for index, (_position, key) in enumerate(batch.keys):
            if key not in known and key not in fresh:
                fresh[key] = index
        new_ids = _insert_new(cursor, [batch.rows[i] for i in fresh.values()]) if fresh else []
        if new_ids:
            _index_new(cursor, new_ids)
        for (key, index), cid in zip(fresh.items(), new_ids, strict=True):
            known[key] = (cid, batch.rows[index][_EXTERNAL_ID])
        first_rows = set(fresh.values())
        extra: dict[int, int] = {}
        for index, (position, key) in enumerate(batch.keys):
            cid, stored_external_id = known[key]
            if index in first_rows:
                outcomes[position] = Outcome("new", cid)
                continue
            outcomes[position] = Outcome("duplicate", cid)
            external_id = batch.rows[index][_EXTERNAL_ID]
            if external_id is None or external_id != stored_external_id:  # not the same post seen again
                extra[cid] = extra.get(cid, 0) + 1
        if extra:
            _count_duplicates(cursor, extra)
    return outcomes


@dataclass
class _Prepared:
    """One batch after validation and normalisation, before storage."""

    size: int
    keys: list[tuple[int, tuple[int, str]]]  # (position in batch, (brand id, content hash))
    rows: list[tuple]  # the insert rows, in order
    keys_json: str
    rejected: dict[int, Outcome]


def _prepare_batch(items: list[Any], ctx: Context, brands: dict[str, int]) -> _Prepared:
    collected_at = ctx.collected_at or utcnow()
    rows: list[tuple] = []
    keys: list[tuple[int, tuple[int, str]]] = []
    rejected: dict[int, Outcome] = {}
    for position, item in enumerate(items):
        try:
            row = prepare(item, ctx, brands, collected_at)
        except Invalid as exc:
            rejected[position] = Outcome("rejected", reason=str(exc))
            continue
        rows.append(row)
        keys.append((position, (row[0], row[_CONTENT_HASH])))
    return _Prepared(
        size=len(items),
        keys=keys,
        rows=rows,
        keys_json=json.dumps([key for _position, key in keys]),
        rejected=rejected,
    )


def _store_batch(db: Database, batch: _Prepared) -> list[Outcome]:
    outcomes = dict(batch.rejected)
    if batch.keys:
        outcomes.update(_store(db, batch))
    return [outcomes[i] for i in range(batch.size)]


def _prepared(
    items: Iterable[Any], ctx: Context, brands: dict[str, int], batch_size: int
) -> Iterator[_Prepared]:
    """Prepared batches, in order. Long inputs are prepared in a helper process.

    Preparing (validation, normalisation: pure Python) and storing (SQLite) then run on two
    cores at once; bench/ingest.py measures the gain. A thread cannot do this: the GIL
    hand-over on every SQLite step made a writer thread slower than no thread at all.
    """
    batches = _batches(items, batch_size)
    head = list(islice(batches, PARALLEL_PREPARE_AFTER))
    if len(head) < PARALLEL_PREPARE_AFTER:
        yield from (_prepare_batch(batch, ctx, brands) for batch in head)
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=_process_context()) as helper:
        pending: deque[Future[_Prepared]] = deque()
        for batch in chain(head, batches):
            pending.append(helper.submit(_prepare_batch, batch, ctx, brands))
            if len(pending) > 2:  # keep the helper one batch ahead, memory bounded
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _process_context() -> multiprocessing.context.BaseContext:
    """fork where the platform has it (fast, and the child only runs pure functions)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else methods[0])


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def check_context(db: Database, ctx: Context) -> dict[str, int]:
    """Check what the caller gave for the whole delivery; answer the brand lookup table."""
    if ctx.origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, not {ctx.origin!r}")
    if ctx.kind not in COMMENT_KINDS:
        raise Invalid(f"kind must be one of {', '.join(COMMENT_KINDS)}, not {ctx.kind!r}")
    brands = brand_ids(db)
    if ctx.brand is not None and ctx.brand.strip().casefold() not in brands:
        raise NotFound(f"unknown brand {ctx.brand!r}")
    return brands


def iter_ingest(
    db: Database, items: Iterable[Any], ctx: Context, *, batch_size: int = BATCH_SIZE
) -> Iterator[list[Outcome]]:
    """Ingest ``items`` batch by batch, yielding each batch's outcomes once it is committed."""
    brands = check_context(db, ctx)
    for batch in _prepared(items, ctx, brands, batch_size):
        yield _store_batch(db, batch)


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
