"""The demo workspace: generated deterministically from ``demo_data``, loaded through ingestion."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from server.classify.taxonomy import ensure_taxonomy, set_positioning
from server.collect.ingest import Context, ingest, summarise
from server.errors import Conflict
from server.jobs import demo_data as data
from server.people.accounts import add_user
from server.store.brands import add_brand, list_brands
from server.store.db import write_transaction
from server.tell.alerts import ensure_rules
from server.tell.cases import open_case
from server.tell.enemies import name_enemy

START = datetime(2025, 5, 1, tzinfo=UTC)
END = datetime(2026, 10, 31, tzinfo=UTC)
UNDECLARED_SHARE = 0.06
SECOND_ATTRIBUTE = 0.3
RATED_CHANNELS = {"G2", "Trustpilot", "App Store"}


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _mix(brand: str, t: float) -> dict[str, float]:
    start, end = data.MIX[brand]["start"], data.MIX[brand]["end"]
    return {k: start[k] + (end[k] - start[k]) * t for k in start}


def _sentences(rng: random.Random, brand: str, t: float) -> tuple[list[str], list[str], list[bool]]:
    """The body of one comment, the attributes it speaks of, and how it feels about each."""
    if rng.random() < UNDECLARED_SHARE:
        return [rng.choice(data.UNDECLARED) + rng.choice(data.REQUEST_ENDINGS)], [], [False]
    first = _pick(rng, _mix(brand, t))
    attributes = [first]
    if rng.random() < SECOND_ATTRIBUTE:
        attributes.append(_pick(rng, {k: v for k, v in _mix(brand, t).items() if k != first}))
    moods = [rng.random() < data.POSITIVE[brand][a] for a in attributes]
    body = [
        rng.choice(data.PHRASES[a]["positive" if m else "negative"])
        for a, m in zip(attributes, moods, strict=True)
    ]
    return body, attributes, moods


def _fill(rng: random.Random, template: str, parts: dict[str, list[str]], **known: str) -> str:
    return template.format(**{k: rng.choice(v) for k, v in parts.items()}, **known)


def _rating(rng: random.Random, positive: bool, mixed: bool) -> int:
    """Stars as people give them: 5 or 4 for praise, 1 or 2 for complaints, 2–4 when mixed."""
    if mixed:
        return 4 if positive else rng.choice([2, 3])
    if positive:
        return 5 if rng.random() < 0.7 else 4
    return 1 if rng.random() < 0.6 else 2


def _comment(rng: random.Random, brand: str, seen: set[str]) -> tuple[dict, dict]:
    slug = brand.lower().replace(" ", "-")
    others = [b for b in (data.OURS, *data.COMPETITORS) if b != brand]
    for _attempt in range(50):
        t = rng.random() ** 0.8  # volume grows over time
        body, attributes, moods = _sentences(rng, brand, t)
        positive, mixed = moods[0], len(set(moods)) > 1
        feeling = "positive" if positive else "negative"
        parts = [s.format(b=brand) for s in body]
        if attributes and rng.random() < data.OPENER_SHARE:  # a feature request comes without a preamble
            parts.insert(0, _fill(rng, rng.choice(data.OPENERS), data.OPENER_PARTS, b=brand))
        if mixed:
            parts.append(_fill(rng, rng.choice(data.VERDICTS[feeling]), data.CLOSER_PARTS, b=brand, other=""))
        elif attributes and rng.random() < data.CLOSER_SHARE:
            closer = rng.choice(data.CLOSERS[feeling])
            parts.append(_fill(rng, closer, data.CLOSER_PARTS, b=brand, other=rng.choice(others)))
        text = " ".join(parts)
        if text not in seen:
            break
    seen.add(text)
    channel, _weight, pattern = rng.choices(data.CHANNELS, weights=[c[1] for c in data.CHANNELS])[0]
    published = START + (END - START) * t + timedelta(seconds=rng.randrange(86_400))
    item = {
        "text": text,
        "brand": brand,
        "channel": channel,
        "url": pattern.format(slug=slug, n=rng.randrange(100_000, 1_000_000)),
        "author": f"{rng.choice(data.FIRST_NAMES)} {chr(65 + rng.randrange(26))}.",
        "published_at": min(published, END).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "language": "en",
    }
    if channel in RATED_CHANNELS:
        item["rating"] = _rating(rng, positive, mixed)
    feelings = {a: "positive" if m else "negative" for a, m in zip(attributes, moods, strict=False)}
    truth = {"attributes": attributes, "positive": positive, "attribute_sentiment": feelings}
    return item, truth


def _planted(rng: random.Random, seen: set[str]) -> list[tuple[dict, dict]]:
    """The planted change (``data.PLANTED``): the demo's last days of complaints about one
    attribute, which the alert rules raise."""
    plant = data.PLANTED
    brand, attribute = plant["brand"], plant["attribute"]
    start = datetime.fromisoformat(plant["from"]).replace(tzinfo=UTC)
    slug = brand.lower().replace(" ", "-")
    out = []
    while len(out) < plant["count"]:
        text = f"{rng.choice(plant['when'])}, {rng.choice(plant['what'])}.{rng.choice(plant['after'])}"
        if text in seen:
            continue
        seen.add(text)
        channel, _weight, pattern = rng.choices(data.CHANNELS, weights=[c[1] for c in data.CHANNELS])[0]
        published = start + (END - start) * rng.random()
        item = {"text": text, "brand": brand, "channel": channel,
                "url": pattern.format(slug=slug, n=rng.randrange(100_000, 1_000_000)),
                "author": f"{rng.choice(data.FIRST_NAMES)} {chr(65 + rng.randrange(26))}.",
                "published_at": published.strftime("%Y-%m-%dT%H:%M:%SZ"), "language": "en"}  # fmt: skip
        if channel in RATED_CHANNELS:
            item["rating"] = _rating(rng, False, False)
        truth = {"attributes": [attribute], "positive": False, "attribute_sentiment": {attribute: "negative"}}
        out.append((item, truth))
    return out


def labelled_customer_comments(seed: int = 2026) -> list[tuple[dict, dict]]:
    """Every demo customer comment with what it was written to say (attributes, sentiment),
    the planted change last."""
    rng = random.Random(seed)
    seen: set[str] = set()
    made = [_comment(rng, brand, seen) for brand, count in data.COUNTS.items() for _ in range(count)]
    return made + _planted(random.Random(seed + 1), seen)


def customer_comments(seed: int = 2026) -> list[dict]:
    """Every demo customer comment, the same list on every call with the same seed."""
    return [item for item, _truth in labelled_customer_comments(seed)]


def _brand_posts() -> dict[str, list[tuple[str, str]]]:
    """Short posts of each brand's copy: two or three of its lines each, the same every time."""
    rng = random.Random(7)
    posts: dict[str, list[tuple[str, str]]] = {}
    for brand, count in data.BRAND_POSTS.items():
        lines = data.BRAND_LINES[brand]
        posts[brand] = [
            (f"{brand} post {i + 1}", " ".join(rng.sample(lines, rng.randint(2, 3)))) for i in range(count)
        ]
    return posts


