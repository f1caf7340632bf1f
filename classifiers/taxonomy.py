"""The attributes a classifier knows: name, key, definition, example phrases."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import TaxonomyError


@dataclass(frozen=True)
class Attribute:
    key: str
    name: str
    definition: str
    examples: tuple[str, ...] = ()

    def phrases(self) -> list[str]:
        """What stands for the attribute when there is no training data: its words."""
        return [f"{self.name}: {self.definition}", *self.examples]


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def parse_taxonomy(data: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Attribute]:
    """Read ``{"attributes": [{"name", "definition", "examples", "key"?}]}`` (or the bare list)."""
    items = data.get("attributes") if isinstance(data, Mapping) else data
    if items is None or isinstance(items, str | bytes):
        raise TaxonomyError('a taxonomy is {"attributes": [{"name", "definition", "examples"}]}')
    attributes: list[Attribute] = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise TaxonomyError(f"attribute {number} must be an object")
        name = str(item.get("name") or item.get("key") or "").strip()
        if not name:
            raise TaxonomyError(f"attribute {number} has no name")
        definition = str(item.get("definition") or "").strip()
        if not definition:
            raise TaxonomyError(f"attribute {name!r} has no definition")
        examples = item.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            raise TaxonomyError(f"attribute {name!r}: examples must be a list of strings")
        key = str(item.get("key") or slug(name))
        attributes.append(Attribute(key, name, definition, tuple(e.strip() for e in examples if e.strip())))
    if not attributes:
        raise TaxonomyError("the taxonomy is empty: add at least one attribute")
    keys = [a.key for a in attributes]
    if len(set(keys)) != len(keys):
        raise TaxonomyError(f"attribute keys must be unique: {', '.join(keys)}")
    return attributes
