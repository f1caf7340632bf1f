"""The evidence pack over HTTP: ``/report`` (the page's button) and
``GET /api/brands/<brand>/report`` answer the same document (``server.tell.report``)."""

from __future__ import annotations

from flask import request

from server.answers import report_response
from server.web import bp, empty_state


@bp.get("/report")
@empty_state("Evidence pack")
def report():
    """the **evidence pack** (`?brand=&period=&format=html|pdf`), what the Overview's "Evidence pack for the
    board" form opens or downloads; the same document as `gapwatch report`"""
    return report_response(request.args.get("brand") or None, request.args.get("period") or None,
                           request.args.get("format", "html"))  # fmt: skip
