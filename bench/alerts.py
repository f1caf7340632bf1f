"""How often do the alert rules cry wolf, and do they see a real change? (issue 10)

Each simulated run makes a brand's customer comments for two windows of --window days (the
window before and the latest), Poisson(--per-day) comments a day, each about eight attributes
at fixed rates with a sentiment per mention, plus a trailing baseline of 56 days for the volume
rule. It then asks the product's own tests (``server.tell.alerts``: ``gap_condition`` with the
bootstrap figures of ``server.measure.metrics``, ``share_conditions``, ``sentiment_conditions`` and
``spike_conditions``, all at their default parameters) what they would raise.

- **Noise only**: nothing changes between the windows; every condition raised is a false alarm.
  It prints, per rule and for all of them together, the share of runs that raised anything.
- **Planted changes**: one change is planted per scenario (a share up by 10 points, a net
  sentiment down by 0.4, a tripled volume on one attribute in the latest week, a shift of the
  whole profile that moves the gap score); it prints how often the rule meant to see it did.

    python bench/alerts.py [--runs 1000] [--per-day 15] [--window 30]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from server.measure.metrics import Question, Sample, gap_figures
from server.tell.alerts import (
    DEFAULTS,
    gap_condition,
    sentiment_conditions,
    share_conditions,
    spike_conditions,
)

ATTRIBUTES = ["reliability", "innovation", "support", "price", "ease_of_use", "performance", "security",
              "integrations"]  # fmt: skip
RATES = np.array([0.30, 0.12, 0.18, 0.08, 0.10, 0.12, 0.03, 0.06])
POSITIVE = np.array([0.7, 0.5, 0.4, 0.3, 0.6, 0.5, 0.5, 0.5])  # P(positive | mentioned); else negative
POSITIONING = {"reliability": 0.10, "innovation": 0.45, "support": 0.05, "price": 0.10, "ease_of_use": 0.10,
               "performance": 0.10, "security": 0.05, "integrations": 0.05}  # fmt: skip


def comments(rng: np.random.Generator, days: int, per_day: float, rates: np.ndarray,
             positive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    n = int(rng.poisson(per_day * days))
    mentions = rng.random((n, len(rates))) < rates
    feelings = np.where(rng.random((n, len(rates))) < positive, 1.0, -1.0) * mentions
    return mentions.astype(float), feelings


def as_sample(mentions: np.ndarray, feelings: np.ndarray) -> Sample:
    rows, counts = np.unique(np.hstack([mentions, feelings]), axis=0, return_counts=True)
    k = len(ATTRIBUTES)
    return Sample(ATTRIBUTES, rows[:, :k], rows[:, k:], [], counts.astype(float))


def feelings_totals(mentions: np.ndarray, feelings: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        mentions.sum(axis=0),
        (feelings > 0).sum(axis=0).astype(float),
        (feelings < 0).sum(axis=0).astype(float),
    )


def one_run(
    rng: np.random.Generator, run: int, window: int, per_day: float, plant: str | None
) -> dict[str, int]:
    rates_now, positive_now, spike = RATES.copy(), POSITIVE.copy(), 1.0
    if plant == "share":
        rates_now[3] += 0.10  # price talked about more
    elif plant == "sentiment":
        positive_now[2] -= 0.20  # support: net sentiment down by 0.4
    elif plant == "volume":
        spike = 3.0  # three times the comments on price in the latest week
    elif plant == "gap":
        rates_now = RATES * np.array([0.5, 2.0, 0.6, 1, 1, 1, 1, 1])  # innovation talked about as declared
    before = comments(rng, window, per_day, RATES, POSITIVE)
    now = comments(rng, window, per_day, rates_now, positive_now)
    raised = {}
    gaps = [gap_figures(as_sample(*w), POSITIONING, Question(f"{run}|{i}"))[0].as_dict()
            for i, w in enumerate((before, now))]  # fmt: skip
    raised["gap_moved"] = int(gap_condition(*gaps, DEFAULTS["gap_moved"]) is not None)
    raised["share_changed"] = len(share_conditions(
        ATTRIBUTES, (before[0].sum(axis=0), len(before[0])), (now[0].sum(axis=0), len(now[0])),
        DEFAULTS["share_changed"]))  # fmt: skip
    feelings = (feelings_totals(*before), feelings_totals(*now))
    raised["sentiment_changed"] = len(
        sentiment_conditions(ATTRIBUTES, *feelings, DEFAULTS["sentiment_changed"])
    )
    params = DEFAULTS["volume_spike"]
    baseline = comments(rng, int(params["baseline_days"]), per_day, RATES, POSITIVE)[0].sum(axis=0)
    latest_rates = RATES.copy()
    latest_rates[3] *= spike
    latest = comments(rng, int(params["days"]), per_day, latest_rates, POSITIVE)[0].sum(axis=0)
    series = {a: (int(latest[j]), int(baseline[j])) for j, a in enumerate(ATTRIBUTES)}
    raised["volume_spike"] = len(spike_conditions(series, params, what="attribute"))
    return raised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--per-day", type=float, default=15)
    parser.add_argument("--window", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    rules = ["gap_moved", "share_changed", "sentiment_changed", "volume_spike"]
    print(f"{args.runs} runs per scenario, {args.per_day:g} comments a day, windows of {args.window} "
          f"days (about {args.per_day * args.window:.0f} comments each), "
          f"{len(ATTRIBUTES)} attributes")  # fmt: skip
    noise = [one_run(rng, run, args.window, args.per_day, None) for run in range(args.runs)]
    print("\nNoise only (false alarms): share of runs in which a rule raised anything")
    for rule in rules:
        hit = sum(1 for r in noise if r[rule])
        print(f"  {rule:<18} {hit / args.runs:7.2%}  ({hit} of {args.runs})")
    anything = sum(1 for r in noise if any(r.values()))
    print(f"  {'any rule':<18} {anything / args.runs:7.2%}  ({anything} of {args.runs})")
    print("\nPlanted changes: share of runs in which the rule meant to see it raised it")
    for plant, rule, what in (("share", "share_changed", "price +10 points"),
                              ("sentiment", "sentiment_changed", "support net sentiment -0.4"),
                              ("volume", "volume_spike", "price comments x3 in the latest week"),
                              ("gap", "gap_moved", "profile shifted towards the positioning")):  # fmt: skip
        found = [one_run(rng, run, args.window, args.per_day, plant) for run in range(args.runs)]
        hit = sum(1 for r in found if r[rule])
        print(f"  {what:<42} {rule:<18} {hit / args.runs:7.1%}")
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
