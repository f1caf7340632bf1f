"""Pages: the review queue (``/review``, driven by the keyboard) and "How sure are we?"
(``/audit``), over ``server.measure.audit``."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from server.answers import wake_scheduler
from server.classify.review import QUEUES, draw_sample, draw_uncertain, label_item, next_item, progress
from server.classify.taxonomy import current_attributes
from server.errors import Conflict, Invalid, NotFound
from server.jobs import training
from server.jobs.scheduler import heartbeat, state_here
from server.measure.audit import audit
from server.request_db import get_db
from server.web import _who, bp, empty_state


def _queue() -> str:
    queue = request.values.get("queue") or "random"
    if queue not in QUEUES:
        raise Invalid(f"queue must be one of {', '.join(QUEUES)}, not {queue[:40]!r}")
    return queue


@bp.get("/review")
@empty_state("Review")
def review():
    """the **review queue**, one comment at a time by keyboard: `1`–`9` tick attributes, `p`/`u`/`n` the
    sentiment, `a` accept, `f` save the fix, `s` skip (`?queue=uncertain` for the least certain comments).
    The forms post to `/review/<id>`; `/review/draw` draws a new sample when the queue is empty"""
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
@empty_state("How sure are we?")
def audit_page():
    """**How sure are we?** per attribute: when Gapwatch says a comment is about it, how often it is right
    (precision), how many of the comments about it it finds (recall), F1, each with its 95 % interval and
    sample size, and sentiment accuracy, in plain words; what the sentiment learned from the workspace's
    star ratings; and **Retrain now** (editors): `POST /audit/retrain` queues a retraining, the page shows
    its progress, then the new model's audit next to the current one's, with `POST
    /audit/retrain/<id>/activate` and `/audit/retrain/<id>/discard` to decide"""
    db = get_db()
    latest = training.latest(db)
    return render_template("audit.html", result=audit(db), training=latest, learnable=training.learnable(db),
                           min_corrections=training.MIN_CORRECTIONS)  # fmt: skip


@bp.post("/audit/retrain")
def audit_retrain():
    db = get_db()
    try:
        run = training.request(db, _who())
    except (Invalid, Conflict) as exc:
        flash(f"Not started: {exc}.", "error")
        return redirect(url_for("web.audit_page") + "#retrain", code=303)
    wake_scheduler()
    if state_here(current_app) == "off" and heartbeat(db) is None:
        flash(f"Retraining {run['id']} is queued, but no scheduler is running: start `gapwatch serve` "
              "with the scheduler on.", "error")  # fmt: skip
    else:
        flash(f"Retraining {run['id']} is queued; it starts within seconds. This page shows its progress.",
              "ok")  # fmt: skip
    return redirect(url_for("web.audit_page") + "#retrain", code=303)


@bp.post("/audit/retrain/<int:run_id>/activate", defaults={"decision": "activate"})
@bp.post("/audit/retrain/<int:run_id>/discard", defaults={"decision": "discard"})
def audit_retrain_decide(run_id: int, decision: str):
    db = get_db()
    try:
        if decision == "activate":
            training.activate(db, current_app.config["DB"], run_id, _who())
            flash(f"The model of retraining {run_id} is now active; comments are being tagged again.", "ok")
        else:
            training.discard(db, run_id, _who())
            flash(f"The model of retraining {run_id} was discarded; the current model keeps tagging.", "ok")
    except (Invalid, Conflict, NotFound) as exc:
        flash(f"Not done: {exc}.", "error")
    return redirect(url_for("web.audit_page") + "#retrain", code=303)
