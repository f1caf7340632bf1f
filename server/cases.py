"""Cases: a person's claim about customers, tested against the data (SPEC's gap, with evidence).

A case is a claim in plain words ("Customers choose us for reliability, not innovation") and the
**statement** it stands for, built with a form, never free code. A statement is one of:

- ``declared``: an attribute's perceived share is above (or below) its declared weight;
- ``competitor``: an attribute's figure (share, mention rate or net sentiment) is above (or below)
  a competitor's;
- ``change``: an attribute's figure rose (``above``: the later period's is above the earlier's)
  or fell between two periods;
- ``theme``: a theme's share of the brand's comments rose (or fell) over the latest
  ``themes.GROWTH_DAYS`` days against the ones before;

each for a brand, optionally one channel and a period. ``test`` answers it with the figures and
intervals the pages use (``server.metrics``; shares and mention rates corrected for the
classifier's errors where the audit can, and it says so): the effect (the difference the claim is
about) with its 95 % interval and sample size, and the verdict:

- **supported**: the whole interval lies on the claimed side;
- **not supported**: the whole interval lies on the other side;
- **not enough data**: too few comments for a figure, or the interval holds both answers.

With it come the strongest quotes for and against (the model's most confident tags first). A case
has an owner (a person who may make changes) and a state: open → tested → acknowledged → acting →
resolved, or dismissed with a reason (and reopened); people comment on it; everything is in its
history. ``retest`` re-tests the cases still in play when the figures changed, and a change of
verdict raises an alert (kind ``case``) that is delivered like the others.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlite_utils import Database

from .brands import find_brand, get_brand, named_or_ours
from .comments import comments_by_ids, parse_date
from .db import utcnow, write_transaction
from .errors import Conflict, Invalid, NotFound
from .metrics import FIGURES, Figure, Question, difference, figure_draws, load_sample, proportion_change
from .schema import Field, check_object, fields
from .taxonomy import attribute_keys, get_positioning

KINDS = ("declared", "competitor", "change", "theme")
DIRECTIONS = ("above", "below")
STATES = ("open", "tested", "acknowledged", "acting", "resolved", "dismissed")
VERDICTS = ("supported", "not supported", "not enough data")
IN_PLAY = ("open", "tested", "acknowledged", "acting")  # re-tested when new comments arrive
# where a person may move a case from each state ("tested" is reached by testing it)
MOVES = {
    "open": ("dismissed",),
    "tested": ("acknowledged", "dismissed"),
    "acknowledged": ("acting", "resolved", "dismissed"),
    "acting": ("resolved", "dismissed"),
    "resolved": ("open",),
    "dismissed": ("open",),
}
QUOTES = 3  # quotes for, and against
CHANGE_DAYS = 90  # a change's default periods: the latest 90 days against the 90 before
MAX_CLAIM = 500
MAX_COMMENT = 4000
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
    from .themes import GROWTH_DAYS

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


# --- testing -------------------------------------------------------------------------------------


def verdict(effect: Figure, direction: str) -> tuple[str, str]:
    """Supported, not supported or not enough data, and why, from the effect's 95 % interval."""
    if effect.value is None or effect.low is None or effect.high is None:
        return "not enough data", effect.note or "no interval"
    low, high = (effect.low, effect.high) if direction == "above" else (-effect.high, -effect.low)
    if low > 0:
        return "supported", "the whole 95 % interval lies on the claimed side"
    if high < 0:
        return "not supported", "the whole 95 % interval lies on the other side"
    return "not enough data", "the 95 % interval holds both answers: more comments would decide"


def _latest_day(db: Database, brand_id: int) -> date | None:
    row = db.execute("SELECT max(date(coalesce(published_at, collected_at))) FROM comments "
                     "WHERE brand_id = ? AND kind = 'customer'", [brand_id]).fetchone()  # fmt: skip
    return date.fromisoformat(row[0]) if row and row[0] else None


def scope_of(start: str | None, end: str | None, channel: str | None):
    from .perception import Scope

    return Scope(start, end, (channel,) if channel else ())


