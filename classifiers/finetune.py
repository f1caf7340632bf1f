"""Fine-tuning the encoder end to end with the heads on top, thresholds chosen on whole held-out
groups."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .data import Example
from .encoder import Encoder
from .heads import (
    Progress,
    _now,
    _sentiment_data,
    _with_taxonomy,
    label_matrix,
    logistic_tagger,
    thresholds_for,
)
from .model import SENTIMENTS, AttributeHead, ModelInfo, SentimentHead, Tagger
from .taxonomy import Attribute

PHRASES_HELP_BELOW = 600  # distinct labelled texts; end-to-end is chosen from this many (choose_mode)


def finetune_tagger(
    encoder: Encoder,
    attributes: list[Attribute],
    examples: Sequence[Example],
    *,
    epochs: int = 4,
    batch_size: int = 16,
    learning_rate: float = 3e-5,
    holdout: float = 0.15,
    seed: int = 13,
    progress: Progress | None = None,
    groups: Sequence[str] | None = None,
    learn_sentiment: bool | None = None,
    with_taxonomy: bool | None = None,
) -> Tagger:
    """Fine-tune a copy of the encoder with an attribute head (and a sentiment head where the
    encoder carries no shipped sentiment model), jointly.

    The heads start from logistic regressions on the frozen encoder; the encoder then learns with
    them (binary cross-entropy per attribute, cross-entropy for sentiment where it is known).

    - **Held out**: thresholds are chosen on a share of the labelled examples it does not learn
      from, taken by whole group: ``groups`` names each example's (the sentences of one
      review); by default a text is its own group, so the copies of one correction (weighted
      by repetition) are never on both sides.
    - **Sentiment** (``learn_sentiment``, by default only when the encoder has no shipped
      sentiment model, whose answers the tagger uses otherwise): a head the tagger would not
      use, which took 40 % of the training time.
    - **The taxonomy's phrases and the sentences about nothing** join the labelled examples
      (``with_taxonomy``) only when these are fewer than ``PHRASES_HELP_BELOW`` distinct texts:
      short phrases unlike real comments cost a model trained on 1,600 labelled review
      sentences micro-F1 on reviews it had not seen (a validation part of bench/accuracy.py's
      training reviews): 2.4, -0.9 and 3.1 points with seeds 1, 2 and 3.
    """
    rng = random.Random(seed)
    keys = [a.key for a in attributes]
    labelled = list(examples)
    held, train_examples = held_out_split(labelled, holdout, rng, groups or [e.text for e in labelled])
    if learn_sentiment is None:
        learn_sentiment = getattr(encoder, "delta", None) is None
    if with_taxonomy is None:
        with_taxonomy = len({e.text for e in labelled if e.attributes_known}) < PHRASES_HELP_BELOW
    recipe = _Recipe(epochs, batch_size, learning_rate, seed, learn_sentiment, with_taxonomy)
    tuned, head, sentiment = _fine_tune(encoder, attributes, train_examples, recipe, progress)
    calibration = [e for e in held if e.attributes_known] or _with_taxonomy([], attributes)
    scores = head.scores(tuned.embed([e.text for e in calibration]))
    head.thresholds = thresholds_for(scores, label_matrix(calibration, keys))
    info = ModelInfo(
        "finetuned", tuned.model_id, trained_on=len(examples), created_at=_now(),
        notes={"inference": "torch"},
    )  # fmt: skip
    return Tagger(tuned, head, sentiment, info).feel_with(encoder)


@dataclass(frozen=True)
class _Recipe:
    """How ``_fine_tune`` learns (see ``finetune_tagger``)."""

    epochs: int
    batch_size: int
    learning_rate: float
    seed: int
    learn_sentiment: bool
    with_taxonomy: bool


def _fine_tune(
    encoder: Encoder,
    attributes: list[Attribute],
    examples: Sequence[Example],
    recipe: _Recipe,
    progress: Progress | None,
) -> tuple[Encoder, AttributeHead, SentimentHead]:
    """A fine-tuned copy of ``encoder`` and its heads (thresholds left at 0.5)."""
    import torch

    torch.manual_seed(recipe.seed)
    rng = random.Random(recipe.seed)
    keys = [a.key for a in attributes]
    known = [e for e in examples if e.attributes_known]
    attr_data = _with_taxonomy(examples, attributes) if recipe.with_taxonomy else known
    sent_data = _sentiment_data(examples) if recipe.learn_sentiment else []
    start = logistic_tagger(encoder, attributes, examples, folds=3)
    tuned = encoder.clone()
    attr_head = _linear(start.attributes.weights, start.attributes.bias)
    sent_head = _linear(start.own_sentiment.weights, start.own_sentiment.bias)
    items = [(e.text, label_matrix([e], keys)[0], -100) for e in attr_data]
    items += [(e.text, None, SENTIMENTS.index(e.sentiment)) for e in sent_data]
    optimiser = torch.optim.AdamW(
        [
            {"params": tuned.model.parameters(), "lr": recipe.learning_rate},
            {"params": list(attr_head.parameters()) + list(sent_head.parameters()), "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    steps = recipe.epochs * ((len(items) + recipe.batch_size - 1) // recipe.batch_size)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: max(0.0, 1 - s / max(steps, 1)))
    tuned.model.train()
    done = 0
    for _epoch in range(recipe.epochs):
        rng.shuffle(items)
        for begin in range(0, len(items), recipe.batch_size):
            loss = _batch_loss(tuned, attr_head, sent_head, items[begin : begin + recipe.batch_size])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            scheduler.step()
            done += 1
            if progress is not None:
                progress("fine-tuning", done / steps)
    tuned.model.eval()
    tuned.weights_changed()
    # int8 inference cost this model 1.5 micro-F1 in bench/accuracy.py (66.1 vs 67.6), over the
    # 0.5 budget, where it cost the other kinds nothing: end-to-end models tag in float32.
    tuned.backend = "torch"
    tuned.model_id = f"finetuned-{encoder.model_id}"
    head = AttributeHead("linear", keys, np.full(len(keys), 0.5, np.float32), *_numpy(attr_head))
    return tuned, head, SentimentHead(*_numpy(sent_head))


def _linear(weights: np.ndarray, bias: np.ndarray):
    """A torch linear layer computing ``x @ weights + bias``."""
    import torch

    layer = torch.nn.Linear(weights.shape[0], weights.shape[1])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weights.T.copy()))
        layer.bias.copy_(torch.from_numpy(bias.copy()))
    return layer


def _numpy(layer) -> tuple[np.ndarray, np.ndarray]:
    """(weights, bias) of a torch linear layer, as ``x @ weights + bias`` reads them."""
    return (layer.weight.detach().numpy().T.astype(np.float32),
            layer.bias.detach().numpy().astype(np.float32))  # fmt: skip


def _batch_loss(tuned: Encoder, attr_head, sent_head, chunk: list):
    """Binary cross-entropy per attribute on the examples that carry attributes, plus
    cross-entropy on those that carry a sentiment."""
    import torch

    vectors = tuned.pooled(tuned.tokenize([t for t, _y, _s in chunk]))
    loss = torch.zeros(())
    with_attrs = [i for i, (_t, y, _s) in enumerate(chunk) if y is not None]
    if with_attrs:
        target = torch.tensor(np.stack([chunk[i][1] for i in with_attrs]), dtype=torch.float32)
        loss = loss + torch.nn.functional.binary_cross_entropy_with_logits(
            attr_head(vectors[with_attrs]), target
        )
    sentiment_target = torch.tensor([s for _t, _y, s in chunk])
    if (sentiment_target != -100).any():
        loss = loss + torch.nn.functional.cross_entropy(
            sent_head(vectors), sentiment_target, ignore_index=-100
        )
    return loss


def held_out_split(
    labelled: list[Example], share: float, rng: random.Random, groups: Sequence[str]
) -> tuple[list[Example], list[Example]]:
    """(held out, trained on): about ``share`` of the examples (none under 40), drawn by whole
    group (``groups`` gives each example's), so no group is on both sides."""
    if len(labelled) < 40:
        return [], labelled
    wanted = int(len(labelled) * share)
    size = Counter(groups)
    names = sorted(size)
    rng.shuffle(names)
    chosen, total = set(), 0
    for name in names:
        if total >= wanted:
            break
        chosen.add(name)
        total += size[name]
    held = [e for e, g in zip(labelled, groups, strict=True) if g in chosen]
    return held, [e for e, g in zip(labelled, groups, strict=True) if g not in chosen]
