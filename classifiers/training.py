"""Making a Tagger: from the taxonomy alone, from labelled examples (linear heads), or by
fine-tuning the encoder end to end with the heads on top.

Thresholds are never fixed at 0.5: each attribute's is chosen to maximise F1 on data the head
did not learn from (left-out phrases, cross-validation folds, or a held-out split).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from .data import Example, none_sentences, seed_sentiment
from .encoder import Encoder
from .model import SENTIMENTS, AttributeHead, ModelInfo, SentimentHead, Tagger
from .taxonomy import Attribute

Progress = Callable[[str, float], None]  # (stage, fraction done)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def best_threshold(scores: np.ndarray, truth: np.ndarray, default: float = 0.5) -> float:
    """The cut that maximises F1 of ``scores >= cut`` against boolean ``truth``."""
    if not truth.any():
        return max(default, float(scores.max()) + 1e-6) if len(scores) else default
    order = np.argsort(-scores)
    s, t = scores[order], truth[order].astype(np.float64)
    tp = np.cumsum(t)
    predicted = np.arange(1, len(s) + 1)
    f1 = 2 * tp / (predicted + t.sum())
    # only cut between distinct scores
    valid = np.append(s[1:] < s[:-1], True)
    best = int(np.argmax(np.where(valid, f1, -1)))
    upper = s[best]
    lower = s[best + 1] if best + 1 < len(s) else upper - 1e-3
    return float((upper + lower) / 2)


def thresholds_for(scores: np.ndarray, labels: np.ndarray, default: float = 0.5) -> np.ndarray:
    return np.array(
        [best_threshold(scores[:, a], labels[:, a], default) for a in range(labels.shape[1])],
        dtype=np.float32,
    )


def label_matrix(examples: Sequence[Example], keys: list[str]) -> np.ndarray:
    index = {k: i for i, k in enumerate(keys)}
    y = np.zeros((len(examples), len(keys)), dtype=bool)
    for row, example in enumerate(examples):
        for attribute in example.attributes:
            if attribute in index:
                y[row, index[attribute]] = True
    return y


# What customers' comments about an attribute usually are: opinions. The sentiment head learns
# with balanced classes (a uniform prior) and is then shifted to this prior, so that "neutral"
# needs clear evidence. Assumed, not fitted to any evaluation set.
SENTIMENT_PRIOR = {"negative": 0.45, "neutral": 0.10, "positive": 0.45}


def fit_sentiment(vectors: np.ndarray, labels: Sequence[str]) -> SentimentHead:
    from sklearn.linear_model import LogisticRegression

    y = np.array([SENTIMENTS.index(label) for label in labels])
    clf = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    clf.fit(vectors, y)
    shift = np.log(np.array([SENTIMENT_PRIOR[s] for s in SENTIMENTS]) * len(SENTIMENTS))
    return SentimentHead(clf.coef_.T.astype(np.float32), (clf.intercept_ + shift).astype(np.float32))


def _sentiment_data(examples: Sequence[Example]) -> list[Example]:
    return seed_sentiment() + [e for e in examples if e.sentiment in SENTIMENTS]


def taxonomy_tagger(encoder: Encoder, attributes: list[Attribute]) -> Tagger:
    """Day one: score a text by its closest phrase of each attribute (definition and examples).

    Thresholds come from the taxonomy itself: each phrase, left out in turn, should be claimed
    by its own attribute and not by the others, and the bundled 'about nothing' sentences by none.
    Each clause then takes its closest attribute if it passes that threshold (see
    ``Tagger._closest_per_clause``): on held-out laptop reviews and on the demo comments this
    beat independent per-attribute thresholds (micro-F1 .42 vs .37 and .71 vs .61).
    """
    keys = [a.key for a in attributes]
    phrases = [(i, p) for i, a in enumerate(attributes) for p in a.phrases()]
    nothing = none_sentences()
    vectors = encoder.embed([p for _i, p in phrases] + nothing)
    owner = np.array([i for i, _p in phrases])
    proto, rest = vectors[: len(phrases)], vectors[len(phrases) :]
    head = AttributeHead("prototype", keys, np.zeros(len(keys), np.float32), proto, owner, rest)
    sims = np.vstack([proto @ proto.T, rest @ proto.T])  # (phrases + nothing, phrases)
    sims[np.arange(len(phrases)), np.arange(len(phrases))] = -1.0  # leave each phrase out
    scores = np.stack([sims[:, owner == a].max(axis=1) for a in range(len(keys))], axis=1)
    truth = np.zeros_like(scores, dtype=bool)
    truth[np.arange(len(phrases)), owner] = True
    # A phrase should be claimed by its own attribute, and no sentence about nothing by any.
    about_nothing = (scores[len(phrases) :] + 1) / 2
    head.thresholds = np.minimum(thresholds_for((scores + 1) / 2, truth), about_nothing.max(axis=0) + 1e-4)
    seed = _sentiment_data([])
    sentiment = fit_sentiment(encoder.embed([e.text for e in seed]), [e.sentiment for e in seed])
    info = ModelInfo("taxonomy", encoder.model_id, fingerprint=taxonomy_fingerprint(attributes))
    return Tagger(encoder, head, sentiment, info)


# Bump when the way a taxonomy becomes a tagger changes, so that every comment is re-tagged.
TAXONOMY_METHOD = 2


def taxonomy_fingerprint(attributes: list[Attribute]) -> str:
    """The same taxonomy (and method, and bundled 'about nothing' sentences) gives the same model
    id in every process: no re-tagging; a change to any of them re-tags every comment."""
    import hashlib
    import json

    payload = json.dumps([TAXONOMY_METHOD, [a.__dict__ for a in attributes], none_sentences()], default=list,
                         sort_keys=True)  # fmt: skip
    return "t" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def _with_taxonomy(examples: Sequence[Example], attributes: list[Attribute]) -> list[Example]:
    """Labelled examples plus the taxonomy's own phrases and the 'about nothing' sentences."""
    extra = [Example(p, (a.key,)) for a in attributes for p in a.examples]
    known = [e for e in examples if e.attributes_known]
    return known + extra + [Example(t) for t in none_sentences()]