def change_periods(db: Database, brand_id: int, statement: dict) -> tuple[Any, Any]:
    """The earlier and the later period of a change statement, defaults filled in."""
    latest = _latest_day(db, brand_id) or date.today()
    end = date.fromisoformat(statement["to"]) if statement.get("to") else latest
    start = (
        date.fromisoformat(statement["from"]) if statement.get("from") else end - timedelta(CHANGE_DAYS - 1)
    )
    before_end = (date.fromisoformat(statement["before_to"]) if statement.get("before_to")
                  else start - timedelta(days=1))  # fmt: skip
    before_start = (date.fromisoformat(statement["before_from"]) if statement.get("before_from")
                    else before_end - timedelta(days=(end - start).days))  # fmt: skip
    channel = statement.get("channel")
    return (scope_of(before_start.isoformat(), before_end.isoformat(), channel),
            scope_of(start.isoformat(), end.isoformat(), channel))  # fmt: skip


def judge(db: Database, brand_name: str, statement: dict) -> dict:
    """Answer the statement from the data: verdict, why, the effect with its interval and sample
    size, the figures compared, whether they are corrected, and the quotes for and against."""
    from .audit import correction

    brand = get_brand(db, brand_name)
    kind, direction = statement["kind"], statement["direction"]
    if kind == "theme":
        return _test_theme(db, brand, statement)
    attributes = attribute_keys(db)
    attribute, figure = statement["attribute"], statement["figure"]
    if attribute not in attributes:
        return _untestable(f"the attribute {attribute} is no longer in the vocabulary")
    fix = correction(db, attributes)
    fix = fix if fix is not None and fix.any and figure != "net_sentiment" else None

    def drawn(brand_id: int, scope, label: object):
        # seeded as the pages seed the same figure: the case shows the numbers they show
        sample = load_sample(
            db,
            brand_id,
            attributes,
            start=scope.start,
            end=scope.end,
            channels=scope.channels,
            model_tags=fix is not None,
        )
        return figure_draws(sample, attribute, figure, Question(scope.key(*label)), fix)

    scope = scope_of(statement.get("from"), statement.get("to"), statement.get("channel"))
    if kind == "declared":
        declared = get_positioning(db, brand["name"]).get(attribute)
        if declared is None:
            return _untestable(f"{brand['name']} has no declared positioning to compare with")
        side = drawn(brand["id"], scope, ("gap", brand["id"]))
        effect = difference(side, (declared, np.full(len(side[1]), declared), side[2], False))
        compared = {"perceived": _side(side), "declared": {"value": declared}}
        quote_sides = ((brand["id"], scope, "tagged"), (brand["id"], scope, "other"))
    elif kind == "competitor":
        other = find_brand(db, statement["competitor"])
        if other is None:
            return _untestable(f"{statement['competitor']} is no longer a brand of this workspace")
        side = drawn(brand["id"], scope, ("competitors", brand["name"]))
        theirs = drawn(other["id"], scope, ("competitors", other["name"]))
        effect = difference(side, theirs)
        compared = {brand["name"]: _side(side), other["name"]: _side(theirs)}
        quote_sides = _feeling_sides(figure, brand["id"], scope) or (
            (brand["id"], scope, "tagged"), (other["id"], scope, "tagged"))  # fmt: skip
    else:
        before, later = change_periods(db, brand["id"], statement)
        then, side = (
            drawn(brand["id"], before, ("gap", brand["id"])),
            drawn(brand["id"], later, ("gap", brand["id"])),
        )
        effect = difference(side, then)
        compared = {"earlier": {**_side(then), "from": before.start, "to": before.end},
                    "later": {**_side(side), "from": later.start, "to": later.end}}  # fmt: skip
        quote_sides = _feeling_sides(figure, brand["id"], later) or (
            (brand["id"], later, "tagged"), (brand["id"], before, "tagged"))  # fmt: skip
    if direction == "below":
        quote_sides = quote_sides[::-1]
    found, why = verdict(effect, direction)
    return {
        "verdict": found,
        "why": why,
        "effect": effect.as_dict(),
        "compared": compared,
        "corrected": side[3],
        "correction_note": _correction_note(figure, fix, side[3]),
        "quotes": {
            "for": quotes_of(db, attribute, *quote_sides[0]),
            "against": quotes_of(db, attribute, *quote_sides[1]),
        },
    }


def _side(drawn: tuple) -> dict:
    value, _draws, n, corrected = drawn
    return {"value": None if value != value else round(value, 4), "n": n, "corrected": corrected}


def _feeling_sides(figure: str, brand_id: int, scope) -> tuple | None:
    """For a net sentiment, the quotes for "above" are the positive ones and against, the negative."""
    if figure != "net_sentiment":
        return None
    return (brand_id, scope, "positive"), (brand_id, scope, "negative")


