"""Pages: the alert list with its history and read state, and the rules (``/alerts``)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from server.errors import Invalid
from server.params import MAX_PAGE, whole_number
from server.request_db import get_db
from server.tell.alerts import KINDS, evaluate, list_alerts, list_rules, mark_read, unread_count, update_rule
from server.tell.notify import channels, deliver
from server.web import _safe_target, _who, bp

PER_PAGE = 50


@bp.app_context_processor
def _alerts_badge() -> dict:
    return {"unread_alerts": lambda: unread_count(get_db())}


@bp.get("/alerts")
def alerts():
    """**Alerts**: newest first with the figures, a link to the evidence and how each was delivered; unread
    ones marked (the menu shows how many), "Mark read"/"Mark unread" (`/alerts/<id>/read`), "Mark all read"
    (`/alerts/read-all`), "Show unread only"; editors "Check now" (`/alerts/check`) and edit each rule's
    parameters and on/off (`/alerts/rules/<id>`)"""
    db = get_db()
    unread = request.args.get("unread") == "1"
    page = whole_number(request.args.get("page")) or 1
    if page > MAX_PAGE:
        raise Invalid(f"page is at most {MAX_PAGE}")
    found = list_alerts(db, unread=unread, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template(
        "alerts.html", found=found, unread=unread, page=page, pages=max(1, -(-found["total"] // PER_PAGE)),
        rules=list_rules(db), kinds=KINDS, channels=channels(current_app.config),
    )  # fmt: skip


@bp.post("/alerts/<int:alert_id>/read")
def alert_read(alert_id: int):
    read = request.form.get("read", "1") != "0"
    mark_read(get_db(), alert_id, read=read, by=_who())
    return redirect(_safe_target(request.form.get("next", ""), url_for("web.alerts")), code=303)


@bp.post("/alerts/read-all")
def alerts_read_all():
    marked = mark_read(get_db(), by=_who())
    flash(f"Marked {marked} alert{'s' if marked != 1 else ''} read.", "ok")
    return redirect(url_for("web.alerts"), code=303)


@bp.post("/alerts/check")
def alerts_check():
    db = get_db()
    raised = evaluate(db)
    deliver(db, current_app.config)
    flash(f"Checked the rules: {len(raised)} new alert{'s' if len(raised) != 1 else ''}.", "ok")
    return redirect(url_for("web.alerts"), code=303)


@bp.post("/alerts/rules/<int:rule_id>")
def alert_rule(rule_id: int):
    form = request.form
    params = {}
    try:
        for name, raw in form.items():
            if name.startswith("param-"):
                param = name.removeprefix("param-")
                try:
                    params[param] = float(raw)
                except ValueError:
                    raise Invalid(f"{param} must be a number, not {raw[:40]!r}") from None
        rule = update_rule(get_db(), rule_id, enabled=form.get("enabled") == "1", params=params or None,
                           by=_who())  # fmt: skip
    except Invalid as exc:
        flash(str(exc), "error")
    else:
        state = "on" if rule["enabled"] else "off"
        flash(f"Saved the rule '{rule['kind']}' of {rule['brand']} ({state}).", "ok")
    return redirect(url_for("web.alerts") + "#rules", code=303)
