"""``GET /api/health``: is the service up, and is its store readable and current."""

from flask import current_app, jsonify

from .. import __version__, migrations
from ..comments import comment_counts
from ..db import get_db
from ..scheduler import heartbeat
from . import bp


def _scheduler_state() -> str:
    """'active' (this process runs the schedules), 'standby' (another one does) or 'off'."""
    scheduler = current_app.extensions.get("gapwatch_scheduler")
    if scheduler is None:
        return "off"
    return "active" if scheduler.active else "standby"


@bp.get("/health")
def health():
    db = get_db()
    pending = sorted(set(migrations.names()) - set(migrations.applied(db)))
    body = {
        "status": "ok" if not pending else "degraded",
        "service": "gapwatch",
        "version": __version__,
        "schema": {"applied": len(migrations.names()) - len(pending), "pending": pending},
        **comment_counts(db),
        "scheduler": {"here": _scheduler_state(), "heartbeat": heartbeat(db)},
    }
    return jsonify(body), 200 if not pending else 503
