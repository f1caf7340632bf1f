"""Classifier accuracy on held-out laptop reviews (../shared/eval/laptops16-train.jsonl).

Splits the file once (seeded) **by review** (the part of each sentence's id before ":"), never
sentence by sentence: a fifth of the reviews are the test part, and no sentence of a test review
is trained on. Real streams hold far more text about nothing than this file (the SemEval test
set: 52 % of sentences about no attribute; this file: 18 %), so the test part keeps all its
sentences about nothing and a seeded random subset of the others, down to that share
(``--none-share``). Prints micro-F1, macro-F1 and polarity accuracy for: the taxonomy alone (no
labelled data), the floor (frozen encoder + logistic heads), contrastive (SetFit-style) and
end-to-end fine-tuning, trained on all the training part or on 16 examples per attribute, and
the plain fine-tune baseline the trained modes must beat (``plain_finetune``), in the same run.

Learning curves (``--curve``): micro-F1 after 0, 25, 50, 100, 200 labels and all of them, the
labels chosen two ways from the training part: at random, or as the product's review queue
chooses them (``server.classify.review.draw_uncertain``'s order: the tagged comments the current model is
least sure of first, by its highest score among the attributes it gave, those it gave none last;
the model is retrained after each step). Each point trains the way ``gapwatch train`` would on
that many labels (``choose_mode``), or with logistic heads only (``--curve-mode logistic``, minutes instead of
tens of minutes on two cores).

    python bench/accuracy.py [--epochs 4] [--few-shot-epochs 4] [--skip-full-finetune]
    python bench/accuracy.py --only none --curve [--curve-mode auto|logistic]
    python bench/accuracy.py --only endtoend,plain --seeds 13,1,2   (each seed, then the medians)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval" / "laptops16-train.jsonl"
TAXONOMY = ROOT / "bench" / "laptops_taxonomy.json"


def few_shot(train: list, keys: list[str], per_attribute: int, seed: int = 5) -> list:
    rng = random.Random(seed)
    chosen: dict[str, object] = {}
    for key in [*keys, None]:
        pool = [e for e in train if (key in e.attributes if key else not e.attributes)]
        for example in rng.sample(pool, min(per_attribute, len(pool))):
            chosen[example.text] = example
    return list(chosen.values())


def main() -> None:
    args = _parser().parse_args()
    if not SHARED.exists():
        sys.exit(f"{SHARED} is not here: this benchmark needs the shared evaluation data")

    from classifiers.audit import load_taxonomy_file
    from classifiers.encoder import default_encoder
    from classifiers.evaluation import evaluate
    from classifiers.training import (
        contrastive_tagger,
        finetune_tagger,
        logistic_tagger,
        taxonomy_tagger,
    )

    attributes = load_taxonomy_file(TAXONOMY)
    keys = [a.key for a in attributes]
    train, test, train_reviews = review_split(keys, args.none_share)
    small = few_shot(train, keys, 16)
    encoder = default_encoder()
    print(f"test {len(test)}, train {len(train)}, few-shot train {len(small)} (16 per attribute + 16 none)")
    print(f"{'model':<34}{'micro-F1':>9}{'macro-F1':>9}{'polarity':>9}{'train s':>9}")

    wanted = set(args.only.split(",")) if args.only else None

    def row(name: str, build, key: str) -> float | None:
        if wanted is not None and key not in wanted:
            return None
        started = time.perf_counter()
        tagger = build()
        seconds = time.perf_counter() - started
        m = evaluate(tagger, test)
        print(f"{name:<34}{m['micro_f1'] * 100:>9.1f}{m['macro_f1'] * 100:>9.1f}"
              f"{m['polarity_accuracy'] * 100:>9.1f}{seconds:>9.0f}", flush=True)  # fmt: skip
        return m["micro_f1"]

    row("taxonomy only (no labelled data)", lambda: taxonomy_tagger(encoder, attributes), "taxonomy")
    row("floor: logistic, all train", lambda: logistic_tagger(encoder, attributes, train), "logistic")
    row(
        "floor: logistic, 16 per attribute", lambda: logistic_tagger(encoder, attributes, small), "logistic16"
    )
    row("setfit (contrastive), 16 per attribute",
        lambda: contrastive_tagger(encoder, attributes, small), "setfit16")  # fmt: skip
    row(f"end-to-end, 16 per attribute ({args.few_shot_epochs} ep)",
        lambda: finetune_tagger(encoder, attributes, small, epochs=args.few_shot_epochs),
        "endtoend16")  # fmt: skip
    seeded(
        args,
        row,
        lambda seed: finetune_tagger(
            encoder, attributes, train, epochs=args.epochs, groups=train_reviews, seed=seed
        ),
        keys,
        train,
        test,
        wanted,
    )
    if args.curve:
        learning_curves(encoder, attributes, train, test, args.curve_mode, args.epochs)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--few-shot-epochs", type=int, default=4)
    parser.add_argument("--skip-full-finetune", action="store_true")
    parser.add_argument("--none-share", type=float, default=0.52,
                        help="share of test sentences about nothing, as in real streams")  # fmt: skip
    parser.add_argument(
        "--only",
        help="comma-separated rows to run: taxonomy,logistic,logistic16,setfit16,endtoend16,endtoend,plain",
    )
    parser.add_argument("--plain-epochs", type=int, default=4)
    parser.add_argument("--seeds", default="13",
                        help="comma-separated seeds for the end-to-end and plain fine-tunes; with several, "
                             "each is printed and then the medians")  # fmt: skip
    parser.add_argument("--curve", action="store_true", help="print learning curves (see above)")
    parser.add_argument("--curve-mode", default="auto", choices=("auto", "logistic"))
    return parser


def review_split(keys: list[str], none_share: float) -> tuple[list, list, list[str]]:
    """Train and test sentences split by review (a fifth of the reviews held out), the test part
    with ``none_share`` of its sentences about nothing; and each training sentence's review."""
    from classifiers.data import read_jsonl

    rows = [json.loads(line) for line in SHARED.open(encoding="utf-8") if line.strip()]
    examples = read_jsonl(SHARED, set(keys))
    reviews = sorted({r["id"].split(":")[0] for r in rows})
    random.Random(0).shuffle(reviews)
    held = set(reviews[: len(reviews) // 5])
    in_test = [r["id"].split(":")[0] in held for r in rows]
    test = [e for e, t in zip(examples, in_test, strict=True) if t]
    train = [e for e, t in zip(examples, in_test, strict=True) if not t]
    # each training sentence's review: end-to-end fine-tuning holds out whole reviews to set thresholds
    train_reviews = [r["id"].split(":")[0] for r, t in zip(rows, in_test, strict=True) if not t]
    about_nothing = [e for e in test if not e.attributes]
    about_some = [e for e in test if e.attributes]
    keep = round(len(about_nothing) * (1 - none_share) / none_share)
    if keep < len(about_some):
        about_some = random.Random(1).sample(about_some, keep)
    test = about_nothing + about_some
    print(f"split by review: {len(held)} of {len(reviews)} reviews held out; test {len(test)} sentences, "
          f"{len(about_nothing) / len(test):.0%} about nothing")  # fmt: skip
    return train, test, train_reviews


def seeded(args, row, endtoend, keys: list[str], train: list, test: list, wanted: set | None) -> None:
    """The end-to-end and plain fine-tunes on all training sentences, once per seed, then their
    medians."""
    seeds = [int(s) for s in args.seeds.split(",")]
    medians: dict[str, list[float]] = {}
    for seed in seeds:
        tail = f", seed {seed}" if len(seeds) > 1 else ""
        if not args.skip_full_finetune:
            medians.setdefault("end-to-end, all train", []).append(row(
                f"end-to-end, all train ({args.epochs} ep{tail})",
                lambda seed=seed: endtoend(seed),
                "endtoend"))  # fmt: skip
        if wanted is None or "plain" in wanted:
            started = time.perf_counter()
            micro = plain_finetune(keys, train, test, epochs=args.plain_epochs, seed=seed)
            medians.setdefault("plain fine-tune baseline", []).append(micro)
            name = f"plain fine-tune, all ({args.plain_epochs} ep{tail})"
            print(f"{name:<34}{micro * 100:>9.1f}{'':>9}{'':>9}{time.perf_counter() - started:>9.0f}",
                  flush=True)  # fmt: skip
    if len(seeds) > 1:
        for name, figures in medians.items():
            figures = [f for f in figures if f is not None]
            if figures:
                median = statistics.median(figures) * 100
                print(f"median of {len(figures)} seeds, {name}: micro-F1 {median:.1f}")


def plain_finetune(keys: list[str], train: list, test: list, *, epochs: int = 4, seed: int = 13) -> float:
    """The baseline the trained modes must beat: the same MiniLM with one linear layer, binary
    cross-entropy per attribute, fine-tuned end to end on the training part (no taxonomy phrases,
    no sentence about nothing added, no threshold tuning: 0.5), batch 16, AdamW. Answers micro-F1
    over (sentence, attribute) pairs, as ``classifiers.evaluation`` counts it."""
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    from classifiers.model_files import embedded_model_dir

    torch.manual_seed(seed)
    folder = embedded_model_dir()
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    model = AutoModel.from_pretrained(folder, local_files_only=True)
    head = torch.nn.Linear(model.config.hidden_size, len(keys))
    optimiser = torch.optim.AdamW([{"params": model.parameters(), "lr": 3e-5},
                                   {"params": head.parameters(), "lr": 1e-3}])  # fmt: skip
    target = torch.tensor([[k in e.attributes for k in keys] for e in train], dtype=torch.float32)

    def pooled(texts: list[str]) -> torch.Tensor:
        batch = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    order = list(range(len(train)))
    rng = random.Random(seed)
    model.train()
    for _epoch in range(epochs):
        rng.shuffle(order)
        for start in range(0, len(order), 16):
            rows = order[start : start + 16]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                head(pooled([train[i].text for i in rows])), target[rows]
            )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    model.eval()
    with torch.inference_mode():
        said = np.vstack([torch.sigmoid(head(pooled([e.text for e in test[i : i + 64]]))).numpy()
                          for i in range(0, len(test), 64)]) > 0.5  # fmt: skip
    tp = fp = fn = 0
    for example, row in zip(test, said, strict=True):
        gold = set(example.attributes)
        predicted = {k for k, on in zip(keys, row, strict=True) if on}
        tp, fp, fn = tp + len(gold & predicted), fp + len(predicted - gold), fn + len(gold - predicted)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


CURVE_POINTS = (0, 25, 50, 100, 200)


def learning_curves(encoder, attributes, train: list, test: list, mode: str, epochs: int) -> None:
    """micro-F1 after each number of labels, chosen at random or by the review queue's order."""
    from classifiers.evaluation import evaluate
    from classifiers.training import taxonomy_tagger, train_tagger

    def trained(labelled: list):
        if not labelled:
            return taxonomy_tagger(encoder, attributes)
        return train_tagger(encoder, attributes, labelled, mode="logistic" if mode == "logistic" else "auto",
                            epochs=epochs)  # fmt: skip

    points = [*CURVE_POINTS, len(train)]
    print(f"learning curves ({mode} training; micro-F1 on the same test part):", flush=True)
    for strategy in ("random", "review queue"):
        rng = random.Random(11)
        pool = list(train)
        rng.shuffle(pool)
        chosen: list = []
        tagger = trained(chosen)
        figures = []
        for n in points:
            while len(chosen) < n and pool:
                step = n - len(chosen)
                if strategy == "review queue" and n < len(train):
                    tags = tagger.predict([e.text for e in pool])
                    # the queue's order (comments.py "uncertain"): the tagged comments by their highest
                    # score among the attributes given, least sure first; those given none last
                    sure = [max((t.scores[a] for a in t.attributes), default=None) for t in tags]
                    ranked = sorted((s is None, s or 0.0, i) for i, s in enumerate(sure))
                    order = [i for _none, _score, i in ranked[:step]]
                    picked = set(order)
                    chosen += [pool[i] for i in order]
                    pool = [e for i, e in enumerate(pool) if i not in picked]
                else:
                    chosen += pool[:step]
                    pool = pool[step:]
            tagger = trained(chosen)
            micro = evaluate(tagger, test)["micro_f1"] * 100
            figures.append(f"{n if n < len(train) else 'all'}: {micro:.1f}")
            print(f"  {strategy:<13} " + ", ".join(figures), flush=True)


if __name__ == "__main__":
    main()
