"""Do corrected shares recover the truth? Coverage of the Rogan–Gladen correction (issue 9).

Each simulated run draws a population of --comments comments whose true share of an attribute is
known, tags it with a classifier of known sensitivity and specificity, draws the audit's sample
the way Gapwatch does (stratified by the model's verdict, --per-stratum labelled comments from
each of "tagged" and "not tagged", weighted by stratum size) and computes:

- the uncorrected share (what the classifier reports) with its 95 % bootstrap interval over the
  comments, and
- the corrected share (``server.adjust.corrected_share``) with its 95 % interval over the comments
  and the audit sample.

It prints, per scenario, how often each interval contains the population's true share (the
coverage; 95 % is the promise), the mean interval width and the mean error. Medians would hide
nothing here: every figure is over --runs independent runs.

    python bench/corrected.py [--runs 500] [--comments 5000] [--per-stratum 100]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from server.adjust import AuditSample, corrected_share

SCENARIOS = [  # (true share, sensitivity, specificity)
    (0.10, 0.75, 0.90),
    (0.40, 0.75, 0.90),
    (0.50, 0.85, 0.95),
    (0.05, 0.60, 0.95),
]


def one_run(rng: np.random.Generator, share: float, se: float, sp: float, comments: int,
            per_stratum: int, seed: int) -> tuple[float, dict, dict]:  # fmt: skip
    truth = rng.random(comments) < share
    predicted = np.where(truth, rng.random(comments) < se, rng.random(comments) < 1 - sp)
    strata = predicted.astype(int)
    picked, weights = [], []
    for s in (0, 1):
        members = np.flatnonzero(strata == s)
        take = rng.choice(members, size=min(per_stratum, len(members)), replace=False)
        picked.append(take)
        weights.append(np.full(len(take), len(members) / len(take)))
    index = np.concatenate(picked)
    sample = AuditSample(truth[index], predicted[index], strata[index], np.concatenate(weights))
    tagged = int(predicted.sum())
    corrected = corrected_share(tagged, comments, sample, seed=seed)
    observed = rng.binomial(comments, tagged / comments, size=1000) / comments
    low, high = np.percentile(observed, [2.5, 97.5])
    uncorrected = {"value": tagged / comments, "low": low, "high": high}
    return float(truth.mean()), corrected, uncorrected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--per-stratum", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    print(f"{args.runs} runs per scenario, {args.comments:,} comments, "
          f"audit {args.per_stratum} labelled per stratum")  # fmt: skip
    print(f"{'true':>5} {'se':>5} {'sp':>5} | {'corrected: coverage':>20} {'width':>6} {'error':>7} "
          f"| {'uncorrected: coverage':>22} {'width':>6} {'error':>7}")  # fmt: skip
    for share, se, sp in SCENARIOS:
        hits = {"corrected": 0, "uncorrected": 0}
        widths = {"corrected": [], "uncorrected": []}
        errors = {"corrected": [], "uncorrected": []}
        for run in range(args.runs):
            real, corrected, uncorrected = one_run(rng, share, se, sp, args.comments, args.per_stratum, run)
            for name, figure in (("corrected", corrected), ("uncorrected", uncorrected)):
                if figure.get("value") is None:
                    continue
                hits[name] += figure["low"] <= real <= figure["high"]
                widths[name].append(figure["high"] - figure["low"])
                errors[name].append(figure["value"] - real)
        print(
            f"{share:5.2f} {se:5.2f} {sp:5.2f} | {hits['corrected'] / args.runs:20.1%} "
            f"{np.mean(widths['corrected']):6.3f} {np.mean(errors['corrected']):+7.3f} "
            f"| {hits['uncorrected'] / args.runs:22.1%} {np.mean(widths['uncorrected']):6.3f} "
            f"{np.mean(errors['uncorrected']):+7.3f}"
        )
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
