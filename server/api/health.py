"""``GET /api/health``: is the service up, and is its store readable and current."""

from flask import current_app, jsonify

from server.api import bp
from server.jobs.scheduler import heartbeat, state_here
from server.request_db import get_db
from server.store import migrations
from server.store.comments import comment_counts
from server.version import __version__


@bp.get("/health")
def health():
    """`{"status": "ok", "version", "schema": {"applied", "pending"}, "comments", "duplicates_seen",
    "tagged", "scheduler": {"here": "active"|"standby"|"off", "heartbeat"}}`; 503 when migrations are
    pending"""
    db = get_db()
    pending = sorted(set(migrations.names()) - set(migrations.applied(db)))
    body = {
        "status": "ok" if not pending else "degraded",
        "service": "gapwatch",
        "version": __version__,
        "schema": {"applied": len(migrations.names()) - len(pending), "pending": pending},
        **comment_counts(db),
        "scheduler": {"here": state_here(current_app), "heartbeat": heartbeat(db)},
    }
    return jsonify(body), 200 if not pending else 503
