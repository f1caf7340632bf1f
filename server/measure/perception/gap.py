"""One brand's perception against its declared positioning (the gap), and over time (trends)."""

from __future__ import annotations

from sqlite_utils import Database

from server.classify.taxonomy import attribute_keys, get_positioning
from server.errors import Invalid
from server.measure.adjust import Correction
from server.measure.audit import MIN_LABELLED, correction
from server.measure.metrics import (
    MIN_COMMENTS,
    Question,
    Sample,
    attribute_figures,
    corrected_figures,
    gap_figures,
    message_gap,
    series,
)
from server.measure.perception.scope import _FIGURES, _POINTS, INTERVALS, Scope, _sample
from server.measure.rollups import version as figures_version
from server.store.brands import get_brand


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