def _correction_note(figure: str, fix, corrected: bool) -> str:
    if figure == "net_sentiment":
        return "as tagged: the audit corrects mention rates and shares, not sentiment"
    if corrected:
        return "corrected for the classifier's errors from the audit's labelled comments"
    if fix is None:
        return "as tagged: the audit has too few labelled comments to correct the figures yet"
    return "as tagged: the audit has too few labels for this attribute to correct it"


def _untestable(why: str) -> dict:
    return {"verdict": "not enough data", "why": why, "effect": Figure(None, None, None, 0, why).as_dict(),
            "compared": {}, "corrected": False, "correction_note": "",
            "quotes": {"for": [], "against": []}}  # fmt: skip


def _test_theme(db: Database, brand: dict, statement: dict) -> dict:
    theme_id = statement["theme"]
    if not db.execute("SELECT 1 FROM themes WHERE id = ?", [theme_id]).fetchone():
        return _untestable(f"theme {theme_id} no longer exists")
    latest = _latest_day(db, brand["id"])
    if latest is None:
        return _untestable(f"{brand['name']} has no comments")
    days = _growth_days()
    cut, start = latest - timedelta(days=days), latest - timedelta(days=2 * days)
    channel = statement.get("channel")
    counts = {}
    for name, low, high in (("before", start, cut), ("now", cut, latest)):
        sql = ("SELECT count(*), sum(c.id IN (SELECT comment_id FROM theme_members WHERE theme_id = ?)) "
               "FROM comments c WHERE c.brand_id = ? AND c.kind = 'customer' "
               "AND date(coalesce(c.published_at, c.collected_at)) > ? "
               "AND date(coalesce(c.published_at, c.collected_at)) <= ?")  # fmt: skip
        args: list = [theme_id, brand["id"], low.isoformat(), high.isoformat()]
        if channel:
            sql += " AND c.channel = ?"
            args.append(channel)
        total, hits = db.execute(sql, args).fetchone()
        counts[name] = (int(hits or 0), int(total or 0))
    question = Question(f"case|theme|{theme_id}|{latest}|{channel}")
    effect = proportion_change(counts["before"], counts["now"], question)
    found, why = verdict(effect, statement["direction"])
    periods = {"before": (start + timedelta(days=1), cut), "now": (cut + timedelta(days=1), latest)}
    compared = {
        name: {"value": round(hits / total, 4) if total else None, "n": total, "mentions": hits,
               "from": periods[name][0].isoformat(), "to": periods[name][1].isoformat()}
        for name, (hits, total) in counts.items()
    }  # fmt: skip
    now_scope = scope_of(*[d.isoformat() for d in periods["now"]], channel)
    before_scope = scope_of(*[d.isoformat() for d in periods["before"]], channel)
    sides = [("theme", now_scope), ("theme", before_scope)]
    if statement["direction"] == "below":
        sides.reverse()
    return {
        "verdict": found,
        "why": why,
        "effect": effect.as_dict(),
        "compared": compared,
        "corrected": False,
        "correction_note": "as tagged: themes are found by clustering, which the audit does not measure",
        "quotes": {
            side: theme_quotes(db, brand["id"], theme_id, scope)
            for side, (_k, scope) in zip(("for", "against"), sides, strict=True)
        },  # fmt: skip
    }


# --- quotes --------------------------------------------------------------------------------------

_DATED = "date(coalesce(c.published_at, c.collected_at))"


def _scoped(brand_id: int, scope) -> tuple[str, list]:
    where, args = ["c.brand_id = ?", "c.kind = 'customer'"], [brand_id]
    if scope.start:
        where.append(f"{_DATED} >= ?")
        args.append(scope.start)
    if scope.end:
        where.append(f"{_DATED} <= ?")
        args.append(scope.end)
    if scope.channels:
        where.append(f"c.channel IN ({', '.join('?' * len(scope.channels))})")
        args.extend(scope.channels)
    return " AND ".join(where), args


