"""Pages: cases (``/cases``): open one from a comment, a theme, an alert or a figure, see it
tested with the quotes for and against, move it along, comment, and export its brief."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for

from server.answers import REPORT_CSP
from server.classify.taxonomy import current_attributes
from server.errors import Invalid
from server.params import whole_number
from server.people.accounts import editors
from server.request_db import get_db
from server.store.brands import list_brands
from server.store.comments import comments_by_ids
from server.tell.cases import (
    DIRECTIONS,
    FIGURE_NAMES,
    KINDS,
    STATES,
    add_comment,
    get_case,
    judge_case,
    list_cases,
    move,
    open_case,
    set_owner,
)
from server.tell.report import render_brief, render_pdf
from server.web import _who, bp, default_brand

PREFILL = ("brand", "kind", "attribute", "figure", "direction", "competitor", "theme", "channel", "from",
           "to", "before_from", "before_to", "claim", "owner")  # fmt: skip
ORIGINS = ("comment", "theme", "alert", "clip", "figure")


@bp.get("/cases")
def cases():
    """**Cases**: the claims being tested (in play by default; any state, or all), each with its verdict,
    state and owner. `/cases/new` (editors) opens one: the claim in plain words and the statement that
    tests it, chosen with a form (kind, attribute, figure, direction, competitor or theme, channel,
    periods); every comment on `/comments`, every theme on `/themes`, every alert on `/alerts` and every
    attribute on `/overview` links to it with its fields filled in and remembers where it came from.
    `/cases/<id>`: the verdict with the effect, its 95 % interval and sample size, the figures compared,
    whether they are corrected for the classifier's errors, the strongest quotes for and against with
    links to their sources, the history, and for editors "Test again now" (`/cases/<id>/test`), the state
    (`/cases/<id>/state`), the owner (`/cases/<id>/owner`) and comments (`/cases/<id>/comments`).
    `/cases/<id>/brief` is the case on one page to forward upwards (`?format=pdf` for the PDF)"""
    state = request.args.get("state") or "in play"
    found = list_cases(get_db(), state=None if state == "all" else state)
    return render_template("cases.html", cases=found, state=state, states=("in play", *STATES, "all"))


def _origin(args) -> dict:
    for what in ORIGINS:
        raw = (args.get(f"from_{what}") or "").strip()
        if raw:
            if what == "figure":
                return {"figure": raw[:200]}
            number = whole_number(raw)
            if number is None:
                raise Invalid(f"from_{what} must be a number, not {raw[:20]!r}")
            return {what: number}
    return {}


def _form(values: dict, error: str | None = None, status: int = 200):
    db = get_db()
    brands = list_brands(db, counts=False)
    origin = values.get("origin") or {}
    quote = None
    if origin.get("comment") or origin.get("clip"):
        found = comments_by_ids(db, [origin.get("comment") or origin.get("clip")])
        quote = found[0] if found else None
    themes = list(db.query("SELECT t.id, t.label, b.name AS brand FROM themes t JOIN brands b "
                           "ON b.id = t.brand_id WHERE t.status != 'gone' ORDER BY t.size DESC"))  # fmt: skip
    return render_template(
        "case_new.html", values=values, error=error, brands=brands, themes=themes, quote=quote,
        attributes=current_attributes(db), kinds=KINDS, directions=DIRECTIONS, figures=FIGURE_NAMES,
        default_brand=default_brand(brands),
    ), status  # fmt: skip


@bp.get("/cases/new")
def case_new():
    """(editors) Open a case: the claim in plain words and the statement that tests it; the form can come
    prefilled from a figure (`?attribute=&brand=&...`)."""
    values = {name: request.args.get(name, "") for name in PREFILL}
    values["origin"] = _origin(request.args)
    if values["origin"].get("theme") and not values["theme"]:
        values["theme"], values["kind"] = str(values["origin"]["theme"]), values["kind"] or "theme"
    return _form(values)


def _statement(form) -> dict:
    statement: dict = {"kind": form.get("kind") or "declared"}
    for name in ("attribute", "figure", "direction", "competitor", "channel", "from", "to", "before_from",
                 "before_to"):  # fmt: skip
        value = (form.get(name) or "").strip()
        if value:
            statement[name] = value
    if statement["kind"] != "competitor":
        statement.pop("competitor", None)
    if statement["kind"] == "theme":
        for name in ("attribute", "figure"):
            statement.pop(name, None)
        raw = (form.get("theme") or "").strip()
        if raw:
            number = whole_number(raw)
            if number is None:
                raise Invalid(f"theme must be a number, not {raw[:20]!r}")
            statement["theme"] = number
    if statement["kind"] != "change":
        statement.pop("before_from", None)
        statement.pop("before_to", None)
    return statement


@bp.post("/cases/new")
def case_open():
    form = request.form
    values = {name: form.get(name, "") for name in PREFILL}
    try:
        values["origin"] = _origin(form)
        body = {"claim": form.get("claim", ""), "statement": _statement(form),
                "brand": form.get("brand") or None, "owner": form.get("owner") or None,
                "origin": values["origin"] or None}  # fmt: skip
        case = open_case(get_db(), body, by=_who())
    except Invalid as exc:
        return _form(values, str(exc), 400)
    flash(f"Case {case['id']} opened and tested: {case['verdict']}.", "ok")
    return redirect(url_for("web.case_page", case_id=case["id"]), code=303)


@bp.get("/cases/<int:case_id>")
def case_page(case_id: int):
    """One case: its claim, verdict with the figures and the quotes for and against, its state and owner,
    and its history."""
    db = get_db()
    return render_template("case.html", case=get_case(db, case_id), editors=editors(db))


def _then(case_id: int, action, message) -> Response:
    """Do ``action()``; say ``message(result)`` (or the error) on the case's page."""
    try:
        done = action()
    except Invalid as exc:
        flash(str(exc), "error")
    else:
        flash(message(done), "ok")
    return redirect(url_for("web.case_page", case_id=case_id), code=303)


