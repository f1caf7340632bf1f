"""``Authorization: Bearer <token>`` on every write endpoint."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from ..db import get_db
from ..errors import Unauthorized
from ..tokens import verify_token


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized(
                "an API token is required: send 'Authorization: Bearer <token>' "
                "(create one with `gapwatch tokens create --name NAME`)"
            )
        g.token = verify_token(get_db(), token.strip())
        return view(*args, **kwargs)

    return wrapped
