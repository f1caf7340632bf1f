"""Early warning (issue 10): alert rules per brand, evaluated after crawls and classification.

Each rule is one kind of check with its parameters (``DEFAULTS``); every brand gets every rule
the first time alerts are evaluated, on for the workspace's own brand and off for competitors.
A check compares the latest window of days (ending on the brand's newest classified comment)
with the window before it and reports *conditions*: something that holds now, under a stable
key (``"share|reliability"``) with a state (``"up"``). An alert is raised when a condition
appears or its state changes; while it holds unchanged nothing more is raised; once it no longer
holds it is forgotten, so it can be raised again later (``alert_conditions``).

The checks, each a test that accounts for sample size rather than a fixed percentage:

- ``gap_moved``: the gap score's change against the previous window, over the spread of both
  bootstrap intervals (z ≥ ``z``, default 3.5);
- ``share_changed``: an attribute's mention rate, by a two-proportion z-test, Bonferroni-corrected
  over the attributes (family-wise ``alpha``, default 0.1 %);
- ``sentiment_changed``: an attribute's net sentiment, by a z-test of the difference of two means
  of −1/0/+1 values, Bonferroni-corrected likewise;
- ``volume_spike``: the comments of the latest ``days`` on an attribute, or from a source,
  against their trailing ``baseline_days`` (the exact conditional test of two Poisson rates
  below ``alpha`` over the number of series, at least ``ratio`` times the baseline's rate and
  ``min_comments``);
- ``ownership_lost``: a competitor's ownership of an attribute the brand declares lies wholly
  above the brand's own (non-overlapping 95 % intervals);
- ``source_failing``: a source's latest ``runs`` crawls all failed.

The pure tests (``*_conditions``) take numbers, not a database: ``bench/alerts.py`` runs them on
simulated series to measure the false-alarm rate, and the tests plant changes in them.

Its rooms: ``checks`` (the table of checks and their tests on numbers), ``rules``,
``evaluation`` (the rules over a workspace, raising alerts) and ``inbox`` (the alert list).
"""

from __future__ import annotations

from server.tell.alerts.checks import (
    DEFAULTS,
    KINDS,
    Condition,
    bonferroni_z,
    gap_condition,
    sentiment_conditions,
    share_conditions,
    spike_conditions,
)
from server.tell.alerts.evaluation import conditions_for, evaluate
from server.tell.alerts.inbox import get_alert, list_alerts, mark_read, unread_count
from server.tell.alerts.rules import ensure_rules, list_rules, update_rule

__all__ = [
    "DEFAULTS",
    "KINDS",
    "Condition",
    "bonferroni_z",
    "conditions_for",
    "ensure_rules",
    "evaluate",
    "gap_condition",
    "get_alert",
    "list_alerts",
    "list_rules",
    "mark_read",
    "sentiment_conditions",
    "share_conditions",
    "spike_conditions",
    "unread_count",
    "update_rule",
]
