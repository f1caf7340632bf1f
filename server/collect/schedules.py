"""How a source's schedule is written, and the APScheduler trigger it becomes.

In words: ``hourly``, ``daily``, ``weekly``, ``every 6 hours``, ``every 30 minutes``, ``every
2 days``, ``every hour`` run at a fixed interval; ``daily at 07:00``, ``every day at 7pm``,
``weekdays at 08:30``, ``weekly on Monday``, ``every Friday at 17:00`` run at those times (UTC).
Short forms ``every 30m``, ``every 6h``, ``every 1d`` (also ``s`` for seconds, at least 10), and
five crontab fields (``0 7 * * mon-fri``, UTC) are accepted too.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

_EVERY = re.compile(r"^every\s+(\d+)?\s*([a-z]+)$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_UNIT_WORDS = {"second": "s", "sec": "s", "minute": "m", "min": "m", "hour": "h", "hr": "h", "day": "d",
               "week": "w"}  # fmt: skip
_PLAIN = {"hourly": 3600, "daily": 86400, "weekly": 604800}
_DAYS = {"monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
         "saturday": "sat", "sunday": "sun"}  # fmt: skip
_AT = r"(?:\s+at\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?)?"
_DAILY_AT = re.compile(r"^(?:daily|every\s+day|(weekdays))" + _AT + "$", re.IGNORECASE)
_WEEKLY_ON = re.compile(r"^(?:weekly\s+on|every)\s+([a-z]+?)s?" + _AT + "$", re.IGNORECASE)
MIN_SECONDS = 10
EXAMPLES = (
    "'daily at 07:00', 'every 6 hours', 'weekly on Monday', 'hourly' or crontab '0 7 * * mon-fri' (UTC)"
)


def _unit(word: str) -> str | None:
    word = word.lower()
    if word in _UNITS:
        return word
    return _UNIT_WORDS.get(word.removesuffix("s"))


def _clock(text: str, hour: str | None, minute: str | None, half: str | None) -> tuple[int, int]:
    h, m = int(hour or 0), int(minute or 0)
    if half:
        if not 1 <= h <= 12:
            raise ValueError(f"schedule {text!r}: {h}{half} is not a time of day")
        h = h % 12 + (12 if half.lower() == "pm" else 0)
    if h > 23 or m > 59:
        raise ValueError(f"schedule {text!r}: {h}:{m:02d} is not a time of day (00:00 to 23:59, UTC)")
    return h, m


def _in_words(text: str, value: str) -> BaseTrigger | None:
    """The trigger of a schedule written in words, or None when it is not one."""
    if value.lower() in _PLAIN:
        return IntervalTrigger(seconds=_PLAIN[value.lower()], timezone=UTC)
    found = _DAILY_AT.match(value)
    if found and (found.group(2) or found.group(1)):  # "daily" alone is an interval (above)
        h, m = _clock(text, *found.group(2, 3, 4))
        days = "mon-fri" if found.group(1) else "*"
        return CronTrigger.from_crontab(f"{m} {h} * * {days}", timezone=UTC)
    found = _WEEKLY_ON.match(value)
    if found and found.group(1).lower() in _DAYS:
        h, m = _clock(text, *found.group(2, 3, 4))
        return CronTrigger.from_crontab(f"{m} {h} * * {_DAYS[found.group(1).lower()]}", timezone=UTC)
    found = _EVERY.match(value)
    if found and _unit(found.group(2)):
        seconds = int(found.group(1) or 1) * _UNITS[_unit(found.group(2))]
        if seconds < MIN_SECONDS:
            raise ValueError(f"schedule {text!r} is too frequent: at least every {MIN_SECONDS}s")
        return IntervalTrigger(seconds=seconds, timezone=UTC)
    return None


def parse_schedule(text: str) -> BaseTrigger:
    """The trigger for ``text``; ``ValueError`` with examples when it is not understood."""
    value = " ".join(text.strip().split())
    trigger = _in_words(text, value)
    if trigger is not None:
        return trigger
    if len(value.split()) == 5:
        try:
            return CronTrigger.from_crontab(value, timezone=UTC)
        except ValueError as exc:
            raise ValueError(f"schedule {text!r} is not a valid crontab line ({exc})") from None
    raise ValueError(f"schedule {text!r} is not understood: write for example {EXAMPLES}")


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
