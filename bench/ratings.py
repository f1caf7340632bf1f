"""Learning from star ratings on real reviews: does the adaptation carry over to reviews it
never saw?

A workspace adapts its sentiment to the star ratings its customers gave (``server.classify.ratings``,
``classifiers.adapt``). This benchmark plays that workspace with the app reviews of
``../shared/eval/sentiment`` (stars 1–2 negative, 3 neutral, 4–5 positive): each seeded run
draws ``--rated`` positive and negative reviews as the workspace's ratings, adapts the shipped
sentiment head to them the way the product does (pull chosen on an inner split of those
ratings only, then refitted on all of them), and scores every review not drawn, before and after,
in the same run:

- positive vs negative accuracy (reviews rated positive or negative);
- three-class accuracy and macro-F1 (all of them: the 3-star reviews too, which the adaptation
  never sees).

    python bench/ratings.py [--rated 500] [--seeds 1,2,3]

Medians over the seeds are printed last. The app reviews are never used to build the shipped
model; here a few hundred of them stand in for a workspace's own ratings, and are never scored.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
APP_REVIEWS = ROOT.parent / "shared" / "eval" / "sentiment" / "google_play_productivity_app_reviews"
APP_REVIEWS = APP_REVIEWS / "data.jsonl"


def scores(head, vectors: np.ndarray, truth: np.ndarray) -> dict:
    """The sentiment benchmarks' figures (``classifiers.build_sentiment.sentiment_scores``)."""
    from classifiers.build_sentiment import sentiment_scores
    from classifiers.model import SENTIMENTS

    gold = np.array([SENTIMENTS.index(t) for t in truth])
    found = sentiment_scores(gold, head.probabilities(vectors))
    return {key: found[key] for key in ("pos_vs_neg", "accuracy", "macro_f1")}


def one_run(tagger, vectors: np.ndarray, truth: np.ndarray, rated: int, seed: int) -> dict:
    from classifiers.adapt import adapt_head, choose_pull

    rng = np.random.default_rng(seed)
    drawn = np.concatenate([rng.choice(np.flatnonzero(truth == label), rated // 2, replace=False)
                            for label in ("positive", "negative")])  # fmt: skip
    positive = truth[drawn] == "positive"
    inner = rng.random(len(drawn)) < 0.25  # as the product does: a quarter of the ratings choose the pull
    pull = choose_pull(tagger.sentiment, vectors[drawn], positive, inner)
    head = adapt_head(tagger.sentiment, vectors[drawn], positive, pull)
    rest = np.setdiff1d(np.arange(len(truth)), drawn)
    before = scores(tagger.sentiment, vectors[rest], truth[rest])
    after = scores(head, vectors[rest], truth[rest])
    print(f"seed {seed}: {len(drawn)} ratings, pull {pull}, scored on {len(rest)} reviews not drawn: "
          + ", ".join(f"{k} {before[k]:.1%} -> {after[k]:.1%}" for k in before), flush=True)  # fmt: skip
    return {"before": before, "after": after}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rated", type=int, default=500, help="ratings the workspace has (half each way)")
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    if not APP_REVIEWS.exists():
        sys.exit(f"{APP_REVIEWS} is not here: this benchmark needs the shared evaluation data")
    from classifiers.encoder import default_encoder
    from classifiers.taxonomy import parse_taxonomy
    from classifiers.training import taxonomy_tagger
    from server.classify.taxonomy import DEFAULT_TAXONOMY

    rows = [json.loads(line) for line in APP_REVIEWS.open(encoding="utf-8") if line.strip()]
    truth = np.array([r["sentiment"] for r in rows])
    tagger = taxonomy_tagger(default_encoder(), parse_taxonomy(list(DEFAULT_TAXONOMY)))
    vectors = tagger.feel_vectors([r["text"] for r in rows])
    counts = dict(zip(*np.unique(truth, return_counts=True), strict=True))
    print(f"app reviews: {len(rows)} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    runs = [one_run(tagger, vectors, truth, args.rated, int(s)) for s in args.seeds.split(",")]
    for key in ("pos_vs_neg", "accuracy", "macro_f1"):
        before = statistics.median(r["before"][key] for r in runs)
        after = statistics.median(r["after"][key] for r in runs)
        print(f"median {key}: shipped {before:.1%}, adapted to {args.rated} ratings {after:.1%}")


if __name__ == "__main__":
    main()
