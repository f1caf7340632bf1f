"""What the pages and the JSON API show about perception: the metrics of ``server.metrics``
assembled for a brand (gap), over time (trends) and across brands (competitors).

One function per view; the API answers their result as JSON and the pages will render the same.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlite_utils import Database

from .adjust import Correction
from .audit import MIN_LABELLED, correction
from .brands import get_brand, list_brands, our_brand
from .comments import parse_date
from .errors import Invalid
from .languages import EMBEDDED_LANGUAGES
from .metrics import (
    MIN_COMMENTS,
    Question,
    Sample,
    attribute_figures,
    corrected_figures,
    gap_figures,
    leaders,
    load_sample,
    message_gap,
    ownership,
    series,
    share_of_voice,
)
from .rollups import latest_day
from .rollups import version as figures_version
from .taxonomy import attribute_keys, get_positioning

INTERVALS = ("week", "month", "quarter")  # and "auto": month, or quarter where months are too thin


class _Memo:
    """A small thread-safe LRU of computed figures, keyed by everything they depend on (the data
    itself by fingerprint), so a hit is always the same answer as a fresh computation."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value):
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_POINTS = _Memo(4096)  # trend points: a few kB each
_FIGURES = _Memo(256)  # gap and competitor answers, keyed by the figures' version (a few kB each)


@dataclass(frozen=True)
class Scope:
    """A period (dates, inclusive) and a channel filter."""

    start: str | None = None
    end: str | None = None
    channels: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: Mapping[str, str], channels: list[str] | None = None) -> Scope:
        bounds = {}
        for name in ("from", "to"):
            value = (args.get(name) or "").strip()
            if value:
                bounds[name] = parse_date(name, value).isoformat()
        if "from" in bounds and "to" in bounds and bounds["from"] > bounds["to"]:
            raise Invalid("from is after to")
        return cls(bounds.get("from"), bounds.get("to"), tuple(c for c in (channels or []) if c))

    def key(self, *parts: object) -> str:
        return "|".join(map(str, (*parts, self.start, self.end, ",".join(self.channels))))

    def as_dict(self) -> dict:
        return {"from": self.start, "to": self.end, "channels": list(self.channels)}


def _sample(
    db: Database, brand_id: int, attributes: list[str], scope: Scope, kind: str = "customer",
    interval: str | None = None, model_tags: bool = False,
):  # fmt: skip
    return load_sample(
        db, brand_id, attributes, kind=kind, start=scope.start, end=scope.end, channels=scope.channels,
        interval=interval, model_tags=model_tags,
    )  # fmt: skip


def brand_gap(db: Database, brand_name: str, scope: Scope = Scope()) -> dict:
    """Declared weight vs perceived share (and emitted share) per attribute, the gap score and
    the message gap, each with its interval and sample size."""
    brand = get_brand(db, brand_name)
    attributes = attribute_keys(db)
    positioning = get_positioning(db, brand["name"])
    fix = correction(db, attributes)
    key = ("gap", brand["id"], brand["name"], scope, tuple(attributes), tuple(sorted(positioning.items())),
           figures_version(db), fix.key if fix else None)  # fmt: skip
    cached = _FIGURES.get(key)
    if cached is not None:
        return cached
    return _FIGURES.put(key, _brand_gap(db, brand, attributes, positioning, scope, fix))


def _brand_gap(db: Database, brand: dict, attributes: list[str], positioning: dict, scope: Scope,
               fix: Correction | None) -> dict:  # fmt: skip
    customers = _sample(db, brand["id"], attributes, scope)
    emitted = _sample(db, brand["id"], attributes, scope, "emitted")
    question = Question(scope.key("gap", brand["id"]))
    figures = attribute_figures(customers, question)
    emitted_figures = attribute_figures(emitted, Question(scope.key("emitted", brand["id"]), min_comments=5))
    score, gaps = gap_figures(customers, positioning, question)
    corrected = None
    if fix is not None and fix.any:
        model = _sample(db, brand["id"], attributes, scope, model_tags=True)
        corrected = corrected_figures(model, fix, positioning, question)
    return {
        "brand": brand["name"],
        "scope": scope.as_dict(),
        "comments": customers.n,
        "unclaimed": int(customers.counts[customers.mentions.sum(axis=1) == 0].sum()),
        "correction": _correction_summary(fix),
        "corrected_gap_score": corrected["gap_score"].as_dict() if corrected else None,
        "emitted": emitted.n,
        "gap_score": score.as_dict(),
        "message_gap": message_gap(
            emitted, positioning, Question(scope.key("message", brand["id"]), min_comments=5)
        ).as_dict(),
        "attributes": [
            {
                "attribute": a,
                "declared": positioning.get(a, 0.0) if positioning else None,
                "share": figures[a]["share"].as_dict(),
                "gap": gaps[a].as_dict(),
                "mention_rate": figures[a]["mention_rate"].as_dict(),
                "net_sentiment": figures[a]["net_sentiment"].as_dict(),
                "emitted_share": emitted_figures[a]["share"].as_dict(),
                "corrected_share": corrected["share"][a].as_dict() if corrected else None,
                "corrected_mention_rate": corrected["mention_rate"][a].as_dict() if corrected else None,
            }
            for a in attributes
        ],
    }


