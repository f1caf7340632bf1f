"""Evaluating the rules over a workspace: the conditions each finds now, and the alerts raised
when one appears or changes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from sqlite_utils import Database

from server.errors import Invalid
from server.store.db import utcnow, write_transaction
from server.tell.alerts.checks import (
    Condition,
    _name,
    _rate,
    gap_condition,
    sentiment_conditions,
    share_conditions,
    spike_conditions,
)
from server.tell.alerts.inbox import get_alert
from server.tell.alerts.rules import ensure_rules, list_rules

# --- evaluation over a workspace ------------------------------------------------------------------


def _windows(end: date, days: int) -> tuple:
    from server.measure.perception import Scope

    now = Scope((end - timedelta(days=days - 1)).isoformat(), end.isoformat())
    before = Scope((end - timedelta(days=2 * days - 1)).isoformat(), (end - timedelta(days=days)).isoformat())
    return before, now


def _page(path: str, **args: str | None) -> str:
    """A page's address with its query encoded (a brand named "H&M" stays one brand)."""
    from urllib.parse import urlencode

    return f"{path}?{urlencode({k: v for k, v in args.items() if v is not None})}"


def _overview_link(brand: str, scope) -> str:
    return _page("/overview", brand=brand, **{"from": scope.start, "to": scope.end})


def _evidence_link(brand: str, scope, attribute: str | None = None) -> str:
    return _page("/comments", brand=brand, kind="customer", attribute=attribute,
                 **{"from": scope.start, "to": scope.end})  # fmt: skip


def conditions_for(db: Database, rule: dict, today: date | None = None) -> list[Condition]:
    """What a rule finds in the workspace now."""
    from server.classify.taxonomy import current_attributes, get_positioning
    from server.measure.metrics import load_sample
    from server.measure.perception import brand_gap, competitors
    from server.measure.rollups import latest_day

    params, brand, kind = rule["params"], rule["brand"], rule["kind"]
    if kind == "source_failing":
        return _failing_sources(db, rule)
    day = latest_day(db, rule["brand_id"])
    if day is None:
        return []
    end = min(date.fromisoformat(day), today) if today else date.fromisoformat(day)
    attributes = [a["key"] for a in current_attributes(db)]
    if kind == "gap_moved":
        before, now = _windows(end, int(params["window_days"]))
        scores = [brand_gap(db, brand, window)["gap_score"] for window in (before, now)]
        found = gap_condition(*scores, params)
        return [_linked(found, _overview_link(brand, now))] if found else []
    if kind in ("share_changed", "sentiment_changed"):
        before, now = _windows(end, int(params["window_days"]))
        samples = [
            load_sample(db, rule["brand_id"], attributes, start=s.start, end=s.end) for s in (before, now)
        ]
        if kind == "share_changed":
            found = share_conditions(attributes, *[(s.totals()[0], s.n) for s in samples], params)
        else:
            found = sentiment_conditions(attributes, *[_feelings(s) for s in samples], params)
        return [_linked(c, _evidence_link(brand, now, c.figures["attribute"])) for c in found]
    if kind == "volume_spike":
        return _spikes(db, rule, attributes, end)
    if kind == "ownership_lost":
        declared = {a for a, w in get_positioning(db, brand).items() if w > 0}
        before, now = _windows(end, int(params["window_days"]))
        found = []
        for row in competitors(db, now)["attributes"]:
            if row["attribute"] not in declared:
                continue
            ours = row["brands"].get(brand, {}).get("ownership")
            if not ours or ours.get("high") is None:
                continue
            for name, figures in row["brands"].items():
                theirs = figures.get("ownership")
                if name == brand or not theirs or theirs.get("low") is None or theirs["low"] <= ours["high"]:
                    continue
                found.append(Condition(
                    f"ownership|{row['attribute']}|{name}", "ahead",
                    f"{name} owns {_name(row['attribute'])}, which {brand} declares",
                    f"{name}'s customers talk about {_name(row['attribute'])} in "
                    f"{_rate(figures.get('mention_rate'))} of their comments, {brand}'s in "
                    f"{_rate(row['brands'][brand].get('mention_rate'))}: ownership {theirs['value']:.0%} "
                    f"[{theirs['low']:.0%}–{theirs['high']:.0%}] against {ours['value']:.0%} "
                    f"[{ours['low']:.0%}–{ours['high']:.0%}] (mention rates compared, whatever the number "
                    f"of comments collected), in the latest {int(params['window_days'])} days.",
                    {"attribute": row["attribute"], "competitor": name, "theirs": theirs, "ours": ours},
                    f"/competitors?from={now.start}&to={now.end}",
                ))  # fmt: skip
        return found
    raise Invalid(f"unknown alert kind {kind!r}")


def _linked(condition: Condition, link: str) -> Condition:
    return replace(condition, link=link)


def _feelings(sample) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    counts = sample.counts[:, None]
    positive = (counts * (sample.sentiment > 0) * sample.mentions).sum(axis=0)
    negative = (counts * (sample.sentiment < 0) * sample.mentions).sum(axis=0)
    return sample.totals()[0], positive, negative


