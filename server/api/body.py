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
