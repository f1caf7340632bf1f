"""The alert list: reading alerts and marking them read."""

from __future__ import annotations

import json

from sqlite_utils import Database

from server.errors import NotFound
from server.store.db import utcnow, write_transaction

# --- the alert list --------------------------------------------------------------------------------


def _alert_row(row: dict) -> dict:
    return {**row, "figures": json.loads(row["figures"]), "deliveries": json.loads(row["deliveries"] or "{}"),
            "read": row["read_at"] is not None}  # fmt: skip


def get_alert(db: Database, alert_id: int) -> dict:
    rows = list(db.query("SELECT a.*, b.name AS brand FROM alerts a JOIN brands b ON b.id = a.brand_id "
                         "WHERE a.id = ?", [alert_id]))  # fmt: skip
    if not rows:
        raise NotFound(f"no alert {alert_id}")
    return _alert_row(rows[0])


def list_alerts(db: Database, *, unread: bool = False, brand: str | None = None, since: str | None = None,
                limit: int = 100, offset: int = 0) -> dict:  # fmt: skip
    """Newest first (raised at or after ``since``, an ISO time, when given), with the number unread."""
    where, args = [], []
    if unread:
        where.append("a.read_at IS NULL")
    if brand:
        where.append("b.name = ?")
        args.append(brand)
    if since:
        where.append("a.created_at >= ?")
        args.append(since)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = db.query(f"SELECT a.*, b.name AS brand FROM alerts a JOIN brands b ON b.id = a.brand_id{clause} "
                    "ORDER BY a.id DESC LIMIT ? OFFSET ?", [*args, limit, offset])  # fmt: skip
    total = db.execute(f"SELECT count(*) FROM alerts a JOIN brands b ON b.id = a.brand_id{clause}", args)
    total = total.fetchone()
    return {"alerts": [_alert_row(r) for r in rows], "total": total[0], "unread": unread_count(db)}


def unread_count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM alerts WHERE read_at IS NULL").fetchone()[0]


def mark_read(db: Database, alert_id: int | None = None, *, read: bool = True, by: str | None = None) -> int:
    """Mark one alert (or, without ``alert_id``, every unread one) read or unread; answer how many."""
    if alert_id is not None:
        get_alert(db, alert_id)
    with write_transaction(db):
        if alert_id is None:
            cursor = db.execute(
                "UPDATE alerts SET read_at = ?, read_by = ? WHERE read_at IS NULL", [utcnow(), by]
            )
        elif read:
            cursor = db.execute("UPDATE alerts SET read_at = coalesce(read_at, ?), "
                                "read_by = coalesce(read_by, ?) WHERE id = ?",
                                [utcnow(), by, alert_id])  # fmt: skip
        else:
            cursor = db.execute("UPDATE alerts SET read_at = NULL, read_by = NULL WHERE id = ?", [alert_id])
    return cursor.rowcount