def _spikes(db: Database, rule: dict, attributes: list[str], end: date) -> list[Condition]:
    from server.measure.metrics import load_sample
    from server.measure.perception import Scope

    params, brand = rule["params"], rule["brand"]
    days, baseline_days = int(params["days"]), int(params["baseline_days"])
    recent = ((end - timedelta(days=days - 1)).isoformat(), end.isoformat())
    base = (
        (end - timedelta(days=days + baseline_days - 1)).isoformat(),
        (end - timedelta(days=days)).isoformat(),
    )
    now, before = (load_sample(db, rule["brand_id"], attributes, start=a, end=b) for a, b in (recent, base))
    counts_now, counts_before = now.totals()[0], before.totals()[0]
    series = {a: (int(counts_now[j]), int(counts_before[j])) for j, a in enumerate(attributes)}
    found = spike_conditions(series, params, what="attribute")
    by_source: dict[str, list[int]] = {}
    for (start, stop), index in ((recent, 0), (base, 1)):
        for source, count in db.execute(
            "SELECT coalesce(s.name, s.url, 'source ' || s.id), count(*) FROM comments c JOIN sources s "
            "ON s.id = c.source_id WHERE c.brand_id = ? AND c.kind = 'customer' AND "
            "substr(coalesce(c.published_at, c.collected_at), 1, 10) BETWEEN ? AND ? GROUP BY s.id",
            [rule["brand_id"], start, stop],
        ):  # fmt: skip
            by_source.setdefault(source, [0, 0])[index] = count
    sources = {name: (now_n, before_n) for name, (now_n, before_n) in by_source.items()}
    found += spike_conditions(sources, params, what="source")
    window = Scope(*recent)
    return [_linked(c, _evidence_link(brand, window, c.figures.get("attribute"))) for c in found]


def _failing_sources(db: Database, rule: dict) -> list[Condition]:
    from server.collect.crawls import list_runs, list_sources

    found = []
    for source in list_sources(db):
        if source["brand"] != rule["brand"] or not source["enabled"]:
            continue
        runs = list_runs(db, source_id=source["id"], limit=int(rule["params"]["runs"]))
        if len(runs) < rule["params"]["runs"] or any(r["status"] != "failed" for r in runs):
            continue
        name = source.get("name") or source.get("url") or f"source {source['id']}"
        reason = (runs[0]["errors"] or ["no reason recorded"])[0]
        found.append(Condition(
            f"source|{source['id']}", "failing", f"{name} keeps failing to crawl",
            f"The last {len(runs)} crawls of {name} failed; the latest: {reason}",
            {"source": source["id"], "runs": [r["id"] for r in runs]}, f"/sources/{source['id']}",
        ))  # fmt: skip
    return found


def evaluate(db: Database, *, today: date | None = None) -> list[dict]:
    """Run every enabled rule; raise an alert for each condition that is new or changed state,
    forget the conditions that no longer hold (in one transaction); then test again the cases whose
    figures may have changed (a changed verdict is an alert too). Answer the alerts raised."""
    ensure_rules(db)
    rules = [r for r in list_rules(db) if r["enabled"]]
    found = {r["id"]: conditions_for(db, r, today) for r in rules}
    raised = []
    now = utcnow()
    with write_transaction(db):
        for rule in rules:
            known = {row[0]: row[1] for row in db.execute(
                "SELECT key, state FROM alert_conditions WHERE rule_id = ?", [rule["id"]])}  # fmt: skip
            current = {c.key: c for c in found[rule["id"]]}
            for key in set(known) - set(current):
                db.execute("DELETE FROM alert_conditions WHERE rule_id = ? AND key = ?", [rule["id"], key])
            for key, condition in current.items():
                if known.get(key) == condition.state:
                    continue  # still holds as before: no second alert
                alert_id = db["alerts"].insert({
                    "rule_id": rule["id"], "brand_id": rule["brand_id"], "kind": rule["kind"], "key": key,
                    "state": condition.state, "title": condition.title, "message": condition.message,
                    "figures": json.dumps(condition.figures, default=float), "link": condition.link,
                    "created_at": now, "deliveries": json.dumps({}),
                }).last_pk  # fmt: skip
                db.execute("INSERT OR REPLACE INTO alert_conditions (rule_id, key, state, since, alert_id) "
                           "VALUES (?, ?, ?, ?, ?)",
                           [rule["id"], key, condition.state, now, alert_id])  # fmt: skip
                raised.append(alert_id)
    raised += _retest_cases(db)
    return [get_alert(db, a) for a in raised]


def _retest_cases(db: Database) -> list[int]:
    """Test again the cases in play whose figures may have changed (``server.tell.cases``); answer the
    alerts their changed verdicts raised."""
    from server.tell.cases import retest

    last = db.execute("SELECT coalesce(max(id), 0) FROM alerts").fetchone()[0]
    retest(db)
    return [
        r[0] for r in db.execute("SELECT id FROM alerts WHERE id > ? AND kind = 'case' ORDER BY id", [last])
    ]
