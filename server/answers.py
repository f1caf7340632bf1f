"""What the API and the pages answer alike, so that neither door imports the other: the evidence
pack as a response (HTML or PDF to download, or JSON), waking the scheduler for work asked for
now, and its classifier after the taxonomy changed."""

from __future__ import annotations

from flask import Response, current_app, jsonify, request

from server.errors import Invalid
from server.request_db import get_db
from server.store import job_requests
from server.tell.report import build, file_stem, render_html, render_pdf

REPORT_FORMATS = ("html", "pdf", "json")
# the report is one document with its own style and no script: it may use inline style only
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def report_response(brand: str | None, period: str | None, fmt: str) -> Response:
    """The report of ``brand`` for ``period`` as HTML, PDF (both as downloads) or JSON."""
    if fmt not in REPORT_FORMATS:
        raise Invalid(f"format must be one of {', '.join(REPORT_FORMATS)}, not {fmt[:20]!r}")
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


def wake_scheduler() -> None:
    """Work was just asked for (a crawl, themes, a retraining: ``server.store.job_requests``):
    when this process runs the scheduler, it takes the request at once, not at its next sync."""
    scheduler = current_app.extensions.get("gapwatch_scheduler")
    if scheduler is not None:
        scheduler.wake()


def wake_classifier() -> None:
    """Re-tag for the new taxonomy version now rather than at the next scheduled run: a job
    request that whichever process runs the scheduler takes on its next sync, and, when this
    process runs it, the classifier woken at once."""
    job_requests.ask(get_db(), "classify")
    scheduler = current_app.extensions.get("gapwatch_scheduler")
    if scheduler is not None:
        scheduler.wake_classifier()
