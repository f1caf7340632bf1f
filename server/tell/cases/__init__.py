"""Cases: a person's claim about customers, tested against the data (SPEC's gap, with evidence).

A case is a claim in plain words ("Customers choose us for reliability, not innovation") and the
**statement** it stands for, built with a form, never free code. A statement is one of:

- ``declared``: an attribute's perceived share is above (or below) its declared weight;
- ``competitor``: an attribute's figure (share, mention rate or net sentiment) is above (or below)
  a competitor's;
- ``change``: an attribute's figure rose (``above``: the later period's is above the earlier's)
  or fell between two periods;
- ``theme``: a theme's share of the brand's comments rose (or fell) over the latest
  ``themes.GROWTH_DAYS`` days against the ones before;

each for a brand, optionally one channel and a period. ``test`` answers it with the figures and
intervals the pages use (``server.measure.metrics``; shares and mention rates corrected for the
classifier's errors where the audit can, and it says so): the effect (the difference the claim is
about) with its 95 % interval and sample size, and the verdict:

- **supported**: the whole interval lies on the claimed side;
- **not supported**: the whole interval lies on the other side;
- **not enough data**: too few comments for a figure, or the interval holds both answers.

With it come the strongest quotes for and against (the model's most confident tags first). A case
has an owner (a person who may make changes) and a state: open → tested → acknowledged → acting →
resolved, or dismissed with a reason (and reopened); people comment on it; everything is in its
history. ``retest`` re-tests the cases still in play when the figures changed, and a change of
verdict raises an alert (kind ``case``) that is delivered like the others.

Its rooms: ``statements`` (what a case claims, checked and put in words), ``testing`` (the
verdict from the data), ``quotes`` and ``records`` (the cases, their states and history).
"""

from __future__ import annotations

from server.tell.cases.quotes import quotes_of, theme_quotes
from server.tell.cases.records import (
    IN_PLAY,
    MOVES,
    STATES,
    add_comment,
    check_owner,
    get_case,
    judge_case,
    list_cases,
    move,
    open_case,
    retest,
    set_owner,
)
from server.tell.cases.statements import DIRECTIONS, FIGURE_NAMES, KINDS, VERDICTS, check_statement, describe
from server.tell.cases.testing import judge, scope_of, verdict

__all__ = [
    "DIRECTIONS",
    "FIGURE_NAMES",
    "IN_PLAY",
    "KINDS",
    "MOVES",
    "STATES",
    "VERDICTS",
    "add_comment",
    "check_owner",
    "check_statement",
    "describe",
    "get_case",
    "judge",
    "judge_case",
    "list_cases",
    "move",
    "open_case",
    "quotes_of",
    "retest",
    "scope_of",
    "set_owner",
    "theme_quotes",
    "verdict",
]
