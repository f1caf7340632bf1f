"""The sample: classified comments as matrices (``Sample``), the figure a page shows (``Figure``),
and loading a sample from the rollups (``load_sample``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlite_utils import Database

_SENTIMENT = {"positive": 1, "neutral": 0, "negative": -1}


@dataclass(frozen=True)
class Figure:
    """One number as the product shows it: value, 95 % interval, sample size."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    note: str | None = None  # why there is no value ("too few comments", "no declared positioning")

    def as_dict(self) -> dict:
        out = {"value": self.value, "low": self.low, "high": self.high, "n": self.n}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Sample:
    """Classified comments as matrices: ``mentions[i, a]`` is 1 when row i is tagged a;
    ``sentiment[i, a]`` is +1/0/−1 for that attribute's sentiment (0 where not tagged).

    A row stands for ``counts[i]`` comments that carry exactly those tags (1 per comment when
    built from comments; many when read from ``server.measure.rollups``): resampling comments is then
    resampling rows in proportion to their counts, the same bootstrap."""

    attributes: list[str]
    mentions: np.ndarray  # (rows, k) float
    sentiment: np.ndarray  # (rows, k) float
    dates: list[str] = field(default_factory=list)  # one per row (published, else collected)
    counts: np.ndarray | None = None  # comments per row; None = one each
    resamples: dict = field(default_factory=dict, repr=False, compare=False)  # see _draws

    def __post_init__(self) -> None:
        if self.counts is None:
            self.counts = np.ones(self.mentions.shape[0])

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @classmethod
    def build(
        cls,
        attributes: Sequence[str],
        rows: Sequence[dict],
        dates: Sequence[str] = (),
        counts: Sequence[int] | None = None,
    ) -> Sample:
        """From rows ``{attribute: sentiment}`` (one dict per comment, or per ``counts`` comments;
        {} = tagged with nothing)."""
        index = {a: j for j, a in enumerate(attributes)}
        mentions = np.zeros((len(rows), len(attributes)))
        sentiment = np.zeros((len(rows), len(attributes)))
        for i, row in enumerate(rows):
            for attribute, feeling in row.items():
                if attribute in index:
                    mentions[i, index[attribute]] = 1
                    sentiment[i, index[attribute]] = _SENTIMENT.get(feeling or "neutral", 0)
        weights = None if counts is None else np.asarray(counts, dtype=float)
        return cls(list(attributes), mentions, sentiment, list(dates), weights)

    def subset(self, rows: np.ndarray | list[int] | slice) -> Sample:
        picked = rows if isinstance(rows, slice) else np.asarray(rows, dtype=int)
        dates = (
            (self.dates[picked] if isinstance(picked, slice) else [self.dates[i] for i in picked])
            if self.dates
            else []
        )
        return Sample(
            self.attributes, self.mentions[picked], self.sentiment[picked], dates, self.counts[picked]
        )

    def fingerprint(self) -> str:
        """A digest of the sample's content (attributes, rows, counts): equal samples, equal digest."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update("|".join(self.attributes).encode())
        for part in (self.mentions, self.sentiment, self.counts):
            digest.update(np.ascontiguousarray(part, dtype=float).tobytes())
        return digest.hexdigest()

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Mentions and sentiment summed over comments, per attribute."""
        return self.counts @ self.mentions, self.counts @ self.sentiment


# --- loading ------------------------------------------------------------------------------------


def load_sample(
    db: Database,
    brand_id: int,
    attributes: Sequence[str],
    *,
    kind: str = "customer",
    start: str | None = None,
    end: str | None = None,
    channels: Sequence[str] = (),
    interval: str | None = None,
    model_tags: bool = False,
) -> Sample:
    """The classified comments of a brand (``kind``: customer or emitted) in ``[start, end]``
    (dates, inclusive; a comment's date is when it was published, else collected), optionally
    from some channels only. A human correction replaces the model's attributes and sentiment,
    unless ``model_tags``: then every comment carries the model's own tags (what
    ``corrected_figures`` corrects with the audit's error rates, which describe the model).

    Read from the pre-aggregated counts of ``server.measure.rollups``: one row per tag pattern (and per
    week or month when ``interval`` is given, as the row's date, for ``series``); with
    ``model_tags``, the corrected comments' patterns are swapped for the model's (they are few)."""
    from server.measure.rollups import corrected_rows, pattern_rows

    where = {"kind": kind, "start": start, "end": end, "channels": channels, "interval": interval}
    rows = pattern_rows(db, brand_id, **where)
    if model_tags:
        counts: dict[tuple[str | None, str], int] = {}
        for sign, part in ((1, rows), (-1, corrected_rows(db, brand_id, **where)),
                           (1, corrected_rows(db, brand_id, **where, model_only=True))):  # fmt: skip
            for bucket, pattern, n in part:
                counts[(bucket, pattern)] = counts.get((bucket, pattern), 0) + sign * n
        ordered = sorted(counts.items(), key=lambda item: (item[0][0] or "", item[0][1]))
        rows = [(bucket, pattern, n) for (bucket, pattern), n in ordered if n > 0]
    return _from_rows(attributes, rows, interval is not None)


def _from_rows(attributes: Sequence[str], rows: list[tuple[str | None, str, int]], dated: bool) -> Sample:
    """A sample from ``(bucket, pattern, comments)`` rows; bucket becomes the row's date when
    ``dated``."""
    from server.measure.rollups import decode

    # each distinct pattern is decoded once; rows index into them
    index: dict[str, int] = {}
    picks = np.fromiter(
        (index.setdefault(p, len(index)) for _b, p, _n in rows), dtype=np.intp, count=len(rows)
    )
    distinct = Sample.build(attributes, [decode(p) for p in index])
    return Sample(
        list(attributes),
        distinct.mentions[picks],
        distinct.sentiment[picks],
        [bucket for bucket, _p, _n in rows] if dated else [],
        np.fromiter((n for _b, _p, n in rows), dtype=float, count=len(rows)),
    )
