"""The customers' biggest problems, and the shared enemy: one problem both sides agree to beat.

``problems`` ranks what customers complain about for a brand over the latest ``DAYS`` days (ending
at its newest comment) against the ``DAYS`` before: per attribute, the comments whose sentiment
towards it is negative; per theme (``server.classify.themes``), its comments whose sentiment is negative.
Each problem has its **size** (negative comments now), **negativity** (the negative share of the
comments speaking of it), **rate** (the share of all the brand's customer comments that complain
of it, with its 95 % interval), its **growth** (the rate's change against the period before, with
its interval), a monthly trend, the three strongest complaints, and, for an attribute, the same
rate for each competitor.

A problem promoted to a **shared enemy** gets a name, one metric both sides watch (that rate: "the
share of customer comments with negative reliability sentiment"), a target, an owner on the
commercial side and one on the technical side, and its monthly curve with intervals from the
months before it was named to the newest. The overview shows the active ones at the top.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlite_utils import Database

from server.classify.taxonomy import attribute_keys
from server.errors import Conflict, Invalid, NotFound
from server.measure.metrics import Figure, Question, load_sample, period_start, proportion, proportion_change
from server.store.brands import list_brands, named_or_ours
from server.store.db import utcnow, write_transaction
from server.tell.cases import check_owner, quotes_of, scope_of, theme_quotes
from server.validation import Field, check_object, fields

DAYS = 90  # the problems' period, against the one before
TREND_MONTHS = 12
BEFORE_NAMED = 6  # months of a shared enemy's curve before it was named
SORTS = ("size", "negativity", "growth")
MAX_NAME = 120


def _latest(db: Database, brand_id: int) -> date | None:
    row = db.execute("SELECT max(date(coalesce(published_at, collected_at))) FROM comments "
                     "WHERE brand_id = ? AND kind = 'customer'", [brand_id]).fetchone()  # fmt: skip
    return date.fromisoformat(row[0]) if row and row[0] else None


def _negatives(sample) -> tuple[np.ndarray, np.ndarray]:
    """Per attribute: comments complaining of it, and comments speaking of it."""
    return sample.counts @ (sample.sentiment < 0), sample.counts @ sample.mentions


def _theme_counts(db: Database, brand_id: int, theme_id: int, start: str, end: str) -> tuple[int, int, int]:
    """A theme's negative comments, its comments, and all the brand's customer comments in [start, end]."""
    row = db.execute(
        "SELECT count(*), "
        "sum(c.id IN (SELECT comment_id FROM theme_members WHERE theme_id = ?1)), "
        "sum(c.id IN (SELECT comment_id FROM theme_members WHERE theme_id = ?1) "
        "    AND coalesce(k.sentiment, t.sentiment) = 'negative') "
        "FROM comments c LEFT JOIN tags t ON t.comment_id = c.id "
        "LEFT JOIN corrections k ON k.comment_id = c.id "
        "WHERE c.brand_id = ?2 AND c.kind = 'customer' "
        "AND (t.comment_id IS NOT NULL OR k.comment_id IS NOT NULL) "
        "AND date(coalesce(c.published_at, c.collected_at)) BETWEEN ?3 AND ?4",
        [theme_id, brand_id, start, end],
    ).fetchone()  # fmt: skip
    return int(row[2] or 0), int(row[1] or 0), int(row[0] or 0)


def _windows(latest: date) -> tuple[tuple[str, str], tuple[str, str]]:
    now = (latest - timedelta(days=DAYS - 1), latest)
    before = (now[0] - timedelta(days=DAYS), now[0] - timedelta(days=1))
    return (now[0].isoformat(), now[1].isoformat()), (before[0].isoformat(), before[1].isoformat())


def _months(latest: date, count: int) -> list[tuple[str, str]]:
    """The ``count`` calendar months up to ``latest``'s, oldest first, as (first day, last day)."""
    out, month = [], date.fromisoformat(period_start(latest.isoformat(), "month"))
    for _ in range(count):
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        out.append((month.isoformat(), min(following - timedelta(days=1), latest).isoformat()))
        month = (month - timedelta(days=1)).replace(day=1)
    return out[::-1]


