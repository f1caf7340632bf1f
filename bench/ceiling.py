"""How far can this encoder go? The shipped sentiment recipe trained *inside* each evaluation domain.

Issue 17 asks the shipped sentiment model, trained only on ``../shared/train``, for figures on
sets from other domains (``bench/sentiment.py``). This benchmark measures what the same recipe
(``classifiers.build_sentiment``: the encoder's top layers and a head, the same optimiser, the
same epochs) reaches when it is trained on part of each evaluation set itself and scored on the
rest: an in-domain ceiling for a model of this size, which no out-of-domain model is expected to
pass. Nothing measured here is shipped, and nothing here changes the shipped model.

- app reviews and tweets (``../shared/eval/sentiment``): two folds; each half is trained on and
  the other half scored (items shuffled with a fixed seed: each item is its own review or tweet);
- laptop polarity (``../shared/eval/laptops16-train.jsonl``): five folds **by review**; the
  training sentences are those of the other reviews whose gold attributes all have one polarity,
  and the score is the polarity towards each gold attribute of the held-out reviews, read the
  way Gapwatch reads it (the clause that speaks of the attribute, ``Tagger.polarity``), next
  to the shipped model on the same pairs.

Prints each fold and the medians (positive-vs-negative accuracy, three-class macro-F1, polarity
accuracy), in the form of ``bench/sentiment.py``.

    python bench/ceiling.py [--only app,tweets,laptops] [--epochs 2]   (about 25 minutes on 2 cores)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from sentiment import SENTIMENTS, SETS, read_set  # noqa: E402  (bench/sentiment.py: the same sets, read alike)

SHARED = ROOT.parent / "shared" / "eval"
LABELS = {"app": "app reviews", "tweets": "tweets"}  # --only's keys, and bench/sentiment.py's names


def tuning(out: Path, epochs: int, seed: int = 13):
    """The shipped recipe (``build_sentiment``'s defaults), writing its delta to ``out``."""
    import torch

    from classifiers.build_sentiment import _parser, _Tuning

    torch.manual_seed(seed)
    return _Tuning(_parser().parse_args(["--out", str(out), "--epochs", str(epochs), "--seed", str(seed)]))


def one_set(key: str, epochs: int) -> list[dict]:
    """Two folds of an app-review or tweet set: train on one half, score the other."""
    from classifiers.build_sentiment import sentiment_scores

    label = LABELS[key]
    items = [(text, sentiment, key) for text, sentiment in read_set(SETS[label], None)]
    random.Random(3).shuffle(items)
    halves = [items[: len(items) // 2], items[len(items) // 2 :]]
    folds = []
    for k in (0, 1):
        train, test = halves[k], halves[1 - k]
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            model = tuning(Path(tmp), epochs)
            model.train(train)
            truth = np.array([SENTIMENTS.index(s) for _t, s, _c in test])
            result = sentiment_scores(truth, model.scores(test))
        print(f"{label} fold {k + 1}: trained on {len(train):,}, scored {len(test):,}: acc "
              f"{result['accuracy']:.1%} macro-F1 {result['macro_f1'] * 100:.1f} pos-vs-neg "
              f"{result['pos_vs_neg']:.1%} ({time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
        folds.append(result)
    return folds


def laptops(epochs: int, folds: int = 5) -> list[dict]:
    """Folds by review of the laptop file: in-domain polarity next to the shipped model's."""
    from classifiers.encoder import Encoder
    from classifiers.model_files import resolve
    from classifiers.taxonomy import parse_taxonomy
    from classifiers.training import taxonomy_tagger

    rows = [json.loads(line) for line in (SHARED / "laptops16-train.jsonl").open(encoding="utf-8")]
    reviews = sorted({r["id"].split(":")[0] for r in rows})
    random.Random(0).shuffle(reviews)
    taxonomy = parse_taxonomy(json.loads((ROOT / "bench" / "laptops_taxonomy.json").read_text()))
    shipped = taxonomy_tagger(Encoder(resolve(None)), taxonomy)
    out = []
    for k in range(folds):
        held = set(reviews[k::folds])
        train = []
        for r in rows:
            said = set(r["polarity"].values())
            if r["id"].split(":")[0] not in held and len(said) == 1 and next(iter(said)) in SENTIMENTS:
                train.append((r["text"], next(iter(said)), "laptops"))
        test = [(r["text"], a, p) for r in rows if r["id"].split(":")[0] in held
                for a, p in r["polarity"].items() if p in SENTIMENTS]  # fmt: skip
        with tempfile.TemporaryDirectory() as tmp:
            model = tuning(Path(tmp), epochs)
            model.train(train)
            model.save(train, {})
            inside = taxonomy_tagger(Encoder(resolve(None), sentiment_from=Path(tmp)), taxonomy)
            result = {
                name: _polarity(tagger, test)
                for name, tagger in (("in-domain", inside), ("shipped", shipped))
            }
        print(f"laptop polarity fold {k + 1}: trained on {len(train):,} sentences, {len(test):,} pairs: "
              f"in-domain {result['in-domain']:.1%}, shipped {result['shipped']:.1%}",
              flush=True)  # fmt: skip
        out.append(result)
    return out


def _polarity(tagger, test: list) -> float:
    said = tagger.polarity([t for t, _a, _p in test], [a for _t, a, _p in test])
    return float(np.mean([s == p for s, (_t, _a, p) in zip(said, test, strict=True)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="app,tweets,laptops")
    parser.add_argument("--epochs", type=int, default=2, help="as build_sentiment (default 2)")
    args = parser.parse_args()
    if not (SHARED / "sentiment").is_dir():
        raise SystemExit(f"skipped: {SHARED} has no sentiment sets (they live in the project's shared "
                         "folder, not in a clone)")  # fmt: skip
    wanted = args.only.split(",")
    for key in ("app", "tweets"):
        if key in wanted:
            folds = one_set(key, args.epochs)
            print(f"{LABELS[key]}, in-domain ceiling (median of 2 folds): macro-F1 "
                  f"{statistics.median(f['macro_f1'] for f in folds) * 100:.1f}, pos-vs-neg "
                  f"{statistics.median(f['pos_vs_neg'] for f in folds):.1%}", flush=True)  # fmt: skip
    if "laptops" in wanted:
        folds = laptops(args.epochs)
        print(f"laptop polarity (median of {len(folds)} folds by review): in-domain "
              f"{statistics.median(f['in-domain'] for f in folds):.1%}, shipped "
              f"{statistics.median(f['shipped'] for f in folds):.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
