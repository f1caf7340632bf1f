"""The evidence pack over HTTP: ``/report`` (the page's button) and
``GET /api/brands/<brand>/report`` answer the same document (``server.report``)."""

from __future__ import annotations

from flask import Response, jsonify, request

from ..errors import Invalid
from ..report import build, file_stem, render_html, render_pdf
from ..request_db import get_db
from . import bp, empty_state

FORMATS = ("html", "pdf", "json")
# the report is one document with its own style and no script: it may use inline style only
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def report_response(brand: str | None, period: str | None, fmt: str) -> Response:
    """The report of ``brand`` for ``period`` as HTML, PDF (both as downloads) or JSON."""
    if fmt not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}, not {fmt[:20]!r}")
    data = build(get_db(), brand, period)
    if fmt == "json":
        return jsonify(data)
    html = render_html(data)
    stem = file_stem(data)
    if fmt == "pdf":
        response = Response(render_pdf(html), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{stem}.pdf"'
    else:
        response = Response(html, mimetype="text/html")
        disposition = "attachment" if request.args.get("download") == "1" else "inline"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{stem}.html"'
    response.headers["Content-Security-Policy"] = REPORT_CSP
    return response


@bp.get("/report")
@empty_state("Evidence pack")
def report():
    """the **evidence pack** (`?brand=&period=&format=html|pdf`), what the Overview's "Evidence pack for the
    board" form opens or downloads; the same document as `gapwatch report`"""
    return report_response(request.args.get("brand") or None, request.args.get("period") or None,
                           request.args.get("format", "html"))  # fmt: skip
