"""Contrastive fine-tuning (SetFit's recipe): pairs of examples pulled together or apart, then
logistic heads on the tuned encoder."""

from __future__ import annotations

import random
from collections.abc import Sequence

from .data import Example
from .encoder import Encoder
from .heads import Progress, _now, _with_taxonomy, logistic_tagger
from .model import ModelInfo, Tagger
from .taxonomy import Attribute


def _pairs(data: Sequence[Example], per_example: int, rng: random.Random) -> list[tuple[str, str, float]]:
    """SetFit-style pairs: 1.0 when two texts share an attribute (or both have none), else 0.0."""
    groups: dict[str, list[int]] = {}
    for i, example in enumerate(data):
        for key in example.attributes or ("",):
            groups.setdefault(key, []).append(i)
    pairs = []
    for i, example in enumerate(data):
        mine = set(example.attributes or ("",))
        same = sorted({j for key in mine for j in groups[key] if j != i})
        other = [j for j in range(len(data)) if not mine & set(data[j].attributes or ("",))]
        for _ in range(per_example // 2):
            if same:
                pairs.append((example.text, data[rng.choice(same)].text, 1.0))
            if other:
                pairs.append((example.text, data[rng.choice(other)].text, 0.0))
    rng.shuffle(pairs)
    return pairs


def contrastive_tagger(
    encoder: Encoder,
    attributes: list[Attribute],
    examples: Sequence[Example],
    *,
    pairs_per_example: int = 20,
    epochs: int = 1,
    batch_size: int = 16,
    learning_rate: float = 2e-5,
    seed: int = 13,
    progress: Progress | None = None,
) -> Tagger:
    """Few labelled examples: fine-tune the encoder contrastively (SetFit), then fit the heads.

    Pairs of texts that share an attribute are pulled together and the others pushed apart, so
    a handful of examples per attribute reshape the whole embedding space; logistic heads and
    thresholds are then fitted on the tuned encoder.
    """
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    data = _with_taxonomy(examples, attributes)
    pairs = _pairs(data, pairs_per_example, rng)
    tuned = encoder.clone()
    tuned.model.train()
    optimiser = torch.optim.AdamW(tuned.model.parameters(), lr=learning_rate, weight_decay=0.01)
    steps = epochs * ((len(pairs) + batch_size - 1) // batch_size)
    done = 0
    for _epoch in range(epochs):
        for begin in range(0, len(pairs), batch_size):
            chunk = pairs[begin : begin + batch_size]
            left = tuned.pooled(tuned.tokenize([a for a, _b, _y in chunk]))
            right = tuned.pooled(tuned.tokenize([b for _a, b, _y in chunk]))
            target = torch.tensor([y for _a, _b, y in chunk])
            loss = torch.nn.functional.mse_loss((left * right).sum(dim=1), target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            done += 1
            if progress is not None:
                progress("contrastive fine-tuning", done / steps)
    tuned.model.eval()
    tuned.weights_changed()
    tuned.model_id = f"setfit-{encoder.model_id}"
    tagger = logistic_tagger(tuned, attributes, examples)
    tagger.info = ModelInfo("finetuned", tuned.model_id, trained_on=len(examples), created_at=_now())
    return tagger.feel_with(encoder)
