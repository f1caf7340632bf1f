"""Server-rendered pages. Views parse, call the same query functions as the API, render."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..brands import list_brands
from ..comments import CommentQuery, comment_counts, search_comments
from ..db import get_db
from ..errors import Invalid, NotFound
from ..perception import Scope
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
