"""Pages: the review queue (``/review``, driven by the keyboard) and "How sure are we?"
(``/audit``), over ``server.audit``."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ..audit import QUEUES, audit, draw_sample, draw_uncertain, label_item, next_item, progress
from ..db import get_db
from ..errors import Conflict, Invalid
from ..taxonomy import current_attributes
from . import _who, bp


def _queue() -> str:
    queue = request.values.get("queue") or "random"
    if queue not in QUEUES:
        raise Invalid(f"queue must be one of {', '.join(QUEUES)}, not {queue[:40]!r}")
    return queue


@bp.get("/review")
def review():
    db = get_db()
    queue = _queue()
    return render_template("review.html", item=next_item(db, queue), queue=queue, queues=progress(db),
                           attributes=current_attributes(db))  # fmt: skip


@bp.post("/review/<int:item_id>")
def review_label(item_id: int):
    db = get_db()
    queue = _queue()
    action = request.form.get("action", "")
    attributes = request.form.getlist("attribute") if action == "fix" else None
    sentiment = (request.form.get("sentiment") or None) if action == "fix" else None
    try:
        label_item(db, item_id, action, attributes=attributes, sentiment=sentiment, by=_who())
    except (Invalid, Conflict) as exc:
        flash(f"Not saved: {exc}", "error")
    else:
        flash({"accept": "Accepted.", "fix": "Fixed.", "skip": "Skipped."}[action], "ok")
    return redirect(url_for("web.review", queue=queue), code=303)


@bp.post("/review/draw")
def review_draw():
    db = get_db()
    queue = _queue()
    if queue == "random":
        drawn = draw_sample(db)["drawn"]
        flash(f"Drew {drawn} comments at random, stratified by brand and attribute.", "ok")
    else:
        drawn = draw_uncertain(db)["drawn"]
        flash(f"Queued the {drawn} comments the model is least sure of.", "ok")
    return redirect(url_for("web.review", queue=queue), code=303)


@bp.get("/audit")
def audit_page():
    db = get_db()
    return render_template("audit.html", result=audit(db))