@bp.post("/cases/<int:case_id>/test")
def case_retest(case_id: int):
    return _then(case_id, lambda: judge_case(get_db(), case_id, by=_who()),
                 lambda case: f"Tested again: {case['verdict']}.")  # fmt: skip


@bp.post("/cases/<int:case_id>/state")
def case_state(case_id: int):
    form = request.form
    return _then(case_id, lambda: move(get_db(), case_id, form.get("state", ""), reason=form.get("reason"),
                                       by=_who()),
                 lambda case: f"The case is now {case['state']}.")  # fmt: skip


@bp.post("/cases/<int:case_id>/owner")
def case_owner(case_id: int):
    owner = request.form.get("owner") or None
    return _then(case_id, lambda: set_owner(get_db(), case_id, owner, by=_who()),
                 lambda case: f"Owner: {case['owner'] or 'nobody'}.")  # fmt: skip


@bp.post("/cases/<int:case_id>/comments")
def case_comment(case_id: int):
    text = request.form.get("text", "")
    return _then(
        case_id, lambda: add_comment(get_db(), case_id, text, by=_who()), lambda _case: "Comment added."
    )


@bp.get("/cases/<int:case_id>/brief")
def case_brief(case_id: int):
    """The case on one page, to forward upwards unchanged: HTML, or PDF with ``?format=pdf``."""
    fmt = request.args.get("format", "html")
    if fmt not in ("html", "pdf"):
        raise Invalid(f"format must be html or pdf, not {fmt[:20]!r}")
    case = get_case(get_db(), case_id)
    html = render_brief(case)
    stem = f"gapwatch-case-{case_id}"
    if fmt == "pdf":
        response = Response(render_pdf(html), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
    else:
        response = Response(html, mimetype="text/html")
        response.headers["Content-Disposition"] = f'inline; filename="{stem}.html"'
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response
