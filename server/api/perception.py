"""``/api/brands/<brand>/gap``, ``/api/brands/<brand>/trends``, ``/api/competitors``: the
perception figures, each with its interval and sample size (see ``server.perception``)."""

from flask import current_app, jsonify, request

from ..db import get_db
from ..languages import scored_languages
from ..perception import Scope, brand_gap, brand_trends, competitors, overview
from . import bp


def _scope() -> Scope:
    return Scope.from_args(request.args, request.args.getlist("channel"))


@bp.get("/brands/<brand>/gap")
def gap(brand: str):
    return jsonify(brand_gap(get_db(), brand, _scope()))


@bp.get("/brands/<brand>/overview")
def overview_view(brand: str):
    return jsonify(
        overview(
            get_db(),
            brand,
            _scope(),
            period=request.args.get("period") or None,
            scored=scored_languages(current_app.config["MODEL"]),
        )
    )


@bp.get("/brands/<brand>/trends")
def trends(brand: str):
    return jsonify(brand_trends(get_db(), brand, _scope(), request.args.get("interval") or "auto"))


@bp.get("/competitors")
def competitors_view():
    return jsonify(competitors(get_db(), _scope()))


@bp.get("/brands/<brand>/language")
def language(brand: str):
    """The language gap: phrases distinctive of the customers' comments and of the brand's content."""
    from ..language import language_gap

    scope = Scope.from_args(request.args)
    return jsonify(language_gap(get_db(), brand, start=scope.start, end=scope.end,
                                attribute=request.args.get("attribute") or None))  # fmt: skip


@bp.get("/brands/<brand>/report")
def report(brand: str):
    """The evidence pack: ``period`` (90d, 2026, 2026-Q3, 2026-09, a..b), ``format`` (json, html, pdf)."""
    from ..web.report import report_response

    return report_response(brand, request.args.get("period") or None, request.args.get("format", "json"))
