"""Reading comments back: the one query behind ``GET /api/comments``, the page and export."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlite_utils import Database

from server.errors import Invalid
from server.params import whole_number

COMMENT_KINDS = ("customer", "emitted")  # what customers say; what the brands publish
MAX_PER_PAGE = 200
NO_ATTRIBUTE = "none"  # attribute=none: the classified comments no attribute claims
SORTS = ("newest", "oldest", "confident", "uncertain")
_ORDER = {
    "newest": "coalesce(c.published_at, c.collected_at) DESC, c.id DESC",
    "oldest": "coalesce(c.published_at, c.collected_at), c.id",
    "confident": "confidence IS NULL, confidence DESC, c.id DESC",
    "uncertain": "confidence IS NULL, confidence, c.id DESC",
}

_SELECT = """
SELECT c.id, b.name AS brand, c.text, c.kind, c.origin, c.channel, c.url, c.title, c.context,
       c.note, c.author, c.rating, c.external_id, c.published_at, c.collected_at, c.language,
       c.duplicates, c.source_id, c.run_id, c.detected_language,
       coalesce(cr.sentiment, t.sentiment) AS sentiment,
       t.model AS model, t.taxonomy_version AS taxonomy_version,
       CASE WHEN cr.sentiment IS NULL THEN t.sentiment_score END AS sentiment_confidence,
       (SELECT max(ta.score) FROM tag_attributes ta
        WHERE ta.comment_id = c.id AND ta.assigned = 1) AS confidence,
       cr.comment_id IS NOT NULL AS corrected, cr.corrected_by, cr.created_at AS corrected_at,
       cr.attribute_sentiment AS _given, cr.sentiment AS _given_overall
FROM comments c
JOIN brands b ON b.id = c.brand_id
LEFT JOIN tags t ON t.comment_id = c.id
LEFT JOIN corrections cr ON cr.comment_id = c.id
"""


def _bad_date(name: str, value: str) -> Invalid:
    return Invalid(f"{name} must be a date like 2025-01-31, not {value[:40]!r}")


def parse_date(name: str, value: str) -> date:
    """A ``from``/``to`` date from a request; ``Invalid`` naming the parameter otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise _bad_date(name, value) from None


def _parse_day(name: str, value: str, *, end: bool) -> str:
    """A ``from``/``to`` bound as a stored timestamp; a bare date covers the whole day."""
    value = value.strip()
    if len(value) == 10:
        day = parse_date(name, value).isoformat()
        return f"{day}T23:59:59Z" if end else f"{day}T00:00:00Z"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _bad_date(name, value) from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


MAX_SEARCH_WORDS = 32  # a search of more words is refused: each word is one more index scan
MAX_SEARCH_CHARS = 500  # … and so is a longer one


def fts_query(text: str) -> str:
    """Turn what a person typed into an FTS5 query: every word must appear, syntax is literal.

    A search is bounded (``MAX_SEARCH_WORDS`` words, ``MAX_SEARCH_CHARS`` characters): an
    unbounded one let a single request hold a worker and the store for minutes."""
    if len(text) > MAX_SEARCH_CHARS:
        raise Invalid(f"q is at most {MAX_SEARCH_CHARS} characters, not {len(text)}: search for fewer words")
    text = _CONTROL.sub(" ", text)  # FTS5 ends a string at NUL: "unterminated string"
    words = [w.replace('"', '""') for w in text.split()]
    if len(words) > MAX_SEARCH_WORDS:
        raise Invalid(f"q has at most {MAX_SEARCH_WORDS} words, not {len(words)}: search for fewer words")
    return " ".join(f'"{w}"' for w in words)


