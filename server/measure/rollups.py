"""Tag patterns counted per day, week and month: what the figures read instead of every comment.

A comment's *pattern* is what the figures need of it: the attributes it is tagged with (a human
correction wins over the model), each with its sentiment, e.g. ``innovation=+;price=-`` (``''``
when it is tagged with none). The bootstrap over comments only needs how many comments carry each
pattern, so a million comments become a few thousand rows (see ``server.measure.metrics``).

``pattern_counts`` holds those counts per brand, kind, channel (``''`` = all channels) and day,
week (starting Monday) or month. Triggers (migration m0006) note each (brand, day) whose comments,
tags or corrections change; ``refresh`` recomputes exactly those days, then their weeks and
months, in one transaction, before any figure is read. Figures are therefore the same as if
computed from the comments themselves (tests/test_rollups.py checks it).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlite_utils import Database

from server.store.db import write_transaction

ALL = ""  # the channel value of rows over all channels
SYMBOL = {"positive": "+", "neutral": "0", "negative": "-", None: "0"}
FEELING = {"+": "positive", "0": "neutral", "-": "negative"}
FULL_REBUILD = 3000  # dirty days beyond which one pass over every comment is quicker
_DAY = "substr(coalesce(c.published_at, c.collected_at), 1, 10)"

# One row per comment and model attribute that matters: those the model assigned, or all of them
# when a person's correction names the attributes (the model's sentiment for one still counts).
_PATTERNS_SQL = f"""
    SELECT c.id, c.brand_id, c.kind, c.channel, {_DAY} AS day, t.sentiment, k.attributes, k.sentiment,
           ta.attribute, ta.assigned, ta.sentiment, k.attribute_sentiment
    FROM comments c
    JOIN tags t ON t.comment_id = c.id
    LEFT JOIN corrections k ON k.comment_id = c.id
    LEFT JOIN tag_attributes ta ON ta.comment_id = c.id AND (ta.assigned = 1 OR k.attributes IS NOT NULL)
