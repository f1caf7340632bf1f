"""Server-rendered pages. Views parse, call the same query functions as the API, render."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory

from ..brands import list_brands
from ..comments import CommentQuery, comment_counts, search_comments
from ..db import get_db
from ..errors import Invalid, NotFound
from ..perception import INTERVALS, Scope
from ..perception import overview as overview_of
from ..taxonomy import current_attributes

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")  # fmt: skip


@bp.get("/")
def home():
    db = get_db()
    return render_template(
        "home.html",
        brands=list_brands(db),
        counts=comment_counts(db),
        attributes=current_attributes(db),
    )


@bp.get("/comments")
def comments():
    db = get_db()
    args = {k: v for k, v in request.args.items() if v.strip()}
    error, result = None, None
    try:
        query = CommentQuery.from_args(args, default_per_page=current_app.config["PAGE_SIZE"])
        result = search_comments(db, query)
    except Invalid as exc:
        error = str(exc)
    return render_template(
        "comments.html",
        args=args,
        result=result,
        error=error,
        brands=list_brands(db),
        attributes=current_attributes(db),
    ), (400 if error else 200)


@bp.get("/overview")
def overview():
    db = get_db()
    brand = request.args.get("brand") or None
    error, data = None, None
    try:
        scope = Scope.from_args(request.args, request.args.getlist("channel"))
        data = overview_of(db, brand, scope)
    except (Invalid, NotFound) as exc:
        error = str(exc)
    return render_template("overview.html", data=data, error=error, brands=list_brands(db)), (
        400 if error else 200
    )


@bp.get("/trends")
def trends():
    db = get_db()
    brands = list_brands(db)
    ours = next((b["name"] for b in brands if b["is_ours"]), brands[0]["name"] if brands else None)
    args = {k: v for k, v in request.args.items() if v.strip()}
    error = None
    try:
        Scope.from_args(args)
        if args.get("interval", "month") not in INTERVALS:
            raise Invalid(f"interval must be one of {', '.join(INTERVALS)}")
    except Invalid as exc:
        error = str(exc)
    return render_template(
        "trends.html", brands=brands, brand=args.get("brand", ours), args=args, error=error,
        intervals=INTERVALS,
    ), (400 if error else 200)  # fmt: skip


@bp.get("/vendor/plotly.min.js")
def plotly_js():
    """plotly.js as the ``plotly`` package ships it: charts work offline, with no CDN."""
    folder = _plotly_folder()
    if folder is None:
        abort(404)
    return send_from_directory(folder, "plotly.min.js", max_age=86400)


def _plotly_folder() -> Path | None:
    try:
        import plotly
    except ImportError:
        return None
    folder = Path(plotly.__file__).parent / "package_data"
    return folder if (folder / "plotly.min.js").is_file() else None
