"""Early warning (issue 10): alert rules per brand, evaluated after crawls and classification.

Each rule is one kind of check with its parameters (``DEFAULTS``); every brand gets every rule
the first time alerts are evaluated, on for the workspace's own brand and off for competitors.
A check compares the latest window of days (ending on the brand's newest classified comment)
with the window before it and reports *conditions*: something that holds now, under a stable
key (``"share|reliability"``) with a state (``"up"``). An alert is raised when a condition
appears or its state changes; while it holds unchanged nothing more is raised; once it no longer
holds it is forgotten, so it can be raised again later (``alert_conditions``).

The checks, each a test that accounts for sample size rather than a fixed percentage:

- ``gap_moved``: the gap score's change against the previous window, over the spread of both
  bootstrap intervals (z ≥ ``z``, default 3.5);
- ``share_changed``: an attribute's mention rate, by a two-proportion z-test, Bonferroni-corrected
  over the attributes (family-wise ``alpha``, default 0.1 %);
- ``sentiment_changed``: an attribute's net sentiment, by a z-test of the difference of two means
  of −1/0/+1 values, Bonferroni-corrected likewise;
- ``volume_spike``: the comments of the latest ``days`` on an attribute, or from a source,
  against their trailing ``baseline_days`` (the exact conditional test of two Poisson rates
  below ``alpha`` over the number of series, at least ``ratio`` times the baseline's rate and
  ``min_comments``);
- ``ownership_lost``: a competitor's ownership of an attribute the brand declares lies wholly
  above the brand's own (non-overlapping 95 % intervals);
- ``source_failing``: a source's latest ``runs`` crawls all failed.

The pure tests (``*_conditions``) take numbers, not a database: ``bench/alerts.py`` runs them on
simulated series to measure the false-alarm rate, and the tests plant changes in them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from statistics import NormalDist

import numpy as np
from sqlite_utils import Database

from .db import utcnow, write_transaction
from .errors import Invalid, NotFound
from .metrics import two_proportion_z

KINDS = {
    "gap_moved": "the gap score moved beyond its interval",
    "share_changed": "an attribute's share of comments changed significantly",
    "sentiment_changed": "an attribute's net sentiment changed significantly",
    "volume_spike": "a spike in comments on an attribute or from a source",
    "ownership_lost": "a competitor owns an attribute the brand declares",
    "source_failing": "a source keeps failing to crawl",
}
DEFAULTS: dict[str, dict[str, float]] = {  # strict on purpose: an alert nobody trusts is noise
    "gap_moved": {"window_days": 30, "z": 3.5, "min_comments": 30},
    "share_changed": {"window_days": 30, "alpha": 0.001, "min_comments": 30},
    "sentiment_changed": {"window_days": 30, "alpha": 0.001, "min_mentions": 30},
    "volume_spike": {"days": 7, "baseline_days": 56, "alpha": 0.001, "ratio": 2.0, "min_comments": 10},
    "ownership_lost": {"window_days": 90},
    "source_failing": {"runs": 3},
}
_LIMITS = {  # allowed range of each parameter
    "window_days": (7, 365), "z": (1.5, 10.0), "min_comments": (5, 100000), "alpha": (0.0001, 0.2),
    "min_mentions": (5, 100000), "days": (1, 60), "baseline_days": (14, 365), "ratio": (1.0, 100.0),
    "runs": (1, 50),
}  # fmt: skip


@dataclass(frozen=True)
class Condition:
    """Something that holds now: ``key`` names it, ``state`` tells when it changed."""

    key: str
    state: str
    title: str
    message: str
    figures: dict = field(default_factory=dict)
    link: str | None = None


# --- the tests, on numbers ----------------------------------------------------------------------


def bonferroni_z(alpha: float, tests: int) -> float:
    """The two-sided z a single test must reach so that ``tests`` of them together raise a false
    alarm with probability at most ``alpha``."""
    return NormalDist().inv_cdf(1 - alpha / (2 * max(tests, 1)))


def share_conditions(attributes: list[str], before: tuple[np.ndarray, int], now: tuple[np.ndarray, int],
                     params: dict) -> list[Condition]:  # fmt: skip
    """Mention rates that changed: ``before`` and ``now`` are (mentions per attribute, comments)."""
    (m0, n0), (m1, n1) = before, now
    if min(n0, n1) < params["min_comments"]:
        return []
    threshold = bonferroni_z(params["alpha"], len(attributes))
    out = []
    for j, attribute in enumerate(attributes):
        p0, p1 = m0[j] / n0, m1[j] / n1
        z = two_proportion_z(m0[j], n0, m1[j], n1)
        if abs(z) >= threshold:
            way = "up" if z > 0 else "down"
            out.append(Condition(
                f"share|{attribute}", way,
                f"{_name(attribute)} {'rose' if z > 0 else 'fell'} in what customers say",
                f"{p1:.0%} of customer comments speak of {_name(attribute)}, against {p0:.0%} in the window "
                f"before ({n1} and {n0} comments; z = {z:+.1f}).",
                {"attribute": attribute, "before": round(p0, 4), "now": round(p1, 4), "z": round(z, 2),
                 "comments": [n0, n1]},
            ))  # fmt: skip
    return out


Counts = tuple[np.ndarray, np.ndarray, np.ndarray]


def sentiment_conditions(attributes: list[str], before: Counts, now: Counts, params: dict) -> list[Condition]:
    """Net sentiments that changed: ``before`` and ``now`` are per attribute (mentions, positive,
    negative)."""
    threshold = bonferroni_z(params["alpha"], len(attributes))
    out = []
    for j, attribute in enumerate(attributes):
        (m0, pos0, neg0), (m1, pos1, neg1) = ((x[j] for x in before), (x[j] for x in now))
        if min(m0, m1) < params["min_mentions"]:
            continue
        net0, net1 = (pos0 - neg0) / m0, (pos1 - neg1) / m1
        var0, var1 = (pos0 + neg0) / m0 - net0**2, (pos1 + neg1) / m1 - net1**2
        spread = math.sqrt(max(var0, 0) / m0 + max(var1, 0) / m1)
        if spread == 0:
            continue
        z = (net1 - net0) / spread
        if abs(z) >= threshold:
            way = "up" if z > 0 else "down"
            out.append(Condition(
                f"sentiment|{attribute}", way,
                f"Sentiment on {_name(attribute)} {'improved' if z > 0 else 'worsened'}",
                f"Net sentiment on {_name(attribute)} is {net1:+.2f}, against {net0:+.2f} in the window "
                f"before ({int(m1)} and {int(m0)} comments on it; z = {z:+.1f}).",
                {"attribute": attribute, "before": round(net0, 4), "now": round(net1, 4), "z": round(z, 2),
                 "mentions": [int(m0), int(m1)]},
            ))  # fmt: skip
    return out


def gap_condition(before: dict, now: dict, params: dict) -> Condition | None:
    """The gap score moved: ``before`` and ``now`` are gap-score figures (value, low, high, n)."""
    if any(f.get("value") is None or f.get("low") is None for f in (before, now)):
        return None
    if min(before["n"], now["n"]) < params["min_comments"]:
        return None
    spread = math.hypot((before["high"] - before["low"]) / 3.92, (now["high"] - now["low"]) / 3.92)
    if spread == 0:
        return None
    z = (now["value"] - before["value"]) / spread
    if abs(z) < params["z"]:
        return None
    way = "up" if z > 0 else "down"
    return Condition(
        "gap", way, f"The perception gap {'widened' if z > 0 else 'narrowed'}",
        f"The gap score is {now['value']:.0%} [{now['low']:.0%}–{now['high']:.0%}], against "
        f"{before['value']:.0%} [{before['low']:.0%}–{before['high']:.0%}] in the window before "
        f"(z = {z:+.1f}).",
        {"before": before, "now": now, "z": round(z, 2)},
    )  # fmt: skip


def spike_conditions(series: dict[str, tuple[int, int]], params: dict, *, what: str) -> list[Condition]:
    """Volume spikes: ``series`` maps a name to (comments in the latest ``days``, comments in the
    ``baseline_days`` before). Under no change both are Poisson counts of one daily rate, so the
    latest count, given the two together, is binomial with p = days / (days + baseline_days):
    the exact test of two Poisson rates, which also accounts for how well the baseline is known."""
    if not series:
        return []
    from scipy.stats import binom  # scipy.stats takes a second to import: only when a spike is checked

    level = params["alpha"] / len(series)
    days, baseline_days = params["days"], params["baseline_days"]
    share = days / (days + baseline_days)
    out = []
    for name, (observed, baseline) in series.items():
        expected = baseline * days / baseline_days
        if observed < params["min_comments"] or observed < params["ratio"] * expected:
            continue
        chance = float(binom.sf(observed - 1, observed + baseline, share))  # P(X >= observed)
        if chance < level:
            label = _name(name) if what == "attribute" else name
            about = "on" if what == "attribute" else "from"
            out.append(Condition(
                f"volume|{what}|{name}", "spike", f"A spike in comments {about} {label}",
                f"{observed} comments {about} {label} in the latest {int(days)} days, where the "
                f"{int(baseline_days)} days before give {expected:.1f} for as many days.",
                {what: name, "observed": observed, "expected": round(expected, 2), "p": chance},
            ))  # fmt: skip
    return out


def _rate(figure: dict | None) -> str:
    return "–" if not figure or figure.get("value") is None else f"{figure['value']:.0%}"


def _name(key: str) -> str:
    return key.replace("_", " ")


# --- rules ------------------------------------------------------------------------------------------


def ensure_rules(db: Database) -> None:
    """Give every brand every rule with its defaults, once: on for the workspace's own brand, off
    for competitors (turn one on to watch them)."""
    from .brands import list_brands

    have = {(r[0], r[1]) for r in db.execute("SELECT brand_id, kind FROM alert_rules")}
    missing = [{"brand_id": b["id"], "kind": k, "enabled": int(bool(b["is_ours"])),
                "params": json.dumps(DEFAULTS[k]), "updated_at": utcnow()}
               for b in list_brands(db, counts=False) for k in KINDS if (b["id"], k) not in have]  # fmt: skip
    if missing:
        with write_transaction(db):
            db["alert_rules"].insert_all(missing)


def list_rules(db: Database) -> list[dict]:
    ensure_rules(db)
    rows = db.query("SELECT r.*, b.name AS brand FROM alert_rules r JOIN brands b ON b.id = r.brand_id "
                    "ORDER BY b.name, r.id")  # fmt: skip
    return [{**r, "enabled": bool(r["enabled"]), "params": json.loads(r["params"]),
             "description": KINDS[r["kind"]]} for r in rows]  # fmt: skip


def update_rule(db: Database, rule_id: int, *, enabled: bool | None = None, params: dict | None = None,
                by: str | None = None) -> dict:  # fmt: skip
    """Turn a rule on or off and/or change some of its parameters (checked against their ranges)."""
    rows = list(db.query("SELECT * FROM alert_rules WHERE id = ?", [rule_id]))
    if not rows:
        raise NotFound(f"no alert rule {rule_id}")
    rule = rows[0]
    merged = json.loads(rule["params"])
    if params is not None:
        if not isinstance(params, dict):
            raise Invalid("params must be an object of parameter: number")
        for name, value in params.items():
            if name not in DEFAULTS[rule["kind"]]:
                raise Invalid(f"{rule['kind']} has no parameter {str(name)[:40]!r}; it has "
                              f"{', '.join(DEFAULTS[rule['kind']])}")  # fmt: skip
            low, high = _LIMITS[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise Invalid(f"{name} must be a number from {low} to {high}")
            merged[name] = value
    if enabled is not None and not isinstance(enabled, bool):
        raise Invalid("enabled must be true or false")
    changes = {"params": json.dumps(merged), "updated_at": utcnow(), "updated_by": by}
    if enabled is not None:
        changes["enabled"] = int(enabled)
    with write_transaction(db):
        db["alert_rules"].update(rule_id, changes)
    return next(r for r in list_rules(db) if r["id"] == rule_id)


# --- evaluation over a workspace ------------------------------------------------------------------


def _windows(end: date, days: int) -> tuple:
    from .perception import Scope

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
    from .metrics import load_sample
    from .perception import brand_gap, competitors
    from .rollups import latest_day
    from .taxonomy import current_attributes, get_positioning

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
    from .metrics import load_sample
    from .perception import Scope

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
    from .crawls import list_runs, list_sources

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
    """Test again the cases in play whose figures may have changed (``server.cases``); answer the
    alerts their changed verdicts raised."""
    from .cases import retest

    last = db.execute("SELECT coalesce(max(id), 0) FROM alerts").fetchone()[0]
    retest(db)
    return [
        r[0] for r in db.execute("SELECT id FROM alerts WHERE id > ? AND kind = 'case' ORDER BY id", [last])
    ]


# --- the alert list --------------------------------------------------------------------------------


def _alert_row(row: dict) -> dict:
    return {**row, "figures": json.loads(row["figures"]), "deliveries": json.loads(row["deliveries"] or "{}"),
            "read": row["read_at"] is not None}  # fmt: skip


def get_alert(db: Database, alert_id: int) -> dict:
    rows = list(db.query("SELECT a.*, b.name AS brand FROM alerts a JOIN brands b ON b.id = a.brand_id "
                         "WHERE a.id = ?", [alert_id]))  # fmt: skip
    if not rows:
        raise NotFound(f"no alert {alert_id}")
    return _alert_row(rows[0])


def list_alerts(db: Database, *, unread: bool = False, brand: str | None = None, since: str | None = None,
                limit: int = 100, offset: int = 0) -> dict:  # fmt: skip
    """Newest first (raised at or after ``since``, an ISO time, when given), with the number unread."""
    where, args = [], []
    if unread:
        where.append("a.read_at IS NULL")
    if brand:
        where.append("b.name = ?")
        args.append(brand)
    if since:
        where.append("a.created_at >= ?")
        args.append(since)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = db.query(f"SELECT a.*, b.name AS brand FROM alerts a JOIN brands b ON b.id = a.brand_id{clause} "
                    "ORDER BY a.id DESC LIMIT ? OFFSET ?", [*args, limit, offset])  # fmt: skip
    total = db.execute(f"SELECT count(*) FROM alerts a JOIN brands b ON b.id = a.brand_id{clause}", args)
    total = total.fetchone()
    return {"alerts": [_alert_row(r) for r in rows], "total": total[0], "unread": unread_count(db)}


def unread_count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM alerts WHERE read_at IS NULL").fetchone()[0]


def mark_read(db: Database, alert_id: int | None = None, *, read: bool = True, by: str | None = None) -> int:
    """Mark one alert (or, without ``alert_id``, every unread one) read or unread; answer how many."""
    if alert_id is not None:
        get_alert(db, alert_id)
    with write_transaction(db):
        if alert_id is None:
            cursor = db.execute(
                "UPDATE alerts SET read_at = ?, read_by = ? WHERE read_at IS NULL", [utcnow(), by]
            )
        elif read:
            cursor = db.execute("UPDATE alerts SET read_at = coalesce(read_at, ?), "
                                "read_by = coalesce(read_by, ?) WHERE id = ?",
                                [utcnow(), by, alert_id])  # fmt: skip
        else:
            cursor = db.execute("UPDATE alerts SET read_at = NULL, read_by = NULL WHERE id = ?", [alert_id])
    return cursor.rowcount
