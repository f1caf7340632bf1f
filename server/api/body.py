"""Reading a JSON request body, with a clear 4xx when it is missing or not JSON."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import request

from server.errors import Invalid, UnsupportedMediaType
from server.validation import is_unicode, json_type

_DECODER = json.JSONDecoder(parse_constant=lambda name: _no_constants(name))
_SPACE = " \t\n\r"


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _raw_text() -> str:
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON with 'Content-Type: application/json'")
    raw = request.get_data(cache=False)  # 413 is raised here when over the limit
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"the body is not UTF-8: {str(exc)[:200]}") from None


def _parse(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"the body is not valid JSON: {str(exc)[:200]}") from None


def _lone_surrogate(value: Any) -> str | None:
    """The path of the first string (or key) in ``value`` that holds a lone surrogate, else None."""
    stack: list[tuple[str, Any]] = [("the body", value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if not is_unicode(item):
                return where
        elif isinstance(item, dict):
            for key, inner in item.items():
                stack.append((f"{where} → key", key))
                stack.append((f"{where} → {str(key)!a}", inner))
        elif isinstance(item, list):
            stack.extend((f"{where} → [{i}]", inner) for i, inner in enumerate(item))
    return None


def json_body(*, check_unicode: bool = True) -> Any:
    """The request's JSON body. A string holding a lone surrogate ("\\ud800", which JSON allows and
    no text can hold) is refused with where it is, unless the caller checks items one by one
    (``check_unicode=False``: a batch rejects only the items that hold one)."""
    body = _parse(_raw_text())
    if check_unicode and (where := _lone_surrogate(body)) is not None:
        raise Invalid(f"{where} is not valid Unicode: it holds a lone surrogate (such as \\ud800); "
                      "send the text as UTF-8")  # fmt: skip
    return body


def json_list(limit: int, *, what: str = "items", wrapper: str | None = None) -> list:
    """A JSON list body of at most ``limit`` items (or ``{wrapper: [...]}``), refused as soon as the
    limit is passed: the items past it are never decoded, so a huge body of tiny items costs
    little (a 15 MB body of ``[]`` took 8 s of CPU when decoded whole first). Items are not
    checked for lone surrogates here: the caller rejects such an item alone."""
    text = _raw_text()
    position = _skip(text, 0)
    closing = None
    if wrapper is not None and (
        opening := re.compile(r'\{\s*"' + re.escape(wrapper) + r'"\s*:\s*').match(text, position)
    ):
        position, closing = opening.end(), "}"
    if not text.startswith("[", position):
        body = _parse(text)  # not a list: say what it is
        shape = f" (or {{{wrapper!r}: [...]}})" if wrapper else ""
        raise Invalid(f"the body must be a JSON list of {what}{shape}, not {json_type(body)}")
    items, position = _list_at(text, position + 1, limit, what)
    if closing is not None:
        position = _skip(text, position)
        if not text.startswith(closing, position):
            raise Invalid(f"the body must be {{{wrapper!r}: [...]}} with no other field")
        position += 1
    if _skip(text, position) != len(text):
        raise Invalid(f"the body is not valid JSON: extra data at character {_skip(text, position)}")
    return items


def _list_at(text: str, position: int, limit: int, what: str) -> tuple[list, int]:
    """The items of the list whose '[' ends just before ``position``, and where it ends."""
    items: list = []
    position = _skip(text, position)
    if text.startswith("]", position):
        return items, position + 1
    while True:
        try:
            item, position = _DECODER.raw_decode(text, position)
        except (ValueError, RecursionError) as exc:
            raise Invalid(f"the body is not valid JSON: {str(exc)[:200]}") from None
        items.append(item)
        if len(items) > limit:
            raise Invalid(f"at most {limit} {what} per request, got more; split the list")
        position = _skip(text, position)
        if text.startswith(",", position):
            position = _skip(text, position + 1)
            continue
        if text.startswith("]", position):
            return items, position + 1
        raise Invalid(f"the body is not valid JSON: expected ',' or ']' at character {position}")


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position


def json_object(allowed: set[str]) -> dict:
    """A JSON object body whose fields are all among ``allowed`` (400 naming the others)."""
    body = json_body()
    if not isinstance(body, dict):
        raise Invalid(f"the body must be a JSON object, not {json_type(body)}")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise Invalid(f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    return body
