"""Labelled data: the JSONL files of ../shared/eval, corrections, and the bundled seed sets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataError

POLARITIES = ("positive", "neutral", "negative")
_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Example:
    text: str
    attributes: tuple[str, ...] = ()
    polarity: dict[str, str] = field(default_factory=dict)  # attribute -> polarity
    sentiment: str | None = None  # whole-comment sentiment, where known
    attributes_known: bool = True  # False: only the sentiment is labelled


def sentence_sentiment(polarity: dict[str, str]) -> str | None:
    """One sentiment for the comment when its attributes agree (conflict means none)."""
    values = {p for p in polarity.values() if p in POLARITIES}
    return values.pop() if len(values) == 1 and "conflict" not in polarity.values() else None


def read_jsonl(path: str | Path, known: set[str] | None = None) -> list[Example]:
    """Read ``{"text", "attributes": [...], "polarity": {...}}`` lines; refuse bad ones by number."""
    examples: list[Example] = []
    with Path(path).open(encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise DataError(f"{path}, line {number}: not valid JSON ({exc})") from None
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise DataError(f'{path}, line {number}: each line needs a "text" string')
            attributes = item.get("attributes", [])
            polarity = item.get("polarity", {})
            if not isinstance(attributes, list) or not all(isinstance(a, str) for a in attributes):
                raise DataError(f'{path}, line {number}: "attributes" must be a list of names')
            if not isinstance(polarity, dict):
                raise DataError(f'{path}, line {number}: "polarity" must be an object')
            if known is not None and (unknown := set(attributes) - known):
                raise DataError(
                    f"{path}, line {number}: attribute(s) {', '.join(sorted(unknown))} "
                    "are not in the taxonomy"
                )
            examples.append(Example(item["text"], tuple(attributes), polarity, sentence_sentiment(polarity)))
    return examples


def seed_sentiment() -> list[Example]:
    """Generic review sentences labelled positive/neutral/negative, written for this project."""
    text = (_DATA / "sentiment_seed.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [Example(r["text"], sentiment=r["label"]) for r in rows]


def none_sentences() -> list[str]:
    """Sentences that speak of no attribute at all, for calibrating 'none of these'."""
    text = (_DATA / "none.txt").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]
