"""Making a Tagger: from the taxonomy alone, from labelled examples (linear heads), or by
fine-tuning the encoder end to end with the heads on top.

Thresholds are never fixed at 0.5: each attribute's is chosen to maximise F1 on data the head
did not learn from (left-out phrases, cross-validation folds, or a held-out split).

The rooms: ``heads`` (on the frozen encoder), ``finetune`` (end to end), ``contrastive`` (SetFit's
recipe); this module chooses among them (``train_tagger``) and keeps their public names.
"""

from __future__ import annotations

from collections.abc import Sequence

from .contrastive import contrastive_tagger
from .data import Example
from .encoder import Encoder
from .finetune import PHRASES_HELP_BELOW, finetune_tagger, held_out_split
from .heads import (
    Progress,
    best_threshold,
    fit_sentiment,
    label_matrix,
    logistic_tagger,
    taxonomy_fingerprint,
    taxonomy_tagger,
    thresholds_for,
)
from .model import Tagger
from .taxonomy import Attribute

__all__ = [
    "MODES",
    "PHRASES_HELP_BELOW",
    "best_threshold",
    "choose_mode",
    "contrastive_tagger",
    "finetune_tagger",
    "fit_sentiment",
    "held_out_split",
    "label_matrix",
    "logistic_tagger",
    "taxonomy_fingerprint",
    "taxonomy_tagger",
    "thresholds_for",
    "train_tagger",
]

MODES = ("auto", "logistic", "setfit", "endtoend")


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
