"""How a source's schedule is written, and the APScheduler trigger it becomes.

``every 30m``, ``every 6h``, ``every 1d`` (also ``s`` for seconds, at least 10) run at a fixed
interval; five crontab fields (``0 7 * * mon-fri``) run at those times, in UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_EVERY = re.compile(r"^every\s+(\d+)\s*(s|m|h|d)$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_SECONDS = 10


def parse_schedule(text: str) -> BaseTrigger:
    """The trigger for ``text``; ``ValueError`` with an example when it is neither form."""
    value = text.strip()
    found = _EVERY.match(value)
    if found:
        seconds = int(found.group(1)) * _UNITS[found.group(2).lower()]
        if seconds < MIN_SECONDS:
            raise ValueError(f"schedule {text!r} is too frequent: at least every {MIN_SECONDS}s")
        return IntervalTrigger(seconds=seconds, timezone=UTC)
    if len(value.split()) == 5:
        try:
            return CronTrigger.from_crontab(value, timezone=UTC)
        except ValueError as exc:
            raise ValueError(f"schedule {text!r} is not a valid crontab line ({exc})") from None
    raise ValueError(
        f"schedule {text!r} is not understood: write 'every 6h' (s, m, h or d) or five crontab "
        "fields such as '0 7 * * mon-fri' (UTC)"
    )


def first_run(trigger: BaseTrigger, last_started: str | None, now: datetime) -> datetime:
    """When a schedule next fires after a (re)start: at once if a run was missed while down."""
    if last_started is None:
        return now if isinstance(trigger, IntervalTrigger) else trigger.get_next_fire_time(None, now)
    last = datetime.fromisoformat(last_started.replace("Z", "+00:00"))
    if isinstance(trigger, IntervalTrigger):
        due = last + timedelta(seconds=trigger.interval.total_seconds())
    else:
        due = trigger.get_next_fire_time(None, last + timedelta(seconds=1))
    return max(due, now) if due is not None else now


def describe_next(trigger: BaseTrigger, now: datetime | None = None) -> str | None:
    fire = trigger.get_next_fire_time(None, now or datetime.now(UTC))
    return fire.isoformat() if fire else None