def _logistic(vectors: np.ndarray, y: np.ndarray, c: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((vectors.shape[1], y.shape[1]), dtype=np.float32)
    bias = np.full(y.shape[1], -6.0, dtype=np.float32)  # an attribute never seen stays off
    for a in range(y.shape[1]):
        if y[:, a].any() and not y[:, a].all():
            clf = LogisticRegression(C=c, max_iter=2000).fit(vectors, y[:, a])
            weights[:, a], bias[a] = clf.coef_[0], clf.intercept_[0]
    return weights, bias


def logistic_tagger(
    encoder: Encoder, attributes: list[Attribute], examples: Sequence[Example], *, folds: int = 5
) -> Tagger:
    """A frozen encoder with one logistic head per attribute; thresholds from cross-validation."""
    keys = [a.key for a in attributes]
    data = _with_taxonomy(examples, attributes)
    vectors = encoder.embed([e.text for e in data])
    y = label_matrix(data, keys)
    out_of_fold = np.zeros(y.shape, dtype=np.float32)
    fold_of = np.arange(len(data)) % folds
    np.random.default_rng(0).shuffle(fold_of)
    for fold in range(folds):
        train, test = fold_of != fold, fold_of == fold
        w, b = _logistic(vectors[train], y[train])
        out_of_fold[test] = 1 / (1 + np.exp(-(vectors[test] @ w + b)))
    weights, bias = _logistic(vectors, y)
    head = AttributeHead("linear", keys, thresholds_for(out_of_fold, y), weights, bias)
    seed = _sentiment_data(examples)
    sentiment = fit_sentiment(encoder.embed([e.text for e in seed]), [e.sentiment for e in seed])
    info = ModelInfo("logistic", encoder.model_id, trained_on=len(examples), created_at=_now())
    return Tagger(encoder, head, sentiment, info)


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


MODES = ("auto", "logistic", "setfit", "endtoend")


PHRASES_HELP_BELOW = 600  # distinct labelled texts; end-to-end is chosen from this many (choose_mode)


def choose_mode(labelled: int) -> str:
    """How to learn from ``labelled`` examples when the user does not say.

    A handful: the frozen encoder with logistic heads. Dozens to hundreds: contrastive
    fine-tuning (it gained 8 micro-F1 over logistic heads with 16 examples per attribute in
    bench/accuracy.py). More: end-to-end fine-tuning with the heads.
    """
    if labelled < 40:
        return "logistic"
    return "setfit" if labelled < PHRASES_HELP_BELOW else "endtoend"


def train_tagger(
    encoder: Encoder,
    attributes: list[Attribute],
    examples: Sequence[Example],
    *,
    mode: str = "auto",
    epochs: int = 4,
    progress: Progress | None = None,
) -> Tagger:
    """The one entry point for training, used by `gapwatch train` and `gapwatch eval`. One
    training at a time per process, and never during an ONNX export (``onnx_int8.TORCH_LOCK``)."""
    from .onnx_int8 import TORCH_LOCK

    with TORCH_LOCK:
        return _train_tagger(encoder, attributes, examples, mode=mode, epochs=epochs, progress=progress)


def _train_tagger(
    encoder: Encoder,
    attributes: list[Attribute],
    examples: Sequence[Example],
    *,
    mode: str,
    epochs: int,
    progress: Progress | None,
) -> Tagger:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "auto":
        # distinct texts: a human correction counts several times as a training example, once here
        mode = choose_mode(len({e.text for e in examples if e.attributes_known}))
    if mode == "logistic":
        return logistic_tagger(encoder, attributes, examples)
    if mode == "setfit":
        return contrastive_tagger(encoder, attributes, examples, progress=progress)
    return finetune_tagger(encoder, attributes, examples, epochs=epochs, progress=progress)
