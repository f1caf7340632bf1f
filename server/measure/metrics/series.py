"""A figure per week, month or quarter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from server.measure.metrics.sample import Sample

# --- series -------------------------------------------------------------------------------------


def period_start(day: str, interval: str) -> str:
    """The week (Monday), month or quarter a date (``YYYY-MM-DD…``) falls in."""
    moment = date.fromisoformat(day[:10])
    if interval == "week":
        return (moment - timedelta(days=moment.weekday())).isoformat()
    if interval == "month":
        return moment.replace(day=1).isoformat()
    if interval == "quarter":
        return moment.replace(month=3 * ((moment.month - 1) // 3) + 1, day=1).isoformat()
    raise ValueError(f"interval must be week, month or quarter, not {interval!r}")


def series(
    sample: Sample, interval: str, compute: Callable[[Sample, str], object]
) -> list[tuple[str, object]]:
    """``compute(sub-sample, period)`` for each week or month that has comments, in order."""
    buckets: dict[str, list[int]] = {}
    starts: dict[str, str] = {}
    for i, day in enumerate(sample.dates):
        start = starts.get(day) or starts.setdefault(day, period_start(day, interval))
        buckets.setdefault(start, []).append(i)
    out = []
    for start, rows in sorted(buckets.items()):
        contiguous = rows[-1] - rows[0] + 1 == len(rows)  # rows of a period usually lie together
        out.append(
            (start, compute(sample.subset(slice(rows[0], rows[-1] + 1) if contiguous else rows), start))
        )
    return out