def attribute_rate(db: Database, brand_id: int, attribute: str, start: str, end: str, label: str,
                   memo: dict | None = None) -> Figure:  # fmt: skip
    """The share of the brand's customer comments in [start, end] complaining of ``attribute``.
    ``memo`` keeps each brand's and period's counts for the other attributes asked after it."""
    key = (brand_id, start, end)
    if memo is None or key not in memo:
        attributes = attribute_keys(db)
        sample = load_sample(db, brand_id, attributes, start=start, end=end)
        counts = (dict(zip(attributes, _negatives(sample)[0], strict=True)), sample.n)
        if memo is None:
            memo = {}
        memo[key] = counts
    negative, n = memo[key]
    return proportion(
        float(negative[attribute]), n, Question(f"enemy|{label}|{brand_id}|{attribute}|{start}|{end}")
    )


def theme_rate(db: Database, brand_id: int, theme_id: int, start: str, end: str) -> Figure:
    negative, _members, total = _theme_counts(db, brand_id, theme_id, start, end)
    return proportion(negative, total, Question(f"enemy|theme|{brand_id}|{theme_id}|{start}|{end}"))


def _trend(rate, latest: date) -> list[dict]:
    return [{"month": first, **rate(first, last).as_dict()} for first, last in _months(latest, TREND_MONTHS)]


def problems(db: Database, brand_name: str | None = None, sort: str = "size") -> dict:
    """The brand's (default: ours) customer problems, ranked by ``sort`` (size, negativity or growth)."""
    if sort not in SORTS:
        raise Invalid(f"sort must be one of {', '.join(SORTS)}, not {str(sort)[:40]!r}")
    brand = named_or_ours(db, brand_name)
    latest = _latest(db, brand["id"])
    if latest is None:
        return {"brand": brand["name"], "sort": sort, "period": None, "problems": []}
    (start, end), (before_start, before_end) = _windows(latest)
    attributes = attribute_keys(db)
    now_sample = load_sample(db, brand["id"], attributes, start=start, end=end)
    then_sample = load_sample(db, brand["id"], attributes, start=before_start, end=before_end)
    negative, spoken = _negatives(now_sample)
    negative_before, _ = _negatives(then_sample)
    others = [b for b in list_brands(db, counts=False) if b["id"] != brand["id"]]
    memo: dict = {}  # each brand's and month's counts, loaded once for all the attributes
    found = []
    for j, attribute in enumerate(attributes):
        if negative[j] <= 0:
            continue
        key = f"{brand['id']}|{attribute}|{start}"
        rate = proportion(float(negative[j]), now_sample.n, Question(f"enemy|now|{key}"))
        growth = proportion_change((int(negative_before[j]), then_sample.n), (int(negative[j]), now_sample.n),
                                   Question(f"enemy|growth|{key}"))  # fmt: skip
        found.append({
            "kind": "attribute", "attribute": attribute, "label": attribute.replace("_", " "),
            "size": int(negative[j]), "mentions": int(spoken[j]),
            "negativity": round(float(negative[j] / spoken[j]), 4) if spoken[j] else None,
            "rate": rate.as_dict(), "growth": growth.as_dict(), "before": int(negative_before[j]),
            "competitors": {b["name"]: attribute_rate(db, b["id"], attribute, start, end, "now",
                                                      memo).as_dict() for b in others},
            "trend": _trend(lambda a, b, attribute=attribute: attribute_rate(
                db, brand["id"], attribute, a, b, "month", memo), latest),
            "quotes": quotes_of(db, attribute, brand["id"], scope_of(start, end, None), "negative"),
        })  # fmt: skip
    found += _theme_problems(db, brand, (start, end), (before_start, before_end), latest)
    found.sort(key=_ORDERS[sort])
    return {"brand": brand["name"], "sort": sort, "period": {"from": start, "to": end},
            "before": {"from": before_start, "to": before_end}, "problems": found}  # fmt: skip


