"""``gapwatch eval``: the accuracy audit on a labelled test file."""

from __future__ import annotations

import json
from pathlib import Path

from .data import read_jsonl
from .encoder import EncoderOptions
from .evaluation import evaluate
from .taxonomy import TaxonomyError, parse_taxonomy
from .training import taxonomy_tagger, train_tagger


def load_taxonomy_file(path: str | Path) -> list:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise TaxonomyError(f"{path} is not valid JSON ({exc})") from None
    return parse_taxonomy(data)


def run_eval(
    taxonomy_file: str | Path,
    test_file: str | Path,
    *,
    train_file: str | Path | None = None,
    mode: str = "auto",
    epochs: int = 4,
    options: EncoderOptions | None = None,
) -> dict:
    attributes = load_taxonomy_file(taxonomy_file)
    known = {a.key for a in attributes}
    test = read_jsonl(test_file, known)
    encoder = (options or EncoderOptions()).encoder()
    if train_file is None:
        tagger = taxonomy_tagger(encoder, attributes)
    else:
        tagger = train_tagger(encoder, attributes, read_jsonl(train_file, known), mode=mode, epochs=epochs)
    return {"model": tagger.model_id, "kind": tagger.info.kind, **evaluate(tagger, test)}