"""


def encode(tags: dict[str, str | None]) -> str:
    """``{attribute: sentiment}`` as a pattern string (attributes sorted)."""
    return ";".join(f"{a}={SYMBOL.get(f, '0')}" for a, f in sorted(tags.items()))


def decode(pattern: str) -> dict[str, str]:
    if not pattern:
        return {}
    return {a: FEELING[s] for a, _, s in (part.rpartition("=") for part in pattern.split(";"))}


def week_start(day: str) -> str:
    moment = date.fromisoformat(day)
    return (moment - timedelta(days=moment.weekday())).isoformat()


def month_start(day: str) -> str:
    return day[:8] + "01"


def _count(rows: Iterable[tuple], *, model_only: bool = False) -> Counter:
    """(brand, kind, channel, day, pattern) → comments, from ``_PATTERNS_SQL`` rows ordered by
    comment id. A correction's attributes replace the model's; an attribute's sentiment is the one
    a person gave it, else the sentiment a person gave the comment, else the model's for that
    attribute, else the model's for the comment. ``model_only``: the model's own tags, as if there
    were no corrections."""
    counts: Counter = Counter()
    current = None
    key: tuple = ()
    model: dict[str, str | None] = {}
    scored: dict[str, str | None] = {}
    corrected: str | None = None
    overall: str | None = None
    for (
        cid,
        brand_id,
        kind,
        channel,
        day,
        sentiment,
        k_attrs,
        k_sentiment,
        attribute,
        assigned,
        feeling,
        k_feelings,
    ) in rows:
        if model_only:
            k_attrs = k_sentiment = k_feelings = None
            if not assigned:
                attribute = None
        if cid != current:
            if current is not None:
                _add(counts, key, _pattern(model, scored, corrected, overall))
            current, key, model, scored = cid, (brand_id, kind, channel, day), {}, {}
            corrected, overall = k_attrs, k_sentiment or sentiment
            given = json.loads(k_feelings) if k_feelings else {}
        if attribute is not None:
            scored[attribute] = given.get(attribute) or k_sentiment or feeling or sentiment
            if assigned:
                model[attribute] = scored[attribute]
    if current is not None:
        _add(counts, key, _pattern(model, scored, corrected, overall))
    return counts


def _pattern(model: dict, scored: dict, corrected: str | None, overall: str | None) -> str:
    if corrected is None:
        return encode(model)
    return encode({a: scored.get(a, overall) for a in json.loads(corrected)})


def _add(counts: Counter, key: tuple, pattern: str) -> None:
    brand_id, kind, channel, day = key
    counts[(brand_id, kind, ALL, day, pattern)] += 1
    if channel is not None:
        counts[(brand_id, kind, channel, day, pattern)] += 1


def pending(db: Database) -> int:
    return db.execute("SELECT count(*) FROM pattern_dirty").fetchone()[0]


def refresh(db: Database) -> int:
    """Recompute the counts of every day noted as changed; answer how many days were."""
    if not db.execute("SELECT 1 FROM pattern_dirty LIMIT 1").fetchone():
        return 0
    with write_transaction(db):
        dirty = db.execute("SELECT brand_id, day FROM pattern_dirty").fetchall()
        if not dirty:  # another process refreshed meanwhile
            return 0
        if len(dirty) > FULL_REBUILD:
            _rebuild(db)
        else:
            _refresh_days(db, dirty)
        db.execute("DELETE FROM pattern_dirty")
        _bump(db)
    return len(dirty)


_VERSION_KEY = "figures_version"


def _bump(db: Database) -> None:
    """A new random version: unique across workspaces and restores, not merely larger."""
    db.execute(
        "INSERT INTO meta (key, value) VALUES (?, lower(hex(randomblob(12)))) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [_VERSION_KEY],
    )


def version(db: Database) -> str:
    """Changes whenever the counts change (after bringing them up to date): figures computed at
    the same version from the same question are the same, so they may be reused."""
    refresh(db)
    row = db.execute("SELECT value FROM meta WHERE key = ?", [_VERSION_KEY]).fetchone()
    if row is None:  # nothing counted yet in this workspace: give it a version of its own
        with write_transaction(db):
            _bump(db)
        row = db.execute("SELECT value FROM meta WHERE key = ?", [_VERSION_KEY]).fetchone()
    path = db.execute("PRAGMA database_list").fetchone()[2]
    return f"{path}|{row[0]}"


def rebuild(db: Database) -> None:
    """Recompute every count from the comments (after a bulk load, or to check)."""
    with write_transaction(db):
        _rebuild(db)
        db.execute("DELETE FROM pattern_dirty")
        _bump(db)


def _rebuild(db: Database) -> None:
    db.execute("DELETE FROM pattern_counts")
    counts = _count(db.execute(_PATTERNS_SQL + " ORDER BY c.id"))
    _insert_days(db, counts)
    for grain in ("week", "month"):
        _roll_up(db, grain, None)


def _refresh_days(db: Database, dirty: Sequence[tuple[int, str]]) -> None:
    counts: Counter = Counter()
    for brand_id, day in dirty:
        db.execute("DELETE FROM pattern_counts WHERE grain = 'day' AND brand_id = ? AND period = ?",
                   [brand_id, day])  # fmt: skip
        sql = _PATTERNS_SQL + f" WHERE c.brand_id = ? AND {_DAY} = ? ORDER BY c.id"
        counts.update(_count(db.execute(sql, [brand_id, day])))
    _insert_days(db, counts)
    for grain, start in (("week", week_start), ("month", month_start)):
        _roll_up(db, grain, {(brand_id, start(day)) for brand_id, day in dirty if day})


def _insert_days(db: Database, counts: Counter) -> None:
    db.conn.executemany(
        "INSERT INTO pattern_counts (brand_id, kind, grain, channel, period, pattern, n) "
        "VALUES (?, ?, 'day', ?, ?, ?, ?)",
        ((b, k, ch, day, p, n) for (b, k, ch, day, p), n in counts.items() if day),
    )


def _roll_up(db: Database, grain: str, periods: set[tuple[int, str]] | None) -> None:
    """Sum day rows into week or month rows: all of them, or the (brand, period) given."""
    if grain == "week":  # the Monday on or before the day
        bucket = "date(period, '-' || ((cast(strftime('%w', period) AS integer) + 6) % 7) || ' days')"
    else:
        bucket = "substr(period, 1, 8) || '01'"
    insert = (
        "INSERT INTO pattern_counts (brand_id, kind, grain, channel, period, pattern, n) "
        f"SELECT brand_id, kind, '{grain}', channel, {bucket}, pattern, sum(n) FROM pattern_counts "
        f"WHERE grain = 'day' {{where}} GROUP BY brand_id, kind, channel, {bucket}, pattern"
    )
    if periods is None:
        db.execute("DELETE FROM pattern_counts WHERE grain = ?", [grain])
        db.execute(insert.format(where=""))
        return
    for brand_id, start in sorted(periods):
        db.execute("DELETE FROM pattern_counts WHERE grain = ? AND brand_id = ? AND period = ?",
                   [grain, brand_id, start])  # fmt: skip
        db.execute(insert.format(where="AND brand_id = ? AND period BETWEEN ? AND ?"),
                   [brand_id, start, _period_end(grain, start)])  # fmt: skip


def _period_end(grain: str, start: str) -> str:
    first = date.fromisoformat(start)
    if grain == "week":
        return (first + timedelta(days=6)).isoformat()
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - timedelta(days=1)).isoformat()


def _next(day: str, step: int = 1) -> str:
    return (date.fromisoformat(day) + timedelta(days=step)).isoformat()


def segments(start: str | None, end: str | None, grain: str) -> list[tuple[str, str | None, str | None]]:
    """Cover the days ``[start, end]`` with the whole weeks or months (``grain``) inside it and
    single days at the edges: ``(grain, first period, last period)``, ``None`` = unbounded."""
    if start is None and end is None:
        return [(grain, None, None)]
    starter = week_start if grain == "week" else month_start
    first = None  # the first whole period starting on or after ``start``
    if start is not None:
        first = start if starter(start) == start else _next(_period_end(grain, starter(start)))
    last = None  # the last whole period ending on or before ``end``
    if end is not None:
        last = starter(end)
        if _period_end(grain, last) != end:
            last = starter(_next(last, -1))
    if first is not None and last is not None and first > last:
        return [("day", start, end)]
    out: list[tuple[str, str | None, str | None]] = [(grain, first, last)]
    if start is not None and first != start:
        out.append(("day", start, _next(first, -1)))
    if end is not None and last is not None and _period_end(grain, last) != end:
        out.append(("day", _next(_period_end(grain, last)), end))
    return out


def pattern_rows(
    db: Database,
    brand_id: int,
    *,
    kind: str,
    start: str | None,
    end: str | None,
    channels: Sequence[str] = (),
    interval: str | None = None,
) -> list[tuple[str | None, str, int]]:
    """``(bucket, pattern, comments)`` for a brand's classified comments of ``kind`` in the days
    ``[start, end]``: bucket is the week or month for ``interval``, ``None`` without one. Rows come
    in a stable order (by bucket, then pattern), so equal data gives equal samples."""
    refresh(db)
    grain = interval or "month"
    bucketer = {"week": week_start, "month": month_start}.get(interval or "")
    where_channels = "channel = ?" if not channels else f"channel IN ({', '.join('?' * len(channels))})"
    channel_args = [ALL] if not channels else list(channels)
    group = "pattern" if interval is None else "period, pattern"
    parts: dict[str, list] = {}
    for seg_grain, first, last in segments(start, end, grain):
        where = ["brand_id = ?", "kind = ?", "grain = ?", where_channels]
        args: list[object] = [brand_id, kind, seg_grain, *channel_args]
        if first is not None:
            where.append("period >= ?")
            args.append(first)
        if last is not None:
            where.append("period <= ?")
            args.append(last)
        sql = (
            f"SELECT {'NULL' if interval is None else 'period'}, pattern, sum(n) FROM pattern_counts "
            f"WHERE {' AND '.join(where)} GROUP BY {group} ORDER BY {group}"
        )
        rows = db.execute(sql, args).fetchall()
        if bucketer is not None and seg_grain != interval:  # edge days: into their (partial) period
            rows = _merge((bucketer(day), pattern, n) for day, pattern, n in rows)
        position = "main" if seg_grain == grain else ("before" if first == start else "after")
        parts[position] = rows
    if interval is None:  # one sample: the same pattern from every segment together
        return _merge(row for rows in parts.values() for row in rows)
    # the edge days' periods lie before and after every whole period: no sort needed
    return [*parts.get("before", []), *parts.get("main", []), *parts.get("after", [])]


_HUMAN_SQL = f"""
    SELECT c.id, c.brand_id, c.kind, c.channel, {_DAY} AS day, t.sentiment, k.attributes, k.sentiment,
           ta.attribute, ta.assigned, ta.sentiment, k.attribute_sentiment
    FROM corrections k
    JOIN comments c ON c.id = k.comment_id
    JOIN tags t ON t.comment_id = c.id
    LEFT JOIN tag_attributes ta ON ta.comment_id = c.id
    WHERE k.attributes IS NOT NULL AND c.brand_id = ? AND c.kind = ?
