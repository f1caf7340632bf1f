"""The demo workspace's raw material: a fictional file-sync company and what people say of it.

Lumio declares innovation ("AI-powered, next-generation"); its customers mostly praise that it
never loses a file and that support answers. Driftbox competes on price, Nimbus Vault on features.
All names, people and addresses are invented; URLs point at reserved example domains.

Its parts: ``story``, ``phrases`` (what customers say) and ``emitted`` (what brands say).
"""

from server.jobs.demo_data.emitted import (
    BRAND_LINES,
    BRAND_POSTS,
    EMITTED,
    FIRST_NAMES,
    REQUEST_ENDINGS,
    UNDECLARED,
)
from server.jobs.demo_data.phrases import (
    CLOSER_PARTS,
    CLOSER_SHARE,
    CLOSERS,
    OPENER_PARTS,
    OPENER_SHARE,
    OPENERS,
    PHRASES,
    VERDICTS,
)
from server.jobs.demo_data.story import (
    CASES,
    CHANNELS,
    COMPETITORS,
    COUNTS,
    ENEMY,
    MIX,
    OURS,
    PEOPLE,
    PLANTED,
    POSITIONING,
    POSITIVE,
    STATEMENTS,
)

__all__ = [
    "BRAND_LINES",
    "BRAND_POSTS",
    "CASES",
    "CHANNELS",
    "CLOSERS",
    "CLOSER_PARTS",
    "CLOSER_SHARE",
    "COMPETITORS",
    "COUNTS",
    "EMITTED",
    "ENEMY",
    "FIRST_NAMES",
    "MIX",
    "OPENERS",
    "OPENER_PARTS",
    "OPENER_SHARE",
    "OURS",
    "PEOPLE",
    "PHRASES",
    "PLANTED",
    "POSITIONING",
    "POSITIVE",
    "REQUEST_ENDINGS",
    "STATEMENTS",
    "UNDECLARED",
    "VERDICTS",
]
