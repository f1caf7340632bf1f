"""Reading a JSON request body, with a clear 4xx when it is missing or not JSON."""

from __future__ import annotations

import json
from typing import Any

from flask import request

from ..errors import Invalid, UnsupportedMediaType


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def json_body() -> Any:
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON with 'Content-Type: application/json'")
    raw = request.get_data(cache=False)  # 413 is raised here when over the limit
    try:
        return json.loads(raw, parse_constant=_no_constants)
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"the body is not valid JSON: {str(exc)[:200]}") from None


def json_object(allowed: set[str]) -> dict:
    """A JSON object body whose fields are all among ``allowed`` (400 naming the others)."""
    from ..schema import json_type

    body = json_body()
    if not isinstance(body, dict):
        raise Invalid(f"the body must be a JSON object, not {json_type(body)}")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise Invalid(f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    return body
