"""Server-rendered pages. Views parse, call the same query functions as the API, render."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)  # fmt: skip

from server.access import current
from server.classify.corrections import SENTIMENTS, correct, remove_correction
from server.classify.languages import scored_languages
from server.classify.taxonomy import current_attributes
from server.errors import Invalid, NotFound
from server.measure.perception import INTERVALS, PERIODS, Scope
from server.measure.perception import competitors as competitors_of
from server.measure.perception import overview as overview_of
from server.measure.rollups import channels
from server.params import whole_number
from server.request_db import get_db
from server.store.brands import list_brands, our_brand
from server.store.comments import SORTS, CommentQuery, comment_counts, search_comments
from server.tell.enemies import list_enemies
from server.web.security import check_csrf

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")  # fmt: skip
bp.before_request(check_csrf)


@bp.app_context_processor
def _languages() -> dict:
    """Whether a comment's language is one the model reads, and language names, for the pages."""
    from server.classify.languages import is_scored, name

    scored = scored_languages(current_app.config["MODEL"])
    return {"is_scored": lambda code: is_scored(code, scored), "language_name": name}


def _evidence_args(data: dict | None) -> dict:
    """The evidence list's filters for a figure's scope (brand, customers, period, channel)."""
    if not data:
        return {}
    scope = data["scope"]
    args = {"brand": data["brand"], "kind": "customer", "from": scope["from"], "to": scope["to"]}
    if len(scope["channels"]) == 1:
        args["channel"] = scope["channels"][0]
    return {k: v for k, v in args.items() if v}


def default_brand(brands: list[dict]) -> str | None:
    """The brand a page shows unless asked for another: ours, else the first."""
    return next((b["name"] for b in brands if b["is_ours"]), brands[0]["name"] if brands else None)


def render_or_400(template: str, error: str | None, **context):
    """A page that says what was wrong with its request: the template with ``error`` shown, and
    400 when there is one (the pages' one way to answer a bad filter or period)."""
    return render_template(template, error=error, **context), (400 if error else 200)


def _who() -> str:
    """Who makes a change from a page, for the record."""
    who = current()
    return who.username if who else "web"


def flashed(message: str, category: str = "ok", *, to: str):
    """Say ``message`` on the page ``to`` (an endpoint), after a form's POST (redirect, then GET)."""
    flash(message, category)
    return redirect(url_for(to), code=303)


def _safe_target(target: str, default: str) -> str:
    """``target`` if it is a path on this site, else ``default`` (never another site)."""
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return default  # CR/LF would split the Location header: a 500 after a good login
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or parts.scheme
        or parts.netloc
    ):
        return default
    return target


def _back(default: str) -> str:
    """Where a form returns to: the page it came from (same site only)."""
    return _safe_target(request.form.get("next", ""), default)


@bp.get("/")
def home():
    """the workspace: brands, their roles and positioning statements, the attribute vocabulary"""
    db = get_db()
    if _set_up_first(db):
        return redirect(url_for("web.setup"), code=303)
    return render_template(
        "home.html",
        brands=list_brands(db),
        counts=comment_counts(db),
        attributes=current_attributes(db),
    )


