"""What a case claims, as a statement built with a form: its kinds, fields and checks, and the
statement in words."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from server.classify.taxonomy import attribute_keys
from server.errors import Invalid
from server.measure.metrics import FIGURES
from server.store.brands import get_brand
from server.store.comments import parse_date
from server.validation import Field, check_object, fields

KINDS = ("declared", "competitor", "change", "theme")
DIRECTIONS = ("above", "below")
VERDICTS = ("supported", "not supported", "not enough data")
QUOTES = 3  # quotes for, and against
CHANGE_DAYS = 90  # a change's default periods: the latest 90 days against the 90 before
FIGURE_NAMES = {"share": "share", "mention_rate": "mention rate", "net_sentiment": "net sentiment"}

STATEMENT = fields(
    Field("kind", (str,), required=True, choices=KINDS),
    Field("attribute", (str,), max_length=100),
    Field("figure", (str,), choices=FIGURES),
    Field("direction", (str,), choices=DIRECTIONS),
    Field("competitor", (str,), max_length=200),
    Field("theme", (int,)),
    Field("channel", (str,), max_length=200),
    Field("from", (str,), max_length=10),
    Field("to", (str,), max_length=10),
    Field("before_from", (str,), max_length=10),
    Field("before_to", (str,), max_length=10),
)


# --- statements --------------------------------------------------------------------------------


def check_statement(db: Database, brand: dict, raw: Any) -> dict:
    """The statement as stored: every field checked, defaults filled in, nothing unknown."""
    body = check_object(raw, STATEMENT, what="the statement")
    kind = body["kind"]
    out: dict = {"kind": kind, "direction": body["direction"] or "above"}
    if kind == "theme":
        if body["theme"] is None:
            raise Invalid("a theme statement needs the theme (its number)")
        row = db.execute("SELECT brand_id FROM themes WHERE id = ?", [body["theme"]]).fetchone()
        if row is None:
            raise Invalid(f"unknown theme {body['theme']}")
        if row[0] != brand["id"]:
            raise Invalid(f"theme {body['theme']} is not one of {brand['name']}'s")
        out["theme"] = body["theme"]
    else:
        keys = attribute_keys(db)
        if not body["attribute"]:
            raise Invalid(f"a {kind} statement needs the attribute (one of {', '.join(keys)})")
        if body["attribute"] not in keys:
            raise Invalid(f"unknown attribute {body['attribute'][:100]!r} (one of {', '.join(keys)})")
        out["attribute"] = body["attribute"]
        out["figure"] = body["figure"] or "share"
        if kind == "declared" and out["figure"] != "share":
            raise Invalid("a declared weight is a share: a declared statement compares the perceived share")
    if kind == "competitor":
        if not body["competitor"]:
            raise Invalid("a competitor statement needs the competitor")
        other = get_brand(db, body["competitor"])
        if other["id"] == brand["id"]:
            raise Invalid("compare the brand with another brand, not with itself")
        out["competitor"] = other["name"]
    elif body["competitor"]:
        raise Invalid(f"a {kind} statement has no competitor")
    if kind != "theme" and body["theme"] is not None:
        raise Invalid(f"a {kind} statement has no theme")
    if body["channel"]:
        out["channel"] = body["channel"]
    for name in ("from", "to", "before_from", "before_to"):
        if body[name]:
            out[name] = parse_date(name, body[name]).isoformat()
    if kind != "change" and ("before_from" in out or "before_to" in out):
        raise Invalid("only a change between two periods has an earlier period (before_from, before_to)")
    for start, end in (("from", "to"), ("before_from", "before_to")):
        if start in out and end in out and out[start] > out[end]:
            raise Invalid(f"{start} is after {end}")
    if kind == "theme" and ("from" in out or "to" in out):
        raise Invalid(f"a theme's growth is over its latest {_growth_days()} days against the ones before")
    return out


def _growth_days() -> int:
    from server.classify.themes import GROWTH_DAYS

    return GROWTH_DAYS


def describe(statement: dict, brand: str, db: Database | None = None) -> str:
    """The statement in words, e.g. "Lumio's share of reliability is above its declared weight"."""
    kind, up = statement["kind"], statement["direction"] == "above"
    where = f" on {statement['channel']}" if statement.get("channel") else ""
    if kind == "theme":
        label = f"theme {statement['theme']}"
        if db is not None:
            row = db.execute("SELECT label FROM themes WHERE id = ?", [statement["theme"]]).fetchone()
            label = f"the theme “{row[0]}”" if row else label
        return (f"{label} {'grew' if up else 'shrank'} as a share of {brand}'s comments{where} over the "
                f"latest {_growth_days()} days")  # fmt: skip
    figure = f"{FIGURE_NAMES[statement['figure']]} of {statement['attribute'].replace('_', ' ')}"
    if kind == "declared":
        side = "above" if up else "below"
        return f"{brand}'s {figure} is {side} its declared weight{where}{_period(statement)}"
    if kind == "competitor":
        return (f"{brand}'s {figure} is {'above' if up else 'below'} {statement['competitor']}'s{where}"
                f"{_period(statement)}")  # fmt: skip
    return f"{brand}'s {figure} {'rose' if up else 'fell'}{where}{_change_periods(statement)}"


def _period(statement: dict) -> str:
    start, end = statement.get("from"), statement.get("to")
    if start and end:
        return f", {start} to {end}"
    if start:
        return f", since {start}"
    return f", until {end}" if end else ", all comments to date"


def _change_periods(statement: dict) -> str:
    if not any(statement.get(k) for k in ("from", "to", "before_from", "before_to")):
        return f", the latest {CHANGE_DAYS} days against the {CHANGE_DAYS} before"
    return (f", {statement.get('before_from') or '…'} to {statement.get('before_to') or '…'} against "
            f"{statement.get('from') or '…'} to {statement.get('to') or '…'}")  # fmt: skip
