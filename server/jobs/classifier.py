"""The jobs the scheduler and the CLI run, above the rooms they use.

``classify_pending`` is the classifier job: tag what is pending (``server.classify.tagging``), then bring
the figures' pre-aggregated counts up to date now, not on the next page view
(``server.measure.rollups``), and record the audit of the tags as they are before re-tagging and after
every run, also when nothing was pending, so that labels saved in the review queue count
(``server.measure.drift``, which tells whether the classifier drifts; it keeps a snapshot only when
the labels or the tags changed). Tagging itself writes what it decides (each comment's
language, the ratings adaptation, the tags), and no page writes these.
"""

from __future__ import annotations

from sqlite_utils import Database

from server.classify.tagging import ClassifyReport, tag_pending
from server.measure.drift import record_audit
from server.measure.rollups import refresh


def classify_pending(db: Database, **options) -> ClassifyReport:
    """Tag what is pending and update what the figures read; the options are ``tag_pending``'s
    (``batch_size``, ``limit``, ``options``, ``progress``, ``adapt``, ``adapted``, ``stop``)."""
    report = tag_pending(db, before=record_audit, **options)  # the audit before re-tagging changes it
    if report.tagged:
        refresh(db)
    record_audit(db)
    return report