_ORDERS = {  # how problems are ranked (``SORTS``)
    "size": lambda p: (-p["size"], p["label"]),
    "negativity": lambda p: (-(p["negativity"] or 0), -p["size"]),
    "growth": lambda p: (-(p["growth"]["value"] if p["growth"]["value"] is not None else -9), -p["size"]),
}


def _theme_problems(db: Database, brand: dict, now: tuple[str, str], before: tuple[str, str],
                    latest) -> list[dict]:  # fmt: skip
    """The problems of the brand's active themes nobody tracks (the complaints among their members)."""
    (start, end), (before_start, before_end) = now, before
    found = []
    for theme in db.query(
        "SELECT id, label FROM themes WHERE brand_id = ? AND status = 'active'", [brand["id"]]
    ):
        bad, members, total = _theme_counts(db, brand["id"], theme["id"], start, end)
        if bad <= 0:
            continue
        bad_before, _m, total_before = _theme_counts(db, brand["id"], theme["id"], before_start, before_end)
        key = f"{brand['id']}|theme{theme['id']}|{start}"
        found.append({
            "kind": "theme", "theme": theme["id"], "label": theme["label"], "size": bad, "mentions": members,
            "negativity": round(bad / members, 4) if members else None,
            "rate": proportion(bad, total, Question(f"enemy|now|{key}")).as_dict(),
            "growth": proportion_change((bad_before, total_before), (bad, total),
                                        Question(f"enemy|growth|{key}")).as_dict(),
            "before": bad_before, "competitors": None,
            "trend": _trend(lambda a, b, theme_id=theme["id"]: theme_rate(db, brand["id"], theme_id, a, b),
                            latest),
            "quotes": [q for q in theme_quotes(db, brand["id"], theme["id"], scope_of(start, end, None))
                       if q.get("sentiment") == "negative"],
        })  # fmt: skip
    return found


# --- shared enemies --------------------------------------------------------------------------------

ENEMY = fields(
    Field("name", (str,), required=True, max_length=MAX_NAME),
    Field("brand", (str,), max_length=200),
    Field("attribute", (str,), max_length=100),
    Field("theme", (int,)),
    Field("target", (int, float), required=True),
    Field("commercial_owner", (str,), required=True, max_length=100),
    Field("technical_owner", (str,), required=True, max_length=100),
)


def name_enemy(db: Database, body: Any, *, by: str | None = None) -> dict:
    """Promote a problem to a shared enemy: ``{"name", "attribute" or "theme", "target" (a share
    from 0 to 1), "commercial_owner", "technical_owner", "brand"?}``."""
    data = check_object(body, ENEMY)
    name = " ".join(data["name"].split())
    if not name:
        raise Invalid("give the shared enemy a name both sides will use")
    brand = named_or_ours(db, data["brand"])
    if (data["attribute"] is None) == (data["theme"] is None):
        raise Invalid("name one problem: an attribute or a theme")
    if data["attribute"] is not None and data["attribute"] not in attribute_keys(db):
        raise Invalid(f"unknown attribute {data['attribute'][:100]!r}")
    if data["theme"] is not None:
        row = db.execute("SELECT brand_id FROM themes WHERE id = ?", [data["theme"]]).fetchone()
        if row is None or row[0] != brand["id"]:
            raise Invalid(f"theme {data['theme']} is not one of {brand['name']}'s")
    if not 0 <= data["target"] <= 1:
        raise Invalid("the target is a share of comments, from 0 to 1 (e.g. 0.05 for 5 %)")
    commercial, technical = (
        check_owner(db, data["commercial_owner"]),
        check_owner(db, data["technical_owner"]),
    )
    if commercial == technical:
        raise Invalid("a shared enemy has one owner on each side: two different people")
    duplicate = db.execute(
        "SELECT id FROM shared_enemies WHERE brand_id = ? AND status = 'active' AND "
        "(attribute IS ? AND theme_id IS ?)",
        [brand["id"], data["attribute"], data["theme"]]).fetchone()  # fmt: skip
    if duplicate:
        raise Conflict(f"this problem is already shared enemy {duplicate[0]}")
    with write_transaction(db):
        enemy_id = db["shared_enemies"].insert({
            "brand_id": brand["id"], "name": name, "attribute": data["attribute"], "theme_id": data["theme"],
            "target": float(data["target"]), "commercial_owner": commercial, "technical_owner": technical,
            "status": "active", "named_at": utcnow(), "named_by": by,
        }).last_pk  # fmt: skip
    return get_enemy(db, enemy_id)


