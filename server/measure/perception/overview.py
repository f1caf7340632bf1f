"""The overview: its default and preset periods, the brand's figures against the period before, and
the reading in words."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlite_utils import Database

from server.classify.languages import EMBEDDED_LANGUAGES
from server.classify.taxonomy import attribute_keys
from server.errors import Invalid
from server.measure.metrics import MIN_COMMENTS, load_sample
from server.measure.perception.gap import brand_gap
from server.measure.perception.scope import _FIGURES, Scope
from server.measure.rollups import latest_day
from server.measure.rollups import version as figures_version
from server.store.brands import get_brand, our_brand

OVERVIEW_DAYS = 90  # the overview's shortest default period: the latest 90 days with data …
DEFAULT_SPANS = (90, 180, 365)  # … or longer, while a longer one gives more attributes their figures
PERIODS = {
    "30d": "the latest 30 days",
    "90d": "the latest 90 days",
    "365d": "the latest 365 days",
    "qtd": "this quarter to date",
    "yoy": "the latest 90 days against the same days a year before",
}


def _mentions(db: Database, brand_id: int, attributes: list[str], start: date, end: date,
              channels: tuple[str, ...]) -> np.ndarray:  # fmt: skip
    sample = load_sample(
        db, brand_id, attributes, start=start.isoformat(), end=end.isoformat(), channels=channels
    )
    return sample.totals()[0]


def default_period(db: Database, brand_name: str, channels: tuple[str, ...] = (),
                   today: date | None = None) -> tuple[Scope, str]:  # fmt: skip
    """The period the overview shows unless asked: the shortest of the latest 90, 180 or 365 days
    (ending at the newest comment) in which as many attributes have enough comments for their net
    sentiment as in the longest; and the reason, in words. 90 days of a small workspace left 5 of 8
    attributes without a net sentiment."""
    brand = get_brand(db, brand_name)
    end = _latest_day(db, brand["name"]) or today or date.today()
    attributes = attribute_keys(db)
    key = ("default_period", brand["id"], channels, end, tuple(attributes), figures_version(db))
    cached = _FIGURES.get(key)
    if cached is not None:
        return cached
    counts = {days: int((_mentions(db, brand["id"], attributes, end - timedelta(days=days - 1), end, channels)
                         >= MIN_COMMENTS).sum()) for days in DEFAULT_SPANS}  # fmt: skip
    best = counts[DEFAULT_SPANS[-1]]
    days = next(d for d in DEFAULT_SPANS if counts[d] >= best)
    why = (f"the latest {days} days with comments: the shortest period in which {best} of {len(attributes)} "
           f"attributes have the {MIN_COMMENTS} comments a net sentiment needs")  # fmt: skip
    if days == DEFAULT_SPANS[0]:
        why = f"the latest {days} days with comments"
    start = end - timedelta(days=days - 1)
    return _FIGURES.put(key, (Scope(start.isoformat(), end.isoformat(), channels), why))


def preset_period(db: Database, brand_name: str, preset: str, channels: tuple[str, ...] = (),
                  today: date | None = None) -> tuple[Scope, Scope]:  # fmt: skip
    """A named period (``PERIODS``) ending at the brand's newest comment, and the period it is
    compared with: the one just before of equal length, or (``yoy``) the same days a year earlier."""
    if preset not in PERIODS:
        raise Invalid(f"period must be one of {', '.join(PERIODS)}, not {preset[:20]!r}")
    end = _latest_day(db, get_brand(db, brand_name)["name"]) or today or date.today()
    if preset == "qtd":
        start = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    else:
        start = end - timedelta(days=(90 if preset == "yoy" else int(preset[:-1])) - 1)
    scope = Scope(start.isoformat(), end.isoformat(), channels)
    if preset == "yoy":
        before = Scope(_year_before(start).isoformat(), _year_before(end).isoformat(), channels)
    else:
        before = _previous(scope)
    return scope, before


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _previous(scope: Scope) -> Scope:
    first, last = date.fromisoformat(scope.start), date.fromisoformat(scope.end)
    length = last - first + timedelta(days=1)
    return Scope((first - length).isoformat(), (first - timedelta(days=1)).isoformat(), scope.channels)


def overview(
    db: Database,
    brand_name: str | None = None,
    scope: Scope | None = None,
    today: date | None = None,
    period: str | None = None,
    scored: frozenset[str] | None = EMBEDDED_LANGUAGES,
) -> dict:
    """What the CMO opens: the gap now and its change since the previous period of equal length
    (or, for ``period='yoy'``, the same days a year before), per attribute declared vs perceived
    (and emitted), and the gap in one plain sentence. Without dates or a named ``period`` (see
    ``PERIODS``), the period is ``default_period``'s; ``period_note`` says which and why."""
    if brand_name is None:
        ours = our_brand(db)
        if ours is None:
            raise Invalid(
                "this workspace has no brand of its own yet: add one with `gapwatch brands add NAME`"
            )
        brand_name = ours["name"]
    channels = scope.channels if scope else ()
    before = None
    if period:
        scope, before = preset_period(db, brand_name, period, channels, today)
        note = PERIODS[period]
    elif scope is None or (scope.start is None and scope.end is None):
        scope, note = default_period(db, brand_name, channels, today)
    else:
        note = "the period asked for"
    current = brand_gap(db, brand_name, scope)
    previous = None
    if scope.start and scope.end:
        previous = brand_gap(db, brand_name, before or _previous(scope))
    from server.classify.tagging import not_scored
    from server.measure.drift import notices

    drift = notices(db, current, previous)
    now_value = current["gap_score"]["value"]
    before_value = previous["gap_score"]["value"] if previous else None
    change = now_value - before_value if now_value is not None and before_value is not None else None
    return {
        **current,
        "previous": {"scope": previous["scope"], "gap_score": previous["gap_score"]} if previous else None,
        "change": change,
        "reading": reading(current["attributes"]),
        "drift": drift,
        "period": period,
        "period_note": note,
        "not_scored": not_scored(
            db,
            scored,
            brand_id=get_brand(db, brand_name)["id"],
            kind="customer",
            start=scope.start,
            end=scope.end,
        ),
    }


def _latest_day(db: Database, brand_name: str) -> date | None:
    """The day of the brand's newest classified customer comment (the period shown ends there)."""
    day = latest_day(db, get_brand(db, brand_name)["id"])
    return date.fromisoformat(day) if day else None


def reading(attributes: list[dict]) -> str | None:
    """The gap in one sentence, from the most over- and the most under-represented attribute."""
    known = [a for a in attributes if a["declared"] is not None and a["share"]["value"] is not None]
    if not known:
        return None
    over = max(known, key=lambda a: a["share"]["value"] - a["declared"])
    under = min(known, key=lambda a: a["share"]["value"] - a["declared"])
    parts = []
    q, w = over["share"]["value"], over["declared"]
    if q - w >= 0.02:
        name = _label(over["attribute"])
        if w > 0:
            parts.append(f"Customers talk about {name} {q / w:.1f}× more than you claim")
        else:
            parts.append(f"Customers talk about {name} ({q:.0%} of what they say) though you do not claim it")
    q, w = under["share"]["value"], under["declared"]
    if w - q >= 0.02:
        parts.append(
            f"{_label(under['attribute'])} is {w:.0%} of your positioning and {q:.0%} of what they say"
        )
    if not parts:
        return "Customers talk about what you claim, in about the proportions you claim it."
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def _label(key: str) -> str:
    return key.replace("_", " ")
