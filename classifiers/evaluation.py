"""Evaluators: callables that take a tagger and labelled examples and return a dict of metrics."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from .data import POLARITIES, Example
from .model import Tagger


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


class AttributeEvaluator:
    """Micro/macro F1 over (comment, attribute) pairs, per-attribute P/R/F1, and speed."""

    def __call__(self, tagger: Tagger, examples: Sequence[Example]) -> dict:
        texts = [e.text for e in examples]
        started = time.perf_counter()
        tags = tagger.predict(texts)
        seconds = time.perf_counter() - started
        keys = tagger.attributes.keys
        counts = {k: [0, 0, 0] for k in keys}  # tp, fp, fn
        for example, tag in zip(examples, tags, strict=True):
            gold, predicted = set(example.attributes), set(tag.attributes)
            for k in keys:
                counts[k][0] += k in gold and k in predicted
                counts[k][1] += k in predicted and k not in gold
                counts[k][2] += k in gold and k not in predicted
        per_attribute = {}
        for k, (tp, fp, fn) in counts.items():
            p, r, f = _prf(tp, fp, fn)
            per_attribute[k] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
        tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
        scored = [m["f1"] for m in per_attribute.values() if m["support"]]
        return {
            "micro_f1": _prf(tp, fp, fn)[2],
            "macro_f1": float(np.mean(scored)) if scored else 0.0,
            "per_attribute": per_attribute,
            "comments": len(examples),
            "comments_per_second": len(examples) / seconds if seconds else 0.0,
        }


class PolarityEvaluator:
    """Accuracy of the sentiment towards each gold attribute (conflict labels left out)."""

    def __call__(self, tagger: Tagger, examples: Sequence[Example]) -> dict:
        keys = set(tagger.attributes.keys)
        pairs = [(e.text, a, p) for e in examples for a, p in e.polarity.items()
                 if p in POLARITIES and a in keys]  # fmt: skip
        if not pairs:
            return {"polarity_accuracy": None, "polarity_pairs": 0}
        predicted = tagger.polarity([t for t, _a, _p in pairs], [a for _t, a, _p in pairs])
        right = sum(p == gold for p, (_t, _a, gold) in zip(predicted, pairs, strict=True))
        return {"polarity_accuracy": right / len(pairs), "polarity_pairs": len(pairs)}


def evaluate(tagger: Tagger, examples: Sequence[Example]) -> dict:
    return {**AttributeEvaluator()(tagger, examples), **PolarityEvaluator()(tagger, examples)}
