"""The pre-aggregated pattern counts give the same figures as reading every comment, through
every kind of change (new tags, re-tags, corrections, deleted comments), for any period."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from server.classify.corrections import correct, remove_correction
from server.classify.taxonomy import current_attributes
from server.collect.ingest import Context, ingest
from server.measure import rollups
from server.measure.metrics import load_sample
from server.measure.perception import Scope, brand_gap, brand_trends

CHANNELS = ["Reddit", "G2", None]
FEELINGS = ["positive", "neutral", "negative"]


def _reference(db, brand_id, kind, start, end, channels, interval):
    """Pattern counts straight from the comments (what the rollups must equal)."""
    day = "substr(coalesce(c.published_at, c.collected_at), 1, 10)"
    where, args = ["c.brand_id = ?", "c.kind = ?"], [brand_id, kind]
    if start:
        where.append(f"{day} >= ?")
        args.append(start)
    if end:
        where.append(f"{day} <= ?")
        args.append(end)
    if channels:
        where.append(f"c.channel IN ({', '.join('?' * len(channels))})")
        args.extend(channels)
    rows = db.execute(
        f"""SELECT c.id, {day}, a.attribute, coalesce(k.sentiment, ta.sentiment, t.sentiment)
        FROM comments c JOIN tags t ON t.comment_id = c.id
        LEFT JOIN corrections k ON k.comment_id = c.id
        LEFT JOIN comment_attributes a ON a.comment_id = c.id
        LEFT JOIN tag_attributes ta ON ta.comment_id = c.id AND ta.attribute = a.attribute
        WHERE {" AND ".join(where)} ORDER BY c.id""",
        args,
    ).fetchall()
    tags: dict[int, dict] = {}
    days: dict[int, str] = {}
    for cid, d, attribute, feeling in rows:
        tags.setdefault(cid, {})
        days[cid] = d
        if attribute is not None:
            tags[cid][attribute] = feeling
    bucket = {"week": rollups.week_start, "month": rollups.month_start, None: lambda d: None}[interval]
    return Counter((bucket(days[c]), rollups.encode(t)) for c, t in tags.items())


def _from_rollups(db, brand_id, kind, start, end, channels, interval):
    rows = rollups.pattern_rows(
        db, brand_id, kind=kind, start=start, end=end, channels=channels, interval=interval
    )
    return Counter({(b, p): n for b, p, n in rows})


def _tag(db, ids, rng, keys):
    """Write model tags as the classifier does (tags + tag_attributes), at random."""
    with db.atomic():
        for cid in ids:
            db.execute("DELETE FROM tag_attributes WHERE comment_id = ?", [cid])
            db.execute(
                "INSERT OR REPLACE INTO tags (comment_id, model, taxonomy_version, sentiment, "
                "sentiment_score, created_at) VALUES (?, 'test', 1, ?, 0.9, '2026-01-01T00:00:00Z')",
                [cid, rng.choice(FEELINGS)],
            )
            for key in keys:
                assigned = rng.random() < 0.3
                db.execute(
                    "INSERT INTO tag_attributes (comment_id, attribute, score, assigned, sentiment) "
                    "VALUES (?, ?, ?, ?, ?)",
                    [cid, key, rng.random(), int(assigned), rng.choice(FEELINGS)],
                )


SCOPES = [
    (None, None, ()),
    ("2026-01-05", "2026-02-17", ()),
    ("2026-01-01", "2026-03-31", ("Reddit",)),
    ("2026-02-03", "2026-02-09", ("Reddit", "G2")),
    (None, "2026-02-10", ()),
    ("2026-02-10", None, ("G2",)),
    ("2026-03-15", "2026-03-15", ()),
]


def _check_all(db, brand_id):
    for kind in ("customer", "emitted"):
        for start, end, channels in SCOPES:
            for interval in (None, "week", "month"):
                expected = _reference(db, brand_id, kind, start, end, channels, interval)
                got = _from_rollups(db, brand_id, kind, start, end, channels, interval)
                assert got == expected, (kind, start, end, channels, interval)


def test_rollups_equal_the_comments_through_every_change(db):
    rng = random.Random(7)
    keys = [a["key"] for a in current_attributes(db)]
    first = date(2026, 1, 1)
    items = [
        {
            "text": f"comment number {i} about things",
            "published_at": (first + timedelta(days=rng.randrange(90))).isoformat() + "T10:00:00Z",
            "channel": rng.choice(CHANNELS),
        }
        for i in range(300)
    ]
    outcomes = ingest(db, items, Context(origin="api", brand="Acme"))
    emitted = ingest(db, items[:40], Context(origin="api", brand="Acme", kind="emitted"))
    ids = [o.id for o in outcomes] + [o.id for o in emitted]
    _check_all(db, 1)  # nothing classified: nothing counted
    assert rollups.pattern_rows(db, 1, kind="customer", start=None, end=None) == []

    _tag(db, ids[:200], rng, keys)  # a first classification batch
    assert sum(_from_rollups(db, 1, "customer", None, None, (), None).values()) == 200
    _check_all(db, 1)
    _tag(db, ids[150:], rng, keys)  # a second batch, re-tagging some
    _check_all(db, 1)

    for cid in rng.sample(ids, 25):  # people correct attributes, sentiment or both, and undo
        correct(db, cid, attributes=rng.sample(keys, rng.randrange(3)), sentiment=rng.choice(FEELINGS))
    correct(db, ids[3], sentiment="negative")
    remove_correction(db, ids[5])
    _check_all(db, 1)

    with db.atomic():  # comments deleted and moved in time
        db.execute("DELETE FROM comments WHERE id IN (?, ?, ?)", ids[10:13])
        db.execute("UPDATE comments SET published_at = '2026-03-15T08:00:00Z' WHERE id = ?", [ids[20]])
        db.execute("UPDATE comments SET channel = 'G2' WHERE id = ?", [ids[21]])
    _check_all(db, 1)

    rollups.rebuild(db)  # a full rebuild agrees with the incremental refreshes
    _check_all(db, 1)
    assert rollups.pending(db) == 0


def test_a_fresh_ingest_and_tag_shows_in_the_next_figures(db):
    ingest(
        db, [{"text": "first", "published_at": "2026-05-02T00:00:00Z"}], Context(origin="api", brand="Acme")
    )
    keys = [a["key"] for a in current_attributes(db)]
    rng = random.Random(1)
    _tag(db, [1], rng, keys)
    before = brand_gap(db, "Acme")["comments"]
    out = ingest(
        db, [{"text": "second", "published_at": "2026-05-03T00:00:00Z"}], Context(origin="api", brand="Acme")
    )
    assert brand_gap(db, "Acme")["comments"] == before  # not classified yet: not counted
    _tag(db, [out[0].id], rng, keys)
    assert brand_gap(db, "Acme")["comments"] == before + 1
    trends = brand_trends(db, "Acme", Scope(), "week")
    assert [p["comments"] for p in trends["periods"]] == [2]  # both in the week of 2026-04-27


def test_load_sample_counts_equal_comment_count(db):
    rng = random.Random(3)
    keys = [a["key"] for a in current_attributes(db)]
    outcomes = ingest(
        db,
        [{"text": f"t{i}", "published_at": f"2026-01-{1 + i % 28:02d}T00:00:00Z"} for i in range(120)],
        Context(origin="api", brand="Rival"),
    )
    _tag(db, [o.id for o in outcomes], rng, keys)
    sample = load_sample(db, 2, keys)
    assert sample.n == 120
    assert len(sample.counts) < 120  # comments with the same tags share a row
    monthly = load_sample(db, 2, keys, interval="month")
    assert set(monthly.dates) == {"2026-01-01"} and monthly.n == 120


@pytest.mark.parametrize(
    ("start", "end", "grain", "expected"),
    [
        (None, None, "month", [("month", None, None)]),
        ("2026-03-05", "2026-03-20", "month", [("day", "2026-03-05", "2026-03-20")]),
        ("2026-03-01", "2026-05-31", "month", [("month", "2026-03-01", "2026-05-01")]),
        (
            "2026-03-05",
            "2026-06-10",
            "month",
            [
                ("month", "2026-04-01", "2026-05-01"),
                ("day", "2026-03-05", "2026-03-31"),
                ("day", "2026-06-01", "2026-06-10"),
            ],
        ),  # fmt: skip
        (
            "2026-03-05",
            "2026-03-20",
            "week",
            [
                ("week", "2026-03-09", "2026-03-09"),
                ("day", "2026-03-05", "2026-03-08"),
                ("day", "2026-03-16", "2026-03-20"),
            ],
        ),  # fmt: skip
        (None, "2026-05-10", "week", [("week", None, "2026-05-04")]),  # 10 May 2026 is a Sunday
    ],
)
def test_segments_cover_a_period_with_whole_periods_and_edge_days(start, end, grain, expected):
    assert rollups.segments(start, end, grain) == expected