def quotes_of(db: Database, attribute: str, brand_id: int, scope, side: str) -> list[dict]:
    """The strongest quotes of one side: ``tagged`` (speaking of the attribute), ``other``
    (speaking of other attributes, not this one), ``positive``/``negative`` (towards it); the
    model's most confident first."""
    where, args = _scoped(brand_id, scope)
    if side == "other":
        sql = (f"SELECT c.id FROM comments c WHERE {where} "
               "AND c.id IN (SELECT comment_id FROM comment_attributes) "
               "AND c.id NOT IN (SELECT comment_id FROM comment_attributes WHERE attribute = ?) "
               "ORDER BY (SELECT max(score) FROM tag_attributes t "
               "WHERE t.comment_id = c.id AND t.assigned = 1) "
               "DESC, c.id DESC LIMIT 40")  # fmt: skip
        params = [*args, attribute]
    else:
        sql = ("SELECT c.id FROM comments c "
               "LEFT JOIN tag_attributes t ON t.comment_id = c.id AND t.attribute = ? "
               f"WHERE {where} AND c.id IN (SELECT comment_id FROM comment_attributes WHERE attribute = ?) "
               "ORDER BY coalesce(t.score, 1) DESC, c.id DESC LIMIT 200")  # fmt: skip
        params = [attribute, *args, attribute]
    rows = comments_by_ids(db, [r[0] for r in db.execute(sql, params)])
    if side in ("positive", "negative"):
        rows = [r for r in rows if r["attribute_sentiment"].get(attribute) == side]
    return [_quote(r) for r in rows[:QUOTES]]


def theme_quotes(db: Database, brand_id: int, theme_id: int, scope) -> list[dict]:
    where, args = _scoped(brand_id, scope)
    ids = [r[0] for r in db.execute(
        f"SELECT c.id FROM comments c JOIN theme_members m ON m.comment_id = c.id AND m.theme_id = ? "
        f"WHERE {where} ORDER BY m.similarity DESC, c.id DESC LIMIT ?",
        [theme_id, *args, QUOTES])]  # fmt: skip
    return [_quote(r) for r in comments_by_ids(db, ids)]


def _quote(row: dict) -> dict:
    return {key: row.get(key) for key in ("id", "text", "brand", "channel", "url", "author", "published_at",
                                          "attributes", "attribute_sentiment", "sentiment")}  # fmt: skip


# --- the cases -----------------------------------------------------------------------------------

CASE = fields(
    Field("brand", (str,), max_length=200),
    Field("claim", (str,), required=True, max_length=MAX_CLAIM),
    Field("statement", (dict,), required=True),
    Field("owner", (str,), max_length=100),
    Field("origin", (dict,)),
)
ORIGINS = ("comment", "theme", "alert", "clip", "figure")


def _check_origin(db: Database, raw: dict | None) -> dict:
    """What the case was opened from: ``{"comment": id}``, ``{"theme": id}``, ``{"alert": id}``,
    ``{"clip": id}`` (a clipped comment) or ``{"figure": "overview"}``; each checked."""
    if not raw:
        return {}
    if len(raw) != 1 or next(iter(raw)) not in ORIGINS:
        raise Invalid(f'origin must name one of {", ".join(ORIGINS)}, e.g. {{"comment": 12}}')
    ((what, value),) = raw.items()
    if what == "figure":
        if not isinstance(value, str) or not 0 < len(value) <= 200:
            raise Invalid("origin figure must be a short text naming the figure")
        return raw
    if type(value) is not int:
        raise Invalid(f"origin {what} must be a number")
    table = {"comment": "comments", "clip": "comments", "theme": "themes", "alert": "alerts"}[what]
    if not db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [value]).fetchone():
        raise Invalid(f"no {what} {value}")
    return raw


def check_owner(db: Database, owner: str | None) -> str | None:
    """An owner is a person who may make changes (an editor or an admin), enabled."""
    from .accounts import find_user

    if not owner:
        return None
    user = find_user(db, owner)
    if user is None or user["disabled_at"] is not None:
        raise Invalid(f"no active user {owner[:100]!r} to own the case")
    if user["role"] not in ("editor", "admin"):
        raise Invalid(f"{user['username']} is a {user['role']}: a case's owner must be an editor or an admin")
    return user["username"]


def open_case(db: Database, body: Any, *, by: str | None = None, test: bool = True) -> dict:
    """Open a case from ``{"claim", "statement", "brand"?, "owner"?, "origin"?}`` and test it at
    once (``test=False``: at the next ``retest``, e.g. before the comments are tagged); answer it.
    Bad input: ``Invalid``, nothing written."""
    data = check_object(body, CASE)
    claim = " ".join(data["claim"].split())
    if not claim:
        raise Invalid("say the claim in plain words")
    brand = named_or_ours(db, data["brand"])
    statement = check_statement(db, brand, data["statement"])
    owner = check_owner(db, data["owner"])
    origin = _check_origin(db, data["origin"])
    now = utcnow()
    with write_transaction(db):
        case_id = db["cases"].insert({
            "brand_id": brand["id"], "claim": claim, "statement": json.dumps(statement),
            "origin": json.dumps(origin), "state": "open", "owner": owner, "created_by": by,
            "created_at": now, "updated_at": now,
        }).last_pk  # fmt: skip
        _event(db, case_id, "opened", f"Opened: “{claim}”", by, now)
    return judge_case(db, case_id, by=by) if test else get_case(db, case_id)


