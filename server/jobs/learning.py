"""Learning from people's corrections: a model trained on them (and a labelled file, and the
taxonomy), saved, made active, pruned, and loaded again (``server.classify.tagging`` tags with it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from server.classify.taxonomy import current_version
from server.errors import Invalid
from server.store.db import write_transaction

if TYPE_CHECKING:
    from classifiers.encoder import EncoderOptions
    from classifiers.model import Tagger

from server.classify.tagging import (
    ACTIVE_MODEL_KEY,
    _options,
    _saved_tagger,
    models_dir,
    workspace_attributes,
)

CORRECTION_WEIGHT = 5  # a human correction counts as this many examples when training
KEEP_MODELS = 3  # trained models kept on disk (a fine-tuned one is ~90 MB), the active included


def prune_models(folder: Path, *, keep: int, protect: tuple[Path | None, ...] = ()) -> list[Path]:
    """Delete all but the ``keep`` newest saved models, never one in ``protect`` (the active
    model, a candidate waiting for a decision); answer what was deleted."""
    import shutil

    kept = {p.resolve() for p in protect if p is not None}
    saved = sorted((p for p in folder.iterdir() if (p / "meta.json").is_file()), key=lambda p: p.name)
    doomed = [p for p in (saved[:-keep] if keep else saved) if p.resolve() not in kept]
    for path in doomed:
        shutil.rmtree(path)
    return doomed


def correction_examples(db: Database, *, exclude_audit_sample: bool = False) -> list:
    """Human corrections as training examples (attributes and/or sentiment); without the audit's
    labelled random sample when ``exclude_audit_sample`` (so a new model can be audited on it)."""
    from classifiers.data import Example, sentence_sentiment
    from server.classify.review import AUDIT_SAMPLE_SQL

    examples = []
    audit_sample = f"AND cr.comment_id NOT IN ({AUDIT_SAMPLE_SQL})" if exclude_audit_sample else ""
    for row in db.query(
        "SELECT c.text, cr.attributes, cr.sentiment, cr.attribute_sentiment FROM corrections cr "
        f"JOIN comments c ON c.id = cr.comment_id WHERE 1 {audit_sample} ORDER BY cr.comment_id"
    ):
        attributes = tuple(json.loads(row["attributes"])) if row["attributes"] is not None else None
        polarity = json.loads(row["attribute_sentiment"]) if row["attribute_sentiment"] else {}
        # no sentiment for the comment: the one feeling a person gave every attribute it names, if any
        covered = attributes is not None and set(attributes) <= set(polarity)
        sentiment = row["sentiment"] or (sentence_sentiment(polarity) if covered else None)
        example = Example(row["text"], attributes or (), polarity, sentiment)
        if attributes is None:  # only the sentiment was corrected
            example = Example(row["text"], (), polarity, sentiment, attributes_known=False)
        examples.extend([example] * CORRECTION_WEIGHT)
    return examples


@dataclass
class TrainReport:
    folder: Path
    kind: str
    examples: int
    model: str


def train(
    db: Database,
    db_path: str | Path,
    *,
    labelled_file: str | Path | None = None,
    mode: str = "auto",
    epochs: int = 4,
    options: EncoderOptions | None = None,
    progress: Callable[[str, float], None] | None = None,
    activate: bool = True,
    exclude_audit_sample: bool = False,
) -> TrainReport:
    """Train on corrections (+ a labelled file) and the taxonomy; make the result the active model
    (unless ``activate`` is false: then it is saved and waits for ``activate_model``).

    How it learns depends on how much is labelled (``classifiers.training.choose_mode``).
    """
    from classifiers.data import read_jsonl
    from classifiers.training import train_tagger

    attributes = workspace_attributes(db)
    examples = correction_examples(db, exclude_audit_sample=exclude_audit_sample)
    if labelled_file is not None:
        examples += read_jsonl(labelled_file, {a.key for a in attributes})
    encoder = _options(options).encoder()
    tagger = train_tagger(encoder, attributes, examples, mode=mode, epochs=epochs, progress=progress)
    tagger.info.taxonomy_version = current_version(db)
    folder = tagger.save(models_dir(db_path) / tagger.info.created_at)
    if activate:
        activate_model(db, db_path, folder)
    return TrainReport(folder, tagger.info.kind, len(examples), tagger.model_id)


def activate_model(db: Database, db_path: str | Path, folder: Path, *, protect: Path | None = None) -> None:
    """Make the saved model in ``folder`` the one that tags (the classifier job re-tags)."""
    if not (folder / "meta.json").is_file():
        raise Invalid(f"no saved model in {folder}")
    with write_transaction(db):
        db["meta"].upsert({"key": ACTIVE_MODEL_KEY, "value": str(folder)}, pk="key")
    _saved_tagger.cache_clear()
    prune_models(models_dir(db_path), keep=KEEP_MODELS, protect=(folder, protect))


def saved_tagger(folder: Path, options: EncoderOptions | None = None) -> Tagger:
    """A saved model (e.g. a candidate waiting to be activated), loaded once per process."""
    return _saved_tagger(str(folder), options)
