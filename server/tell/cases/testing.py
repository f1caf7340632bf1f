"""Testing a statement against the data: the effect with its interval, the verdict and the
quotes for and against."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlite_utils import Database

from server.classify.taxonomy import attribute_keys, get_positioning
from server.measure.metrics import Figure, Question, difference, figure_draws, load_sample, proportion_change
from server.store.brands import find_brand, get_brand
from server.tell.cases.quotes import quotes_of, theme_quotes
from server.tell.cases.statements import CHANGE_DAYS, _growth_days

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
    from server.measure.perception import Scope

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
    from server.measure.audit import correction

    brand = get_brand(db, brand_name)
    if statement["kind"] == "theme":
        return _test_theme(db, brand, statement)
    attributes = attribute_keys(db)
    attribute, figure = statement["attribute"], statement["figure"]
    if attribute not in attributes:
        return _untestable(f"the attribute {attribute} is no longer in the vocabulary")
    fix = correction(db, attributes)
    fix = fix if fix is not None and fix.any and figure != "net_sentiment" else None
    drawn = _drawer(db, attributes, attribute, figure, fix)
    compare = {"declared": _declared, "competitor": _competitor, "change": _change}[statement["kind"]]
    answer = compare(db, brand, statement, drawn)
    if isinstance(answer, str):
        return _untestable(answer)
    effect, compared, side, quote_sides = answer
    if statement["direction"] == "below":
        quote_sides = quote_sides[::-1]
    found, why = verdict(effect, statement["direction"])
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


def _drawer(db: Database, attributes: list[str], attribute: str, figure: str, fix):
    """The figure's draws for a brand and scope, seeded as the pages seed the same figure: the case
    shows the numbers they show."""

    def drawn(brand_id: int, scope, label: object):
        sample = load_sample(db, brand_id, attributes, start=scope.start, end=scope.end,
                             channels=scope.channels, model_tags=fix is not None)  # fmt: skip
        return figure_draws(sample, attribute, figure, Question(scope.key(*label)), fix)

    return drawn


# Each kind answers (effect, figures compared, the brand's side, quote sides for and against), or
# why it cannot be tested.


def _declared(db: Database, brand: dict, statement: dict, drawn) -> tuple | str:
    scope = scope_of(statement.get("from"), statement.get("to"), statement.get("channel"))
    declared = get_positioning(db, brand["name"]).get(statement["attribute"])
    if declared is None:
        return f"{brand['name']} has no declared positioning to compare with"
    side = drawn(brand["id"], scope, ("gap", brand["id"]))
    effect = difference(side, (declared, np.full(len(side[1]), declared), side[2], False))
    compared = {"perceived": _side(side), "declared": {"value": declared}}
    return effect, compared, side, ((brand["id"], scope, "tagged"), (brand["id"], scope, "other"))


def _competitor(db: Database, brand: dict, statement: dict, drawn) -> tuple | str:
    scope = scope_of(statement.get("from"), statement.get("to"), statement.get("channel"))
    other = find_brand(db, statement["competitor"])
    if other is None:
        return f"{statement['competitor']} is no longer a brand of this workspace"
    side = drawn(brand["id"], scope, ("competitors", brand["name"]))
    theirs = drawn(other["id"], scope, ("competitors", other["name"]))
    compared = {brand["name"]: _side(side), other["name"]: _side(theirs)}
    quote_sides = _feeling_sides(statement["figure"], brand["id"], scope) or (
        (brand["id"], scope, "tagged"), (other["id"], scope, "tagged"))  # fmt: skip
    return difference(side, theirs), compared, side, quote_sides


def _change(db: Database, brand: dict, statement: dict, drawn) -> tuple | str:
    before, later = change_periods(db, brand["id"], statement)
    then = drawn(brand["id"], before, ("gap", brand["id"]))
    side = drawn(brand["id"], later, ("gap", brand["id"]))
    compared = {"earlier": {**_side(then), "from": before.start, "to": before.end},
                "later": {**_side(side), "from": later.start, "to": later.end}}  # fmt: skip
    quote_sides = _feeling_sides(statement["figure"], brand["id"], later) or (
        (brand["id"], later, "tagged"), (brand["id"], before, "tagged"))  # fmt: skip
    return difference(side, then), compared, side, quote_sides


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