def brand_trends(db: Database, brand_name: str, scope: Scope = Scope(), interval: str = "month") -> dict:
    """Per week or month: each attribute's perceived share and net sentiment, and the gap score."""
    if interval not in (*INTERVALS, "auto"):
        raise Invalid(f"interval must be one of {', '.join(INTERVALS)} or auto, not {interval[:20]!r}")
    brand = get_brand(db, brand_name)
    attributes = attribute_keys(db)
    positioning = get_positioning(db, brand["name"])
    loaded = "month" if interval in ("quarter", "auto") else interval  # quarters are made of months
    sample = _sample(db, brand["id"], attributes, scope, interval=loaded)
    if interval == "auto":
        interval = auto_interval(sample)
    fix = correction(db, attributes)
    by_period: dict = {}
    fix = fix if fix is not None and fix.any else None
    if fix is not None:
        model = _sample(db, brand["id"], attributes, scope, interval=loaded, model_tags=True)
        by_period = dict(series(model, interval, lambda sub, _start: sub))

    def point(sub, start: str) -> dict:
        # seeded by the period itself, not the window asked for: a week shows the same figures
        # in every window that holds all of it, and is computed once (see _POINTS)
        question = Question("|".join(map(str, ("trend", brand["id"], interval, start, *scope.channels))))
        model = by_period.get(start)
        key = (question.key, tuple(sorted(positioning.items())), sub.fingerprint(),
               (fix.key, model.fingerprint()) if fix and model else None)  # fmt: skip
        cached = _POINTS.get(key)
        if cached is not None:
            return cached
        figures = attribute_figures(sub, question)
        score, _gaps = gap_figures(sub, positioning, question)
        corrected = corrected_figures(model, fix, positioning, question) if fix and model else None
        return _POINTS.put(key, {
            "comments": sub.n,
            "gap_score": score.as_dict(),
            "corrected_gap_score": corrected["gap_score"].as_dict() if corrected else None,
            "attributes": {
                a: {
                    "share": figures[a]["share"].as_dict(),
                    "net_sentiment": figures[a]["net_sentiment"].as_dict(),
                    "corrected_share": corrected["share"][a].as_dict() if corrected else None,
                }
                for a in attributes
            },
        })  # fmt: skip

    return {
        "brand": brand["name"],
        "scope": scope.as_dict(),
        "interval": interval,
        "correction": _correction_summary(fix),
        "declared": positioning,
        "periods": [{"start": start, **values} for start, values in series(sample, interval, point)],
    }


def auto_interval(monthly: Sample) -> str:
    """Month, unless fewer than half of the months' mentioned attributes have the comments a net
    sentiment needs: then quarter (a month-by-month chart of a small workspace drew 1 of 144
    sentiment points)."""
    cells = [sub.totals()[0] for _start, sub in series(monthly, "month", lambda sub, _start: sub)]
    mentioned = sum(int((m > 0).sum()) for m in cells)
    enough = sum(int((m >= MIN_COMMENTS).sum()) for m in cells)
    return "month" if mentioned and enough * 2 >= mentioned else "quarter"


def _correction_summary(fix: Correction | None) -> dict:
    """Which figures are corrected for the classifier's errors, and from how many labels."""
    if fix is None or not fix.any:
        why = (f"the audit needs {MIN_LABELLED} labelled comments of the random review queue" if fix is None
               else "no attribute has enough labels yet")  # fmt: skip
        answer = {"available": False, "labelled": fix.labelled if fix else None}
        return {**answer, "note": f"not corrected: {why}", **({"not_corrected": fix.notes} if fix else {})}
    note = None
    if not fix.complete:
        note = (f"{', '.join(a.replace('_', ' ') for a in fix.notes)}: too few labels to correct; counted as "
                "tagged in the other shares")  # fmt: skip
    return {"available": True, **fix.summary(), "note": note}


def competitors(db: Database, scope: Scope = Scope()) -> dict:
    """Attributes × brands: perceived share, net sentiment and ownership."""
    attributes = attribute_keys(db)
    brands = list_brands(db, counts=False)
    key = ("competitors", scope, tuple(attributes), tuple((b["id"], b["name"], b["is_ours"]) for b in brands),
           figures_version(db))  # fmt: skip
    cached = _FIGURES.get(key)
    if cached is not None:
        return cached
    return _FIGURES.put(key, _competitors(db, scope, attributes, brands))


def _competitors(db: Database, scope: Scope, attributes: list[str], brands: list[dict]) -> dict:
    samples = {b["name"]: _sample(db, b["id"], attributes, scope) for b in brands}
    figures = {
        name: attribute_figures(s, Question(scope.key("competitors", name))) for name, s in samples.items()
    }
    owned = ownership(samples, Question(scope.key("ownership")))
    voice = share_of_voice(samples, Question(scope.key("voice")))
    led = leaders(owned)
    return {
        "scope": scope.as_dict(),
        "brands": [
            {"name": b["name"], "is_ours": b["is_ours"], "comments": samples[b["name"]].n} for b in brands
        ],
        "attributes": [
            {
                "attribute": a,
                "leader": led.get(a),
                "brands": {
                    name: {
                        "share": figures[name][a]["share"].as_dict(),
                        "net_sentiment": figures[name][a]["net_sentiment"].as_dict(),
                        "mention_rate": figures[name][a]["mention_rate"].as_dict(),
                        "ownership": owned[a][name].as_dict() if a in owned else None,
                        "share_of_voice": voice[a][name].as_dict() if a in voice else None,
                    }
                    for name in samples
                },
            }
            for a in attributes
        ],
    }


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
    from .classify import not_scored
    from .drift import notices

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
