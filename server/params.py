"""Reading numbers people type into query strings and forms."""

from __future__ import annotations


def whole_number(raw: str | None) -> int | None:
    """The value of `raw` if it is written in the digits 0-9 only, else None.

    `str.isdigit` alone is not enough: it accepts '²' or '٣', which `int` refuses.
    """
    if raw and raw.isascii() and raw.isdigit():
        return int(raw)
    return None