def emitted_content() -> list[dict]:
    """The brands' own published pieces (articles and short posts), spread evenly over the period."""
    items = []
    posts = _brand_posts()
    for brand, articles in data.EMITTED.items():
        pieces = list(articles) + posts.get(brand, [])
        random.Random(brand).shuffle(pieces)  # articles and posts interleaved in time
        slug = brand.lower().replace(" ", "-")
        for i, (title, text) in enumerate(pieces):
            when = START + (END - START) * (i + 0.5) / len(pieces)
            items.append(
                {
                    "text": text,
                    "title": title,
                    "brand": brand,
                    "kind": "emitted",
                    "channel": "Brand site",
                    "url": f"https://{slug}.example.com/blog/{i + 1}",
                    "published_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "language": "en",
                }
            )
    return items


def is_loaded(db: Database) -> bool:
    return bool(list(db.query("SELECT 1 FROM meta WHERE key = 'demo' AND value = 'loaded'")))


def load_demo(db: Database, *, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Fill an empty workspace with the demo; answer the ingestion counts."""
    if is_loaded(db):
        raise Conflict("the demo workspace is already loaded in this database")
    if list_brands(db):
        raise Conflict(
            "this workspace already has brands; load the demo into its own database, "
            "e.g. GAPWATCH_DB=instance/demo.db gapwatch demo"
        )
    ensure_taxonomy(db)
    add_brand(db, data.OURS)
    for name in data.COMPETITORS:
        add_brand(db, name, competitor=True)
    ensure_rules(db)
    for name, weights in data.POSITIONING.items():
        set_positioning(db, name, weights, data.STATEMENTS[name])
    outcomes = ingest(db, customer_comments(), Context(origin="import"), progress=progress)
    outcomes += ingest(db, emitted_content(), Context(origin="import", kind="emitted"), progress=progress)
    for case in data.CASES:  # tested by the first alert check, once the comments are tagged
        open_case(db, case, by="demo", test=False)
    for name, role in data.PEOPLE.items():
        add_user(db, name, secrets.token_urlsafe(24), role)
    name_enemy(db, data.ENEMY, by="demo")
    with write_transaction(db):
        db["meta"].upsert({"key": "demo", "value": "loaded"}, pk="key")
    return summarise(outcomes)


# --- the demo's own sites -------------------------------------------------------------------------
# Fictional pages shipped in ``server/jobs/demo_site`` and served by the demo workspace itself at
# /demo-site/ (``web.demo_site``), so its sources really crawl without the internet: a review
# page in two pages, a forum feed, and a forum that has moved away (a source that fails, as real
# ones do). Only these addresses of the server itself may be crawled without the setting that
# opens private networks (``crawls.demo_site_prefix``).
DEMO_SITE = Path(__file__).parent / "demo_site"
DEMO_SITE_KEY = "demo_site_url"
DEMO_SOURCES = [  # (file under /demo-site/, kind, brand, name, schedule)
    ("lumio-reviews.html", "schemaorg", "Lumio", "Lumio on ReviewNest (demo site)", "daily at 07:00"),
    ("driftbox-community.xml", "feed", "Driftbox", "Driftbox community feed (demo site)", "every 6 hours"),
    ("nimbus-forum/latest.html", "schemaorg", "Nimbus Vault", "Old Nimbus Vault forum (moved away)",
     "weekly on Monday"),
]  # fmt: skip


def open_demo_site(db: Database, base: str) -> list[int]:
    """Point the demo's sources at this server (``base``, e.g. ``http://127.0.0.1:5099``),
    making them the first time, and ask for a first crawl of those never run; answer their ids.
    A workspace that is not the demo is left alone (answer ``[]``)."""
    from server.collect.crawls import add_source, request_run

    if not is_loaded(db):
        return []
    prefix = base.rstrip("/") + "/demo-site/"
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [DEMO_SITE_KEY, prefix])
    ids = []
    for file, kind, brand, name, schedule in DEMO_SOURCES:
        row = db.execute("SELECT id FROM sources WHERE name = ? AND one_off = 0", [name]).fetchone()
        if row is None:
            source = add_source(db, {"kind": kind, "url": prefix + file, "brand": brand, "name": name,
                                     "schedule": schedule})  # fmt: skip
            ids.append(source["id"])
        else:
            with write_transaction(db):
                db.execute("UPDATE sources SET url = ? WHERE id = ?", [prefix + file, row[0]])
            ids.append(row[0])
    for source_id in ids:
        if db.execute("SELECT count(*) FROM crawl_runs WHERE source_id = ?", [source_id]).fetchone()[0] == 0:
            request_run(db, source_id)
    return ids


DEMO_ADMIN = "demo"


DEMO_PASSWORD_KEY = "demo_password"


def demo_admin(db: Database) -> str | None:
    """Make the demo's admin the first time, with a new password kept in ``meta`` (the demo
    workspace's signing key lives there too), so every ``make run`` of one workspace shows the
    same login and logs nobody out. Answer the password; None when it was changed since
    (``gapwatch users password demo``), which only its new owner knows."""
    import secrets

    from server.people.accounts import add_user, find_user, set_password

    if find_user(db, DEMO_ADMIN) is not None and _kept_password(db) is not None:
        return demo_login(db)
    password = secrets.token_urlsafe(12)
    with write_transaction(db):  # the account and its kept password, or neither
        if find_user(db, DEMO_ADMIN) is None:
            add_user(db, DEMO_ADMIN, password, "admin")
        else:  # a workspace from before the password was kept
            set_password(db, DEMO_ADMIN, password)
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [DEMO_PASSWORD_KEY, password])
    return password


def _kept_password(db: Database) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [DEMO_PASSWORD_KEY]).fetchone()
    return row[0] if row else None


def demo_login(db: Database) -> str | None:
    """The demo admin's kept password while it still opens the account (reads only)."""
    from werkzeug.security import check_password_hash

    from server.people.accounts import username_key

    kept = _kept_password(db)
    row = db.execute(
        "SELECT password_hash FROM users WHERE username_key = ?", [username_key(DEMO_ADMIN)]
    ).fetchone()
    return kept if kept and row and check_password_hash(row[0], kept) else None
