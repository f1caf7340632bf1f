"""Do corrected figures recover the truth? Coverage of the audit's correction (issue 9).

Each simulated run draws a population of --comments customer comments whose true attributes are
known (the scenario's true mention rates, several attributes per comment possible), tags it with
a classifier of known sensitivity and specificity per attribute, and audits it the way Gapwatch
does: the random review queue's strata are the model's leading attribute (or none), with
--per-stratum labelled comments drawn from each and weighted by the stratum's size. Then, through
the product's own code (``server.measure.adjust.make_correction`` and
``server.measure.metrics.corrected_figures``), it computes every attribute's

- mention rate and perceived share as tagged (what the classifier reports), with the 95 %
  bootstrap interval over comments that the pages show, and
- the corrected mention rate and share, with their 95 % interval over the comments and the audit.

It prints, per scenario and attribute, how often each interval contains the population's true
figure (the coverage; 95 % is the promise), the mean interval width and the mean error. Medians
would hide nothing here: every figure is over --runs independent runs.

    python bench/corrected.py [--runs 1000] [--comments 5000] [--per-stratum 80]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from server.measure.adjust import AuditSample, make_correction
from server.measure.metrics import Question, Sample, attribute_figures, corrected_figures

# per scenario, per attribute: (true mention rate, sensitivity, specificity)
SCENARIOS = {
    "three attributes, one rare": {
        "reliability": (0.30, 0.80, 0.90),
        "support": (0.10, 0.65, 0.97),
        "price": (0.05, 0.70, 0.98),
    },  # fmt: skip
    "two common attributes": {"reliability": (0.40, 0.75, 0.90), "innovation": (0.25, 0.85, 0.95)},
}


def one_run(rng: np.random.Generator, scenario: dict, comments: int, per_stratum: int, run: int) -> dict:
    keys = list(scenario)
    rates, se, sp = (np.array([scenario[k][i] for k in keys]) for i in range(3))
    truth = rng.random((comments, len(keys))) < rates
    predicted = np.where(truth, rng.random(truth.shape) < se, rng.random(truth.shape) < 1 - sp)
    scores = np.where(predicted, rng.random(truth.shape), -1.0)  # the leading attribute: highest score
    strata = np.where(predicted.any(axis=1), scores.argmax(axis=1), len(keys))
    picked, weights = [], []
    for s in np.unique(strata):
        members = np.flatnonzero(strata == s)
        take = rng.choice(members, size=min(per_stratum, len(members)), replace=False)
        picked.append(take)
        weights.append(np.full(len(take), len(members) / len(take)))
    index = np.concatenate(picked)
    audit = AuditSample(truth[index], predicted[index], strata[index], np.concatenate(weights))
    fix = make_correction(keys, audit, labelled=len(index), models=["simulated"], key=str(run), min_labels=5)
    patterns, counts = np.unique(predicted.astype(float), axis=0, return_counts=True)
    tagged = Sample(keys, patterns, np.zeros_like(patterns), [], counts.astype(float))
    question = Question(f"bench|{run}")
    corrected = corrected_figures(tagged, fix, {}, question)
    as_tagged = attribute_figures(tagged, question)
    real_rates = truth.mean(axis=0)
    real = {"mention_rate": real_rates, "share": real_rates / real_rates.sum()}
    out = {}
    for j, key in enumerate(keys):
        for figure in ("mention_rate", "share"):
            out[(key, figure, "corrected")] = (corrected[figure][key], real[figure][j])
            out[(key, figure, "as tagged")] = (as_tagged[key][figure], real[figure][j])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--per-stratum", type=int, default=80)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    print(f"{args.runs} runs per scenario, {args.comments:,} comments, "
          f"audit: {args.per_stratum} labelled per stratum (leading attribute, or none)")  # fmt: skip
    for name, scenario in SCENARIOS.items():
        print(f"\n{name}: " + ", ".join(f"{k} true {r:.0%} se {s:.2f} sp {p:.2f}"
                                        for k, (r, s, p) in scenario.items()))  # fmt: skip
        print(f"{'attribute':<12} {'figure':<13} | {'corrected: coverage':>20} {'width':>6} {'error':>7} "
              f"{'none':>5} | {'as tagged: coverage':>20} {'width':>6} {'error':>7}")  # fmt: skip
        tally: dict = {}
        for run in range(args.runs):
            for key, (figure, real) in one_run(rng, scenario, args.comments, args.per_stratum, run).items():
                t = tally.setdefault(key, {"hits": 0, "widths": [], "errors": [], "none": 0})
                if figure.value is None or figure.low is None:
                    t["none"] += 1
                    continue
                t["hits"] += figure.low <= real <= figure.high
                t["widths"].append(figure.high - figure.low)
                t["errors"].append(figure.value - real)
        for attribute in scenario:
            for figure in ("mention_rate", "share"):
                c, u = tally[(attribute, figure, "corrected")], tally[(attribute, figure, "as tagged")]
                print(f"{attribute:<12} {figure:<13} | {c['hits'] / args.runs:20.1%} "
                      f"{np.mean(c['widths']):6.3f} {np.mean(c['errors']):+7.3f} {c['none']:5d} | "
                      f"{u['hits'] / args.runs:20.1%} "
                      f"{np.mean(u['widths']):6.3f} {np.mean(u['errors']):+7.3f}")  # fmt: skip
    print(f"\n(coverage counts a run without a figure as a miss; {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
