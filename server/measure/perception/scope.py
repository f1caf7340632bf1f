"""What a view is asked about (``Scope``: period and channels), and the memos that keep its answers
while the figures stay the same."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlite_utils import Database

from server.errors import Invalid
from server.measure.metrics import load_sample
from server.store.comments import parse_date

INTERVALS = ("week", "month", "quarter")  # and "auto": month, or quarter where months are too thin


class _Memo:
    """A small thread-safe LRU of computed figures, keyed by everything they depend on (the data
    itself by fingerprint), so a hit is always the same answer as a fresh computation."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value):
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


_POINTS = _Memo(4096)  # trend points: a few kB each
_FIGURES = _Memo(256)  # gap and competitor answers, keyed by the figures' version (a few kB each)


@dataclass(frozen=True)
class Scope:
    """A period (dates, inclusive) and a channel filter."""

    start: str | None = None
    end: str | None = None
    channels: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: Mapping[str, str], channels: list[str] | None = None) -> Scope:
        bounds = {}
        for name in ("from", "to"):
            value = (args.get(name) or "").strip()
            if value:
                bounds[name] = parse_date(name, value).isoformat()
        if "from" in bounds and "to" in bounds and bounds["from"] > bounds["to"]:
            raise Invalid("from is after to")
        return cls(bounds.get("from"), bounds.get("to"), tuple(c for c in (channels or []) if c))

    def key(self, *parts: object) -> str:
        return "|".join(map(str, (*parts, self.start, self.end, ",".join(self.channels))))

    def as_dict(self) -> dict:
        return {"from": self.start, "to": self.end, "channels": list(self.channels)}


def _sample(
    db: Database, brand_id: int, attributes: list[str], scope: Scope, kind: str = "customer",
    interval: str | None = None, model_tags: bool = False,
):  # fmt: skip
    return load_sample(
        db, brand_id, attributes, kind=kind, start=scope.start, end=scope.end, channels=scope.channels,
        interval=interval, model_tags=model_tags,
    )  # fmt: skip