"""


def corrected_rows(
    db: Database,
    brand_id: int,
    *,
    kind: str,
    start: str | None,
    end: str | None,
    channels: Sequence[str] = (),
    interval: str | None = None,
    model_only: bool = False,
) -> list[tuple[str | None, str, int]]:
    """Like ``pattern_rows``, for the comments whose attributes a person set (a correction that
    names them), with the person's tags, or the model's own with ``model_only``. Read from the
    corrections themselves, which are few."""
    sql, args = _HUMAN_SQL, [brand_id, kind]
    if start is not None:
        sql += f" AND {_DAY} >= ?"
        args.append(start)
    if end is not None:
        sql += f" AND {_DAY} <= ?"
        args.append(end)
    if channels:
        sql += f" AND c.channel IN ({', '.join('?' * len(channels))})"
        args += list(channels)
    counts = _count(db.execute(sql + " ORDER BY c.id", args), model_only=model_only)
    bucketer = {"week": week_start, "month": month_start}.get(interval or "", lambda _day: None)
    return _merge(
        (bucketer(day), pattern, n) for (_b, _k, channel, day, pattern), n in counts.items() if channel == ALL
    )


def _merge(rows: Iterable[tuple[str | None, str, int]]) -> list[tuple[str | None, str, int]]:
    totals: dict[tuple[str | None, str], int] = {}
    for bucket, pattern, n in rows:
        totals[(bucket, pattern)] = totals.get((bucket, pattern), 0) + n
    return [(bucket, pattern, n) for (bucket, pattern), n in sorted(totals.items(), key=_key)]


def _key(item):
    (bucket, pattern), _n = item
    return (bucket or "", pattern)


def channels(db: Database) -> list[str]:
    """The channels that classified comments come from, for filter menus. A loose index scan
    (one seek per channel) over the month counts: reading the comments, or every count row,
    would take long in a large store."""
    found: set[str] = set()
    seek = (
        "SELECT min(channel) FROM pattern_counts WHERE brand_id = ? AND kind = ? AND grain = 'month' "
        "AND channel > ?"
    )
    for (brand_id,) in db.execute("SELECT id FROM brands").fetchall():
        for kind in ("customer", "emitted"):
            channel = db.execute(seek, [brand_id, kind, ALL]).fetchone()[0]
            while channel is not None:
                found.add(channel)
                channel = db.execute(seek, [brand_id, kind, channel]).fetchone()[0]
    return sorted(found)


def latest_day(db: Database, brand_id: int, kind: str = "customer") -> str | None:
    """The newest day with a classified comment of the brand."""
    refresh(db)
    row = db.execute(
        "SELECT max(period) FROM pattern_counts WHERE brand_id = ? AND kind = ? AND grain = 'day' "
        "AND channel = ''",
        [brand_id, kind],
    ).fetchone()
    return row[0] if row else None