def _event(db: Database, case_id: int, kind: str, text: str, by: str | None, at: str | None = None) -> None:
    db["case_events"].insert({"case_id": case_id, "at": at or utcnow(), "by": by, "kind": kind, "text": text})


def data_version(db: Database) -> str:
    """Changes when the figures a case rests on may have: the tags' counts, or the themes."""
    from .rollups import version

    themes = db.execute("SELECT max(id) FROM theme_runs WHERE status = 'done'").fetchone()[0]
    return f"{version(db)}|{themes}"


def judge_case(db: Database, case_id: int, *, by: str | None = None) -> dict:
    """Test the case now; record the result, and the verdict's change in its history; a change of
    an earlier verdict raises an alert. Answer the case."""
    case = get_case(db, case_id, events=False)
    result = judge(db, case["brand"], case["statement"])
    version, now = data_version(db), utcnow()
    before = case["verdict"]
    with write_transaction(db):
        state = "tested" if case["state"] == "open" else case["state"]
        db.execute("UPDATE cases SET verdict = ?, result = ?, tested_version = ?, tested_at = ?, state = ?, "
                   "updated_at = ? WHERE id = ?",
                   [result["verdict"], json.dumps(result, default=float), version, now, state, now,
                    case_id])  # fmt: skip
        effect = _effect_words(result)
        if before is None:
            _event(db, case_id, "tested", f"Tested: {result['verdict']} ({effect}).", by, now)
        elif before != result["verdict"]:
            _event(db, case_id, "verdict", f"The verdict changed from {before} to {result['verdict']} "
                                           f"({effect}).", by, now)  # fmt: skip
            _verdict_alert(db, case, before, result, now)
    return get_case(db, case_id)


def _effect_words(result: dict) -> str:
    effect = result["effect"]
    if effect.get("value") is None:
        return result["why"]
    interval = f" [{effect['low']:+.3f} to {effect['high']:+.3f}]" if effect.get("low") is not None else ""
    return f"effect {effect['value']:+.3f}{interval}, {effect['n']} comments"


def _verdict_alert(db: Database, case: dict, before: str, result: dict, now: str) -> None:
    db["alerts"].insert({
        "rule_id": None, "brand_id": case["brand_id"], "kind": "case", "key": f"case:{case['id']}",
        "state": result["verdict"], "title": f"Case {case['id']} is now {result['verdict']}",
        "message": f"“{case['claim']}”: was {before}; {_effect_words(result)}.",
        "figures": json.dumps({"effect": result["effect"], "before": before}, default=float),
        "link": f"/cases/{case['id']}", "created_at": now, "deliveries": json.dumps({}),
    })  # fmt: skip


def retest(db: Database) -> list[int]:
    """Re-test every case still in play whose figures may have changed since its last test (new
    comments, new tags, new themes); answer the cases whose verdict changed."""
    version = data_version(db)
    changed = []
    for case_id, verdict_before in db.execute(
        f"SELECT id, verdict FROM cases WHERE state IN ({', '.join('?' * len(IN_PLAY))}) "
        "AND (tested_version IS NULL OR tested_version != ?) ORDER BY id", [*IN_PLAY, version]
    ).fetchall():  # fmt: skip
        if judge_case(db, case_id)["verdict"] != verdict_before and verdict_before is not None:
            changed.append(case_id)
    return changed


def move(db: Database, case_id: int, state: str, *, reason: str | None = None, by: str | None = None) -> dict:
    """Move a case to ``state`` (see ``MOVES``); dismissing needs a reason."""
    case = get_case(db, case_id, events=False)
    if state not in STATES:
        raise Invalid(f"state must be one of {', '.join(STATES)}, not {str(state)[:40]!r}")
    if state not in MOVES[case["state"]]:
        allowed = ", ".join(MOVES[case["state"]])
        raise Conflict(f"a case that is {case['state']} can move to {allowed}, not to {state}")
    reason = " ".join((reason or "").split())[:MAX_CLAIM] or None
    if state == "dismissed" and not reason:
        raise Invalid("say why the case is dismissed (reason)")
    now = utcnow()
    with write_transaction(db):
        db.execute("UPDATE cases SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
                   [state, reason if state == "dismissed" else None, now, case_id])  # fmt: skip
        words = f"{case['state']} → {state}" + (f": {reason}" if reason else "")
        _event(db, case_id, "state", words, by, now)
    if state == "open":
        return judge_case(db, case_id, by=by)
    return get_case(db, case_id)


