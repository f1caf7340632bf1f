"""Background work asked for: one table (``job_requests``) that the doors write to and the
scheduler drains (``server.jobs.scheduler``), whichever process runs it.

A page, the API or the CLI asks with ``ask`` ("crawl this source now", "find this brand's themes
again", "tag again now: the taxonomy changed"); the scheduler takes each kind's requests with
``take`` on its next sync (every few seconds) and runs them. One request per kind and subject
waits at a time: asking again before it is taken changes nothing. Before this table there were
three ways (a column of ``sources``, keys of ``meta``, and a wake-up that reached only the
scheduler of the process that asked, so a standby server's pages asked nobody).

Retraining keeps its own table (``training_runs``: each run has a state, progress and a result to
show), which the scheduler drains the same way.
"""

from __future__ import annotations

from sqlite_utils import Database

from server.errors import Invalid
from server.store.db import utcnow, write_transaction

KINDS = ("crawl", "themes", "classify")


def ask(db: Database, kind: str, subject: str = "", *, by: str | None = None) -> str:
    """Ask for ``kind`` of work on ``subject`` (a source id, a brand id, or nothing); answer when
    the request that waits was made (an earlier one, when one was already waiting)."""
    if kind not in KINDS:
        raise Invalid(f"a job request's kind is one of {', '.join(KINDS)}, not {kind!r}")
    with write_transaction(db):
        db.execute(
            "INSERT OR IGNORE INTO job_requests (kind, subject, requested_at, requested_by) "
            "VALUES (?, ?, ?, ?)",
            [kind, str(subject), utcnow(), by],
        )
    return waiting(db, kind, subject) or utcnow()


def take(db: Database, kind: str) -> list[str]:
    """The subjects of the waiting requests of ``kind``, oldest first, which are taken (gone).
    When none waits (most syncs) it only reads: no write lock every few seconds."""
    if db.execute("SELECT 1 FROM job_requests WHERE kind = ? LIMIT 1", [kind]).fetchone() is None:
        return []
    with write_transaction(db):
        subjects = [r[0] for r in db.execute(
            "SELECT subject FROM job_requests WHERE kind = ? ORDER BY id", [kind])]  # fmt: skip
        db.execute("DELETE FROM job_requests WHERE kind = ?", [kind])
    return subjects


def waiting(db: Database, kind: str, subject: str = "") -> str | None:
    """When the request for ``kind`` on ``subject`` that waits was made; None when none waits."""
    row = db.execute(
        "SELECT requested_at FROM job_requests WHERE kind = ? AND subject = ?", [kind, str(subject)]
    ).fetchone()
    return row[0] if row else None