def empty_state(title: str, *, comments: bool = True, to_setup: bool = False):
    """A page that has nothing to show in an empty workspace says what to do next instead: with
    no brand of our own, set the workspace up; with ``comments`` and no customer comment yet,
    add a source or import a file (editors get the links, others who to ask). ``to_setup``: an
    editor who opens this page of a workspace with no brand is taken to the setup."""

    def wrap(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            db = get_db()
            if our_brand(db) is None:
                state = "brand"
            elif (
                comments
                and db.execute("SELECT 1 FROM comments WHERE kind = 'customer' LIMIT 1").fetchone() is None
            ):
                state = "comments"
            else:
                return view(*args, **kwargs)
            who = current()
            if to_setup and state == "brand" and who is not None and who.may("write"):
                return redirect(url_for("web.setup"), code=303)
            return render_template(
                "empty.html", title=title, state=state, editor=bool(who and who.may("write"))
            )

        return guarded

    return wrap


def _set_up_first(db) -> bool:
    """An empty workspace sends whoever may set it up to the setup."""
    who = current()
    return our_brand(db) is None and who is not None and who.may("write")


@bp.get("/comments")
@empty_state("Evidence", comments=False)  # with comments to come, its empty list says what next
def comments():
    """**Evidence**: the comments behind any figure (bars, points and cells link here with their filters):
    text, source, date, link to the original, attributes, sentiment, confidence; full-text search, brand,
    attribute, kind, channel and date filters; newest, oldest, most or least confident first; "Download
    CSV". Each comment has a **Correct** form (attributes, each with its own sentiment if it differs from
    the comment's, and the comment's sentiment) that saves in place (same function as `PUT
    /api/comments/<id>/correction`); a corrected comment links to `/comments/<id>/similar`: the comments
    most like it, ticked, with their current tags, and one button that gives the ticked ones the same
    correction (same functions as `GET`/`POST /api/comments/<id>/similar`)"""
    db = get_db()
    args = {k: v for k, v in request.args.items() if v.strip()}
    error, result = None, None
    try:
        query = CommentQuery.from_args(args, default_per_page=current_app.config["PAGE_SIZE"])
        result = search_comments(db, query)
    except Invalid as exc:
        error = str(exc)
    return render_or_400(
        "comments.html",
        error,
        args=args,
        result=result,
        brands=list_brands(db, counts=False),
        attributes=current_attributes(db),
        channels=channels(db),
        sorts=SORTS,
        sentiments=SENTIMENTS,
        here=request.full_path,
        theme=_theme_filter(db, args),
    )


def _theme_filter(db, args: dict) -> dict | None:
    """The theme the evidence list is narrowed to, with the address of the list without it."""
    from server.classify.themes import get_theme

    try:
        theme_id = whole_number(args.get("theme"))
    except Invalid:
        return None  # the list says why (CommentQuery refused it)
    if theme_id is None:
        return None
    try:
        theme = get_theme(db, theme_id)
    except NotFound:
        return None
    rest = {k: v for k, v in args.items() if k != "theme"}
    return {"id": theme["id"], "label": theme["label"], "without": url_for("web.comments", **rest)}


@bp.post("/comments/<int:comment_id>/correction")
def correct_comment(comment_id: int):
    """The evidence list's in-place correction: attributes (checkboxes) and sentiment."""
    db = get_db()
    back = _back(url_for("web.comments"))
    try:
        if request.form.get("action") == "undo":
            remove_correction(db, comment_id)
            flash(f"Comment {comment_id}: back to the model's tags.", "ok")
        else:
            sentiment = request.form.get("sentiment") or None
            chosen = request.form.getlist("attribute")
            feelings = {a: f for a in chosen if (f := request.form.get(f"sentiment:{a}"))}
            correct(db, comment_id, attributes=chosen, sentiment=sentiment,
                    attribute_sentiment=feelings or None, by=_who())  # fmt: skip
            flash(f"Comment {comment_id} corrected; the figures and the next training use it.", "ok")
    except (Invalid, NotFound) as exc:
        flash(f"Comment {comment_id} was not corrected: {exc}", "error")
    return redirect(f"{back}#comment-{comment_id}", code=303)


@bp.get("/overview")
@empty_state("Overview", to_setup=True)
def overview():  # with no brand of our own, empty_state answers (editors: to the setup)
    """for our brand (or `?brand=`), for a period chosen with the presets (30 / 90 / 365 days, quarter to
    date, year over year) or dates, by default the shortest that gives the attributes their figures (the
    page says which and why): the perception gap score with its 95 % interval and its change since the
    previous period, the gap in one sentence, the gap corrected for the classifier's errors (or why not
    yet, with a link to `/audit`), drift notices, and per attribute declared weight vs perceived share
    (bars), the corrected share, emitted share and net sentiment, each with a link to the quotes behind
    it (same function as `GET /api/brands/<id>/overview`)"""
    db = get_db()
    brand = request.args.get("brand") or None
    error, data = None, None
    try:
        scope = Scope.from_args(request.args, request.args.getlist("channel"))
        period = request.args.get("period") or None
        if period and (scope.start or scope.end):
            raise Invalid("choose either a named period or dates, not both")
        data = overview_of(
            db, brand, scope, period=period, scored=scored_languages(current_app.config["MODEL"])
        )
    except (Invalid, NotFound) as exc:
        error = str(exc)
    return render_or_400(
        "overview.html",
        error,
        data=data,
        periods=PERIODS,
        brands=list_brands(db, counts=False),
        channels=channels(db),
        evidence=_evidence_args(data),
        enemies=[e for e in list_enemies(db) if data is None or e["brand"] == data["brand"]],
    )


@bp.get("/competitors")
@empty_state("Competitors")
def competitors():
    """attributes × brands: each brand's ownership of the attribute (its mention rate over the sum of the
    brands' mention rates, as a bar), its mention rate, its share of voice (shown apart: it follows how much
    was collected), perceived share and net sentiment, with intervals; ★ marks the brand that leads: its
    ownership interval lies above every other brand's (none where they overlap). Every bar and cell opens
    its quotes"""
    db = get_db()
    error, data = None, None
    try:
        scope = Scope.from_args(request.args, request.args.getlist("channel"))
        data = competitors_of(db, scope)
    except Invalid as exc:
        error = str(exc)
    return render_or_400(
        "competitors.html", error, data=data,
        channels=channels(db), args=request.args,
        scope_args={k: v for k, v in (data["scope"] if data else {}).items() if k in ("from", "to") and v},
    )  # fmt: skip


@bp.get("/language")
@empty_state("Their words / your words")
def language():
    """**Their words / your words**: for a brand (and optionally customers speaking of one attribute, and a
    period), the phrases customers use that the brand's content does not, and the reverse, each with its
    z-score as a bar and its counts; a phrase opens the comments that contain it"""
    from server.measure.language_gap import language_gap

    db = get_db()
    brands = list_brands(db, counts=False)
    ours = default_brand(brands)
    args = {k: v for k, v in request.args.items() if v.strip()}
    error, data = None, None
    try:
        scope = Scope.from_args(args)
        if ours is not None:
            data = language_gap(db, args.get("brand", ours), start=scope.start, end=scope.end,
                                attribute=args.get("attribute"))  # fmt: skip
    except (Invalid, NotFound) as exc:
        error = str(exc)
    top = max([abs(p["z"]) for p in (data["customers"] + data["brand_words"])] or [1]) if data else 1
    return render_or_400(
        "language.html", error, data=data, brands=brands, args=args, top=top,
        attributes=current_attributes(db),
    )  # fmt: skip


@bp.get("/trends")
@empty_state("Trends")
def trends():
    """the gap score over time first, then small multiples: one panel per attribute on one scale with its
    perceived share, its 95 % interval as a band and the declared weight dashed, ordered by gap (furthest
    from the declaration first), and the same panels for net sentiment; one point per month, or per quarter
    when months are too thin (`interval=auto`, the default; `week`, `month`, `quarter` on request); brand,
    period and interval filters; clicking a point opens that period's quotes for that attribute. Shares and
    the gap score are corrected for the classifier's errors where the audit allows it (`figures=corrected`,
    the default; `figures=tagged` shows them as tagged); a line above the charts says which, with a link to
    `/audit`. Drawn with plotly.js from `GET /api/brands/<id>/trends`"""
    db = get_db()
    brands = list_brands(db, counts=False)
    ours = default_brand(brands)
    args = {k: v for k, v in request.args.items() if v.strip()}
    error = None
    try:
        Scope.from_args(args)
        if args.get("interval", "auto") not in (*INTERVALS, "auto"):
            raise Invalid(f"interval must be one of {', '.join(INTERVALS)} or auto")
    except Invalid as exc:
        error = str(exc)
    return render_or_400(
        "trends.html", error, brands=brands, brand=args.get("brand", ours), args=args,
        intervals=INTERVALS, channels=channels(db),
    )  # fmt: skip


# their routes register on the blueprint
from server.web import (  # noqa: E402,F401
    account,
    admin,
    alerts,
    cases,
    demo_site,
    enemies,
    imports,
    notifications,
    report,
    review,
    setup,
    similar,
    sources,
    themes,
    vendor,
    vocabulary,
)
