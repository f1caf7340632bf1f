"""The cases themselves: opened, tested, moved through their states, owned, commented on, and
read back with their history."""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from server.errors import Conflict, Invalid, NotFound
from server.store.brands import get_brand, named_or_ours
from server.store.db import utcnow, write_transaction
from server.tell.cases.statements import check_statement, describe
from server.tell.cases.testing import judge
from server.validation import Field, check_object, fields

STATES = ("open", "tested", "acknowledged", "acting", "resolved", "dismissed")
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
MAX_CLAIM = 500
MAX_COMMENT = 4000

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
    from server.people.accounts import find_user

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
    from server.measure.rollups import version

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
