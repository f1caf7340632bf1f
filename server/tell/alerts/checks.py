"""The checks, as a table (``KINDS``, ``DEFAULTS``, ``_LIMITS``: each kind's description, default
parameters and their ranges), and their tests on numbers, not a database: ``bench/alerts.py``
runs them on simulated series, and the tests plant changes in them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from server.measure.metrics import two_proportion_z

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
