"""Promoting a theme to an attribute of the taxonomy: a drafted attribute, then a new taxonomy
version."""

from __future__ import annotations

import re

from sqlite_utils import Database

from server.classify.taxonomy import current_attributes, save_taxonomy
from server.classify.themes.read import get_theme
from server.errors import Conflict, Invalid
from server.store.db import utcnow, write_transaction

DRAFT_EXAMPLES = 5  # example sentences drafted for an attribute made from a theme

# --- promoting a theme to an attribute ----------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")[:40] or "theme"


def draft_attribute(db: Database, theme_id: int) -> dict:
    """A new attribute drafted from a theme: named after its top term, defined by its terms, with
    examples from its quotes and then its other members nearest the centre: of each, the sentence
    that holds most of the theme's three top terms (up to ``DRAFT_EXAMPLES`` different ones).
    Meant to be edited."""
    theme = get_theme(db, theme_id)
    terms = theme["terms"]
    top = terms[0] if terms else theme["label"]
    taken = {a["key"] for a in current_attributes(db)}
    key, n = _key(top), 2
    while key in taken:
        key, n = f"{_key(top)}_{n}", n + 1
    said = ", ".join(terms[:4])
    texts = [q["text"] for q in theme["quotes"]]
    texts += [row[0] for row in db.execute(
        "SELECT c.text FROM theme_members m JOIN comments c ON c.id = m.comment_id WHERE m.theme_id = ? "
        "ORDER BY m.similarity DESC, m.comment_id LIMIT 50", [theme_id]
    )]  # fmt: skip
    examples: list[str] = []
    label_terms = terms[:3]
    for text in texts:
        sentences = [part.strip() for s in _SENTENCE.split(text.strip()) for part in s.split(": ")]
        best = max(sentences, key=lambda s: sum(t in s.casefold() for t in label_terms))[:200]
        holds = any(t in best.casefold() for t in label_terms)
        if holds and best.casefold() not in {e.casefold() for e in examples}:
            examples.append(best)
        if len(examples) == DRAFT_EXAMPLES:
            break
    return {
        "key": key,
        "name": top[:1].upper() + top[1:],
        "definition": f"Customers talk about {said}." if said else "",
        "examples": examples,
        "theme": theme_id,
    }


def promote_theme(db: Database, theme_id: int, attribute: dict, *, by: str | None = None,
                  note: str | None = None) -> tuple[int, str]:  # fmt: skip
    """Add ``attribute`` (key, name, definition, examples) to the taxonomy as a new version and
    mark the theme promoted; answer (taxonomy version, attribute key). The classifier job re-tags
    every comment for the new version in the background."""
    theme = get_theme(db, theme_id)
    if theme["status"] == "promoted":
        raise Conflict(f"theme {theme_id} was already promoted to the attribute {theme['attribute']!r}")
    if not isinstance(attribute, dict):
        raise Invalid("attribute must be an object with key, name, definition and examples")
    unknown = set(attribute) - {"key", "name", "definition", "examples"}
    if unknown:
        raise Invalid(f"unknown attribute field(s) {', '.join(sorted(unknown))} "
                      "(allowed: key, name, definition, examples)")  # fmt: skip
    current = [{k: a[k] for k in ("key", "name", "definition", "examples")} for a in current_attributes(db)]
    key = attribute.get("key") or _key(str(attribute.get("name") or ""))
    if any(a["key"] == key for a in current):
        raise Invalid(f"the taxonomy already has an attribute {key!r}: choose another key")
    note = note or f"promoted from the theme '{theme['label']}'"
    with write_transaction(db):  # the taxonomy version and the theme's mark together, or neither
        version = save_taxonomy(db, [*current, {**attribute, "key": key}], note, by=by)
        db["themes"].update(theme_id, {"status": "promoted", "attribute": key, "promoted_by": by,
                                       "promoted_at": utcnow()})  # fmt: skip
    return version, key
