"""``Authorization: Bearer <token>`` on every write endpoint (``server.access`` has checked the
token and the right already; this marks the endpoints that take no login cookie)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g

from ..errors import Unauthorized


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("token") is None:
            raise Unauthorized(
                "an API token is required: send 'Authorization: Bearer <token>' "
                "(create one with `gapwatch tokens create --name NAME --user USER`)"
            )
        return view(*args, **kwargs)

    return wrapped
