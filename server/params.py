"""Reading numbers people type into query strings and forms."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

from server.errors import Invalid

MAX_PAGE = 1_000_000  # the furthest page of any list
LARGEST = 2**63 - 1  # SQLite's largest integer: a larger id cannot exist, and sqlite3 raises OverflowError


def whole_number(raw: str | None) -> int | None:
    """The value of `raw` if it is written in the digits 0-9 only, else None.

    `str.isdigit` alone is not enough: it accepts '²' or '٣', which `int` refuses.
    A number past SQLite's largest integer is refused (``Invalid``, a 400): no stored id or count
    is that large, and passing it to a query raised OverflowError (a 500).
    """
    if raw and raw.isascii() and raw.isdigit():
        if len(raw) > 19 or int(raw) > LARGEST:
            raise Invalid(
                f"{raw[:24]}{'…' if len(raw) > 24 else ''} is too large a number (at most {LARGEST})"
            )
        return int(raw)
    return None


class BoundedInt(IntegerConverter):
    """``<int:…>`` in routes, up to SQLite's largest integer: a larger one is a 404 like any id
    that does not exist, not an OverflowError."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's name)
        kwargs.setdefault("max", LARGEST)
        super().__init__(map, *args, **kwargs)
