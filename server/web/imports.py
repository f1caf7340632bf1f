"""The Import page (``/import``): upload a CSV or JSON Lines file, match its columns to comment
fields, preview, then import it through the one ingestion path (``server.collect.files.import_file``),
with the same per-line report as ``gapwatch import``.

The upload waits in ``imports/`` beside the workspace's database between the steps, under a
random name, and is deleted once imported; uploads left for a day are deleted on the next visit.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app, render_template, request

from server.collect.files import FORMATS, guess_mapping, import_file, sniff
from server.collect.ingest import COMMENT_FIELDS
from server.errors import Invalid, NotFound
from server.request_db import get_db
from server.store.brands import list_brands
from server.web import bp

KEEP_SECONDS = 24 * 3600
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_UPLOAD = re.compile(r"^[A-Za-z0-9_-]{16,40}\.(csv|jsonl)$")
PREVIEW_ROWS = 5


def _folder() -> Path:
    folder = Path(current_app.config["DB"]).resolve().parent / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in folder.glob("*.*"):
        if now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    return folder


def _page(step: str, status: int = 200, **context):
    context.setdefault("error", None)
    return render_template("import.html", step=step, brands=list_brands(get_db(), counts=False),
                           fields=list(COMMENT_FIELDS), form=request.form, **context), status  # fmt: skip


def _preview(rows: list[dict], mapping: dict) -> list[dict]:
    return [{mapping[k]: v for k, v in row.items() if mapping.get(k)} for row in rows]


def _sample(found: dict) -> dict:
    return found["rows"][0] if found["rows"] else {}


@bp.get("/import")
def import_page():
    """(editors) **import a file in the browser**: upload a CSV (first line names the columns) or JSON Lines
    file; `POST /import` keeps it under a random name in `imports/` beside the database and shows its
    columns, each matched to a comment field by its name (`Review` → text, `Stars` → rating, `Date` →
    published_at, …; change any, or leave a column out) with a preview of the first lines as they will be
    read; `POST /import/<id>` (the upload's name) previews again (`action=preview`) or imports
    (`action=import`) through the one ingestion path, with the brand for lines that name none and whose
    words they are, and answers the same report as `gapwatch import`: new, duplicate and rejected counts and
    each rejected line's number and reason. The upload is deleted once imported; one left for a day is
    deleted on the next visit"""
    return _page("upload")


@bp.post("/import")
def import_upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page("upload", 400, error="Choose a CSV or JSON Lines file to import.")
    fmt = request.form.get("format") or _EXTENSIONS.get(Path(upload.filename).suffix.lower())
    if fmt not in FORMATS:
        return _page("upload", 400, error=f"Gapwatch cannot tell the format of {upload.filename[:80]!r}: "
                     "name it .csv or .jsonl, or choose the format.")  # fmt: skip
    name = f"{secrets.token_urlsafe(18)}.{fmt}"
    path = _folder() / name
    upload.save(path)
    try:
        found = sniff(path, fmt, PREVIEW_ROWS)
    except Invalid as exc:
        path.unlink(missing_ok=True)
        return _page("upload", 400, error=f"Nothing was imported: {exc}")
    mapping = guess_mapping(found["columns"])
    return _page("map", upload=name, filename=upload.filename, fmt=fmt, columns=found["columns"],
                 mapping=mapping, preview=_preview(found["rows"], mapping),
                 sample=_sample(found))  # fmt: skip


def _upload(name: str) -> tuple[Path, str]:
    if not _UPLOAD.match(name):
        raise NotFound("no such upload")
    path = _folder() / name
    if not path.is_file():
        raise NotFound(
            "this upload is no longer here (imported already, or older than a day): upload it again"
        )
    return path, name.rsplit(".", 1)[1]


@bp.post("/import/<name>")
def import_run(name: str):
    path, fmt = _upload(name)
    found = sniff(path, fmt, PREVIEW_ROWS)
    mapping = {}
    for i, column in enumerate(found["columns"]):
        chosen = request.form.get(f"column-{i}") or None
        if chosen is not None and chosen not in COMMENT_FIELDS:
            raise Invalid(f"{chosen[:40]!r} is not a comment field")
        mapping[column] = chosen
    context = {"upload": name, "filename": request.form.get("filename", name), "fmt": fmt,
               "columns": found["columns"], "mapping": mapping, "preview": _preview(found["rows"], mapping),
               "sample": _sample(found)}  # fmt: skip
    doubled = sorted({f for f in mapping.values() if f and list(mapping.values()).count(f) > 1})
    problem = None
    if "text" not in mapping.values():
        problem = "Match one column to text (the comment itself): nothing was imported."
    elif doubled:
        problem = f"Two columns are matched to {', '.join(doubled)}: choose one. Nothing was imported."
    if problem or request.form.get("action") != "import":
        return _page("map", 400 if problem else 200, error=problem, **context)
    brand = request.form.get("brand") or None
    kind = request.form.get("kind") or "customer"
    if kind not in ("customer", "emitted"):
        raise Invalid("kind must be customer or emitted")
    report = import_file(get_db(), path, brand=brand, kind=kind, fmt=fmt, mapping=mapping)
    path.unlink(missing_ok=True)
    return _page("report", report=report, **context)