def _metric(row: dict) -> str:
    what = row["attribute"].replace("_", " ") if row["attribute"] else f"the theme “{row['theme_label']}”"
    return f"share of {row['brand']}'s customer comments with negative {what} sentiment"


def _rate(db: Database, row: dict, start: str, end: str) -> Figure:
    if row["attribute"]:
        return attribute_rate(db, row["brand_id"], row["attribute"], start, end, "enemy")
    return theme_rate(db, row["brand_id"], row["theme_id"], start, end)


def _enemy(db: Database, row: dict, curve: bool) -> dict:
    out = {**row, "metric": _metric(row)}
    latest = _latest(db, row["brand_id"])
    if latest is None:
        out.update(current=None, met=None, curve=[])
        return out
    (start, end), _before = _windows(latest)
    current = _rate(db, row, start, end)
    out["current"] = {**current.as_dict(), "from": start, "to": end}
    out["met"] = None if current.high is None else current.high <= row["target"]
    if curve:
        named = date.fromisoformat(row["named_at"][:10])
        first = min(named, latest)
        since = (first.replace(day=1) - timedelta(days=31 * BEFORE_NAMED)).isoformat()
        months = [m for m in _months(latest, TREND_MONTHS * 3) if m[1] >= since]
        named_month = period_start(first.isoformat(), "month")
        out["curve"] = [{"month": a, "named": a == named_month, "before_named": a < named_month,
                         **_rate(db, row, a, b).as_dict()} for a, b in months]  # fmt: skip
    return out


_SELECT = ("SELECT e.*, b.name AS brand, t.label AS theme_label FROM shared_enemies e "
           "JOIN brands b ON b.id = e.brand_id LEFT JOIN themes t ON t.id = e.theme_id")  # fmt: skip


def get_enemy(db: Database, enemy_id: int, *, curve: bool = True) -> dict:
    rows = list(db.query(f"{_SELECT} WHERE e.id = ?", [enemy_id]))
    if not rows:
        raise NotFound(f"no shared enemy {enemy_id}")
    return _enemy(db, rows[0], curve)


def list_enemies(db: Database, *, active: bool = True, curve: bool = False) -> list[dict]:
    where = " WHERE e.status = 'active'" if active else ""
    return [_enemy(db, r, curve) for r in db.query(f"{_SELECT}{where} ORDER BY e.id")]


def retire(db: Database, enemy_id: int, reason: Any, *, by: str | None = None) -> dict:
    """Retire a shared enemy (beaten, or no longer the one), with the reason."""
    enemy = get_enemy(db, enemy_id, curve=False)
    if enemy["status"] != "active":
        raise Conflict(f"shared enemy {enemy_id} was retired already")
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid("say why it is retired (reason)")
    with write_transaction(db):
        db.execute("UPDATE shared_enemies SET status = 'retired', retired_at = ?, retired_by = ?, "
                   "retired_reason = ? WHERE id = ?",
                   [utcnow(), by, reason.strip()[:500], enemy_id])  # fmt: skip
    return get_enemy(db, enemy_id)
