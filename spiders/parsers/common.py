"""What every parser shares: the ``Page`` it answers, its error, and small readers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class ParseError(ValueError):
    """The response is not what the source kind answers (malformed JSON, an error page…)."""


@dataclass
class Page:
    """What one response held."""

    comments: list[dict] = field(default_factory=list)
    follow: list[str] = field(default_factory=list)  # more of the same thread or listing
    next_page: str | None = None  # the next page of a paginated listing
    skipped: int = 0  # items the site shows as deleted or removed: no text to keep
    end: bool = False  # the source said there is nothing further (e.g. a page-depth limit)
    title: str | None = None  # the thread's title, kept as each reply's context


def load_json(body: str | bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        snippet = (body[:60].decode("utf-8", "replace") if isinstance(body, bytes) else body[:60]).strip()
        raise ParseError(f"{what} is not valid JSON ({exc}); it starts with {snippet!r}") from None


def comment(text: Any, **fields: Any) -> dict | None:
    """A comment item with the fields that have a value; ``None`` when there is no text."""
    if not isinstance(text, str) or not text.strip():
        return None
    item = {"text": text}
    for name, value in fields.items():
        if value is None or value == "":
            continue
        item[name] = value
    return item


def unix_time(value: Any) -> str | None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")


def number(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result == result else None  # NaN is no number


def dig(data: Any, *path: str | int) -> Any:
    """``data[p0][p1]...`` or ``None`` where any step is missing or the wrong type."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or not -len(data) <= step < len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data
