"""The one place that changes the schema: numbered migrations, applied in order, each once.

Add a migration as a module ``m000N_what_it_does.py`` holding one function of that name,
decorated with ``@migration``, and import it last below; never edit one that has shipped.
``apply`` is safe to call on every start: applied migrations are recorded in
``_sqlite_migrations`` and skipped.
"""

from __future__ import annotations

from sqlite_utils import Database

# imported in order: each registers itself as the next migration
from server.store.migrations import (  # noqa: F401
    m0001_core,
    m0002_comments_fts,
    m0003_api_tokens,
    m0004_crawl_runs_detail,
    m0005_comments_collected_by,
    m0006_pattern_counts,
    m0007_positioning_versions,
    m0008_accounts,
    m0009_themes,
    m0010_review,
    m0011_audit_snapshots,
    m0012_alerts,
    m0013_sessions,
    m0014_languages,
    m0015_training_runs,
    m0016_correction_attribute_sentiment,
    m0017_notify_channels,
    m0018_person_notify,
    m0019_crawl_run_queue,
    m0020_cases,
    m0021_shared_enemies,
    m0022_job_requests,
)
from server.store.migrations.registry import _NAMES, MIGRATIONS


def apply(db: Database, *, stop_before: str | None = None) -> None:
    MIGRATIONS.apply(db, stop_before=stop_before)


def names() -> list[str]:
    return list(_NAMES)


def applied(db: Database) -> list[str]:
    return [m.name for m in MIGRATIONS.applied(db)]