def set_owner(db: Database, case_id: int, owner: str | None, *, by: str | None = None) -> dict:
    case = get_case(db, case_id, events=False)
    owner = check_owner(db, owner)
    if owner != case["owner"]:
        with write_transaction(db):
            db.execute("UPDATE cases SET owner = ?, updated_at = ? WHERE id = ?", [owner, utcnow(), case_id])
            _event(db, case_id, "owner", f"Owner: {owner or 'nobody'} (was {case['owner'] or 'nobody'})", by)
    return get_case(db, case_id)


def add_comment(db: Database, case_id: int, text: Any, *, by: str | None = None) -> dict:
    get_case(db, case_id, events=False)
    if not isinstance(text, str) or not text.strip():
        raise Invalid("say something: the comment is empty")
    if len(text) > MAX_COMMENT:
        raise Invalid(f"a comment holds at most {MAX_COMMENT} characters ({len(text)})")
    with write_transaction(db):
        _event(db, case_id, "comment", text.strip(), by)
    return get_case(db, case_id)


def in_words(statement: dict, value: float | None, *, signed: bool = False) -> str:
    """A figure (or a difference of figures) as people read it: a net sentiment from −1 to 1, a
    share or rate in per cent (a difference of them in points)."""
    if value is None:
        return "—"
    if statement.get("figure") == "net_sentiment":
        return f"{value:+.2f}" if signed else f"{value:.2f}"
    return f"{value * 100:+.1f} points" if signed else f"{value * 100:.1f} %"


def _effect_text(statement: dict, result: dict | None) -> str | None:
    if not result:
        return None
    effect = result["effect"]
    if effect.get("value") is None:
        return None
    text = in_words(statement, effect["value"], signed=True)
    if effect.get("low") is not None:
        low, high = (
            in_words(statement, effect["low"], signed=True),
            in_words(statement, effect["high"], signed=True),
        )
        text += f" (95 % interval {low} to {high})"
    return text


def _row(db: Database, row: dict) -> dict:
    out = {**row, "statement": json.loads(row["statement"]), "origin": json.loads(row["origin"] or "{}"),
           "result": json.loads(row["result"]) if row["result"] else None}  # fmt: skip
    out["says"] = describe(out["statement"], row["brand"], db)
    out["effect_text"] = _effect_text(out["statement"], out["result"])
    out["moves"] = list(MOVES[row["state"]])
    out.pop("tested_version", None)
    return out


def get_case(db: Database, case_id: int, *, events: bool = True) -> dict:
    rows = list(db.query("SELECT k.*, b.name AS brand FROM cases k JOIN brands b ON b.id = k.brand_id "
                         "WHERE k.id = ?", [case_id]))  # fmt: skip
    if not rows:
        raise NotFound(f"no case {case_id}")
    case = _row(db, rows[0])
    if events:
        case["events"] = list(db.query("SELECT at, by, kind, text FROM case_events WHERE case_id = ? "
                                       "ORDER BY id", [case_id]))  # fmt: skip
    return case


def list_cases(db: Database, *, state: str | None = None, brand: str | None = None,
               since: str | None = None) -> list[dict]:  # fmt: skip
    """Newest first; ``state`` one of ``STATES`` or ``in play``; ``since``: changed at or after."""
    where, args = [], []
    if state == "in play":
        where.append(f"k.state IN ({', '.join('?' * len(IN_PLAY))})")
        args += IN_PLAY
    elif state:
        if state not in STATES:
            raise Invalid(f"state must be one of {', '.join(STATES)} or 'in play', not {state[:40]!r}")
        where.append("k.state = ?")
        args.append(state)
    if brand:
        where.append("k.brand_id = ?")
        args.append(get_brand(db, brand)["id"])
    if since:
        where.append(
            "k.id IN (SELECT case_id FROM case_events WHERE kind IN ('verdict', 'state') AND at >= ?)"
        )
        args.append(since)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = db.query(f"SELECT k.*, b.name AS brand FROM cases k JOIN brands b ON b.id = k.brand_id{clause} "
                    "ORDER BY k.id DESC", args)  # fmt: skip
    return [_row(db, r) for r in rows]
