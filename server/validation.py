"""Validation of JSON-like objects against a declared set of fields; unknown fields are refused.

Small and strict on purpose: every request body and every ingested item is checked here, so that
a wrong type or a stray field (mass assignment) is a clear error and never reaches the store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from server.errors import Invalid

__all__ = ["Field", "Invalid", "check_object", "fields", "json_type"]


_JSON_TYPE_NAMES = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "true/false",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def is_unicode(text: str) -> bool:
    """False for a string with a lone surrogate (JSON's "\\ud800" decodes to one): it cannot be
    encoded, hashed or stored as text."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class Field:
    name: str
    types: tuple[type, ...] = (str,)
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] | None = None

    def describe(self) -> str:
        return " or ".join(dict.fromkeys(_JSON_TYPE_NAMES[t] for t in self.types))

    def check(self, value: Any) -> Any:
        kind = type(value)  # exact types: JSON decoders make no subclasses, and bool is no number
        if kind not in self.types:
            raise Invalid(f"{self.name} must be {self.describe()}, not {json_type(value)}")
        if kind is str:
            if not is_unicode(value):
                raise Invalid(f"{self.name} is not valid Unicode: it holds a lone surrogate "
                              "(such as \\ud800), which no text can contain; send UTF-8")  # fmt: skip
            if self.max_length is not None and len(value) > self.max_length:
                raise Invalid(f"{self.name} is longer than {self.max_length} characters ({len(value)})")
            if self.choices is not None and value not in self.choices:
                raise Invalid(f"{self.name} must be one of {', '.join(self.choices)}, not {value!r}")
        elif kind is float and not math.isfinite(value):
            raise Invalid(f"{self.name} must be a finite number")
        return value


def check_object(obj: Any, fields: Mapping[str, Field], *, what: str = "the body") -> dict:
    """Return ``obj`` as a dict with every declared field (missing and null become None)."""
    if not isinstance(obj, dict):
        raise Invalid(f"{what} must be a JSON object, not {json_type(obj)}")
    unknown = [key for key in obj if key not in fields]
    if unknown:
        names = ", ".join(repr(str(k)) for k in unknown[:5])
        allowed = ", ".join(fields)
        raise Invalid(f"unknown field{'s' if len(unknown) > 1 else ''} {names} (allowed: {allowed})")
    out: dict[str, Any] = dict.fromkeys(fields)
    for name, value in obj.items():
        if value is not None:
            out[name] = fields[name].check(value)
    for name, field in fields.items():
        if field.required and out[name] is None:
            raise Invalid(f"{name} is required")
    return out


def fields(*items: Field) -> dict[str, Field]:
    return {f.name: f for f in items}
