"""Sentiment on data no model here was trained on: app-store reviews and tweets
(``../shared/eval/sentiment``) and the laptop reviews' sentiment towards each gold attribute
(``../shared/eval/laptops16-train.jsonl``), for three models measured in the same run:

- **shipped**: the sentiment model Gapwatch ships (``classifiers/data/sentiment``: the encoder's
  top layers fine-tuned on ``../shared/train``, a delta on the published encoder);
- **before**: the model before it, a head on the frozen encoder fitted to the 80 bundled seed
  sentences (``classifiers/data/sentiment_seed.jsonl``);
- **frozen floor**: a logistic head (the product's ``fit_sentiment``) on the frozen encoder trained
  on a balanced 13,657 of the same training comments the shipped model learnt from (at most 1,400
  per corpus and label): what a head alone can do.

For each set: three-class accuracy and macro-F1, and positive-vs-negative accuracy (on the items
whose label is positive or negative: is P(positive) above P(negative)?). Polarity on laptops:
the sentiment of the clause that speaks of each gold attribute, with no labelled laptop data.

    python bench/sentiment.py [--limit N]   (N items per set at most, drawn with a fixed seed)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
SETS = {"app reviews": "google_play_productivity_app_reviews", "tweets": "tweeteval_sentiment"}
SENTIMENTS = ("negative", "neutral", "positive")


def read_set(name: str, limit: int | None) -> list[tuple[str, str]]:
    path = SHARED / "eval" / "sentiment" / name / "data.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    items = [(r["text"], r["sentiment"]) for r in rows if r.get("sentiment") in SENTIMENTS]
    if limit and len(items) > limit:
        items = random.Random(7).sample(items, limit)
    return items


def laptop_polarities(limit: int | None) -> list[tuple[str, str, str]]:
    rows = [json.loads(line) for line in (SHARED / "eval" / "laptops16-train.jsonl").open(encoding="utf-8")]
    items = [(r["text"], a, p) for r in rows for a, p in r["polarity"].items() if p in SENTIMENTS]
    if limit and len(items) > limit:
        items = random.Random(7).sample(items, limit)
    return items


def scores(truth: list[str], probs: np.ndarray) -> dict:
    from classifiers.build_sentiment import sentiment_scores

    return sentiment_scores(np.array([SENTIMENTS.index(t) for t in truth]), probs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--candidate", type=Path, default=None,
                        help="also measure a model built by build_sentiment --out FOLDER")  # fmt: skip
    args = parser.parse_args()
    if not (SHARED / "eval" / "sentiment").is_dir() or not (SHARED / "train" / "sentiment").is_dir():
        raise SystemExit(f"skipped: {SHARED} has no eval/sentiment or train/sentiment (they live in the "
                         "project's shared folder, not in a clone)")  # fmt: skip
    from classifiers.model import Tagger

    models = build_models(args.candidate)

    def probabilities(tagger: Tagger, texts: list[str]) -> np.ndarray:
        return tagger.sentiment.probabilities(tagger.feel_vectors(texts))

    results: dict[str, dict] = {}
    for label, name in SETS.items():
        items = read_set(name, args.limit)
        texts, truth = [t for t, _ in items], [s for _, s in items]
        for model_name, tagger in models.items():
            results.setdefault(label, {})[model_name] = scores(truth, probabilities(tagger, texts))
        print(f"{label} ({len(items):,}): " + "; ".join(
            f"{m} acc {r['accuracy']:.1%} macro-F1 {r['macro_f1'] * 100:.1f} pos-vs-neg {r['pos_vs_neg']:.1%}"
            for m, r in results[label].items()), flush=True)  # fmt: skip
    polar = laptop_polarities(args.limit)
    results["laptop polarity"] = {m: polarity_scores(t, polar) for m, t in models.items()}
    print(f"laptop polarity ({len(polar):,} sentence-attribute pairs, no labelled laptop data): " + "; ".join(
        f"{m} {r['accuracy']:.1%}" for m, r in results["laptop polarity"].items()))  # fmt: skip
    print(json.dumps(results, indent=2))


def build_models(candidate_folder: Path | None) -> dict:
    """The shipped model, the one before it, the frozen-head floor (fitted here on balanced
    training comments), and a candidate built by ``build_sentiment --out`` when given."""
    from classifiers.build_sentiment import balanced, read_corpora
    from classifiers.encoder import Encoder
    from classifiers.model import Tagger
    from classifiers.model_files import resolve
    from classifiers.taxonomy import parse_taxonomy
    from classifiers.training import fit_sentiment, taxonomy_tagger

    source = resolve(None)
    shipped_encoder = Encoder(source)
    if not shipped_encoder.has_sentiment:
        raise SystemExit(
            "no shipped sentiment model in classifiers/data/sentiment: run `make sentiment-model`"
        )
    frozen = Encoder(source, sentiment=False)
    taxonomy = parse_taxonomy(json.loads((ROOT / "bench" / "laptops_taxonomy.json").read_text()))
    shipped = taxonomy_tagger(shipped_encoder, taxonomy)
    before = taxonomy_tagger(frozen, taxonomy)  # its head: fitted to the bundled seed sentences
    started = time.monotonic()
    train, _held = balanced(read_corpora(SHARED / "train"), 1400, 13)  # 13,657 balanced comments
    floor_head = fit_sentiment(frozen.embed([t for t, _l, _c in train]), [lab for _t, lab, _c in train])
    floor = Tagger(frozen, before.attributes, floor_head, before.info)
    print(f"frozen floor: head trained on {len(train):,} balanced training comments "
          f"({time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
    models = {"shipped": shipped, "before": before, "frozen floor": floor}
    if candidate_folder is not None:
        candidate = Encoder(source, sentiment_from=candidate_folder)
        if not candidate.has_sentiment:
            raise SystemExit(f"no sentiment model for this encoder in {candidate_folder}")
        models = {"candidate": taxonomy_tagger(candidate, taxonomy), **models}

    return models


def polarity_scores(tagger, polar: list) -> dict:
    """Sentiment towards each gold attribute of the laptop sentences, with no labelled laptop data."""
    said = tagger.polarity([t for t, _a, _p in polar], [a for _t, a, _p in polar])
    truth = [p for _t, _a, p in polar]
    right = np.mean([s == t for s, t in zip(said, truth, strict=True)])
    binary = [(s, t) for s, t in zip(said, truth, strict=True) if t != "neutral"]
    return {
        "n": len(polar), "accuracy": round(float(right), 4),
        "pos_vs_neg_said": round(float(np.mean([s == t for s, t in binary])), 4),
    }  # fmt: skip


if __name__ == "__main__":
    main()