@dataclass(frozen=True)
class CommentQuery:
    brand: str | None = None
    q: str | None = None
    attribute: str | None = None
    kind: str | None = None
    channel: str | None = None
    theme: int | None = None  # the comments a theme holds now (server.classify.themes)
    sort: str = "newest"
    date_from: str | None = None
    date_to: str | None = None
    page: int = 1
    per_page: int = 50

    @classmethod
    def from_args(cls, args: Mapping[str, str], *, default_per_page: int = 50) -> CommentQuery:
        """Build from query-string arguments, refusing unknown or malformed ones."""
        allowed = {"brand", "q", "attribute", "kind", "channel", "theme", "sort", "from", "to", "page",
                   "per_page"}  # fmt: skip
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise Invalid(
                f"unknown parameter(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
            )

        def text(name: str) -> str | None:
            value = args.get(name, "").strip()
            return value or None

        def number(name: str, default: int, top: int) -> int:
            raw = text(name)
            if raw is None:
                return default
            value = whole_number(raw)
            if value is None or not 1 <= value <= top:
                raise Invalid(f"{name} must be a whole number from 1 to {top}, not {raw[:20]!r}")
            return value

        kind = text("kind")
        if kind is not None and kind not in COMMENT_KINDS:
            raise Invalid(f"kind must be one of {', '.join(COMMENT_KINDS)}, not {kind!r}")
        if text("q"):
            fts_query(text("q"))  # refuses a search past the bounds now, with a clear 400
        sort = text("sort") or "newest"
        if sort not in SORTS:
            raise Invalid(f"sort must be one of {', '.join(SORTS)}, not {sort[:40]!r}")
        return cls(
            brand=text("brand"),
            q=text("q"),
            attribute=text("attribute"),
            kind=kind,
            channel=text("channel"),
            theme=number("theme", 0, 2**62) if text("theme") else None,
            sort=sort,
            date_from=_parse_day("from", text("from"), end=False) if text("from") else None,
            date_to=_parse_day("to", text("to"), end=True) if text("to") else None,
            page=number("page", 1, 1_000_000),
            per_page=number("per_page", default_per_page, MAX_PER_PAGE),
        )

    def where(self, db: Database) -> tuple[str, list]:
        clauses: list[str] = []
        params: list = []
        if self.brand:
            if not list(db.query("SELECT 1 FROM brands WHERE name = ? COLLATE NOCASE", [self.brand])):
                raise Invalid(f"unknown brand {self.brand!r}")
            clauses.append("b.name = ? COLLATE NOCASE")
            params.append(self.brand)
        if self.q and (match := fts_query(self.q)):
            clauses.append("c.id IN (SELECT rowid FROM comments_fts WHERE comments_fts MATCH ?)")
            params.append(match)
        if self.attribute:
            if list(db.query("SELECT 1 FROM attributes WHERE key = ?", [self.attribute])):
                clauses.append("c.id IN (SELECT comment_id FROM comment_attributes WHERE attribute = ?)")
                params.append(self.attribute)
            elif self.attribute == NO_ATTRIBUTE:  # classified (or corrected), and about no attribute
                clauses.append(
                    "c.id NOT IN (SELECT comment_id FROM comment_attributes) AND (c.id IN "
                    "(SELECT comment_id FROM tags) OR c.id IN (SELECT comment_id FROM corrections))"
                )
            else:
                raise Invalid(
                    f"unknown attribute {self.attribute!r} (or '{NO_ATTRIBUTE}': about no attribute)"
                )
        if self.kind:
            clauses.append("c.kind = ?")
            params.append(self.kind)
        if self.channel:
            clauses.append("c.channel = ?")
            params.append(self.channel)
        if self.theme is not None:
            if not list(db.query("SELECT 1 FROM themes WHERE id = ?", [self.theme])):
                raise Invalid(f"unknown theme {self.theme}")
            clauses.append("c.id IN (SELECT comment_id FROM theme_members WHERE theme_id = ?)")
            params.append(self.theme)
        if self.date_from:
            clauses.append("coalesce(c.published_at, c.collected_at) >= ?")
            params.append(self.date_from)
        if self.date_to:
            clauses.append("coalesce(c.published_at, c.collected_at) <= ?")
            params.append(self.date_to)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _with_attributes(db: Database, rows: list[dict]) -> list[dict]:
    """Each row's attributes and the sentiment towards each (a person's, else the model's)."""
    by_id: dict[int, list[str]] = {row["id"]: [] for row in rows}
    model: dict[int, dict[str, str]] = {row["id"]: {} for row in rows}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        sql = (
            f"SELECT comment_id, attribute FROM comment_attributes WHERE comment_id IN ({marks}) "
            "ORDER BY attribute"
        )
        for cid, attribute in db.conn.execute(sql, chunk):
            by_id[cid].append(attribute)
        sql = f"SELECT comment_id, attribute, sentiment FROM tag_attributes WHERE comment_id IN ({marks})"
        for cid, attribute, feeling in db.conn.execute(sql, chunk):
            if feeling:
                model[cid][attribute] = feeling
    for row in rows:
        row["attributes"] = by_id[row["id"]]
        given = json.loads(row.pop("_given", None) or "{}")
        overall = row.pop("_given_overall", None)
        feelings = model[row["id"]]
        row["attribute_sentiment"] = {
            a: given.get(a) or overall or feelings.get(a) or row["sentiment"] for a in row["attributes"]
        }
        row["corrected"] = bool(row["corrected"])
        for name in ("confidence", "sentiment_confidence"):
            if row.get(name) is not None:
                row[name] = round(row[name], 3)
    return rows


def comments_by_ids(db: Database, ids: list[int]) -> list[dict]:
    """The comments ``ids`` (those that exist), in that order, shaped as in ``search_comments``."""
    if not ids:
        return []
    rows = list(db.query(f"{_SELECT} WHERE c.id IN ({', '.join('?' * len(ids))})", list(ids)))
    order = {cid: i for i, cid in enumerate(ids)}
    return _with_attributes(db, sorted(rows, key=lambda r: order[r["id"]]))


def search_comments(db: Database, query: CommentQuery) -> dict:
    """One page of comments matching ``query`` in its order (newest first by default), with the
    total count. ``confidence`` is the model's highest score among the attributes it assigned."""
    where, params = query.where(db)
    total = db.execute(
        f"SELECT count(*) FROM comments c JOIN brands b ON b.id = c.brand_id {where}", params
    ).fetchone()[0]
    sql = f"{_SELECT} {where} ORDER BY {_ORDER[query.sort]} LIMIT ? OFFSET ?"
    offset = (query.page - 1) * query.per_page
    rows = list(db.query(sql, [*params, query.per_page, offset]))
    return {
        "comments": _with_attributes(db, rows),
        "total": total,
        "page": query.page,
        "per_page": query.per_page,
        "pages": max(1, math.ceil(total / query.per_page)),
    }


def iter_comments(db: Database, query: CommentQuery, *, chunk: int = 1000) -> Iterator[dict]:
    """Every comment matching ``query`` (pagination ignored), oldest first, for export."""
    where, params = query.where(db)
    last_id = 0
    while True:
        extra = " AND " if where else " WHERE "
        sql = f"{_SELECT} {where}{extra}c.id > ? ORDER BY c.id LIMIT ?"
        rows = list(db.query(sql, [*params, last_id, chunk]))
        if not rows:
            return
        yield from _with_attributes(db, rows)
        last_id = rows[-1]["id"]


def comment_counts(db: Database) -> dict:
    """Totals for the health check and the home page."""
    row = db.execute(
        "SELECT count(*), coalesce(sum(duplicates), 0), (SELECT count(*) FROM tags) FROM comments"
    ).fetchone()
    return {"comments": row[0], "duplicates_seen": row[1], "tagged": row[2]}
