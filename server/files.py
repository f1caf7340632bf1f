"""Comment files: import from CSV or JSON Lines (through ingestion), export with tags."""

from __future__ import annotations

import csv
import io
import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlite_utils import Database

from .comments import CommentQuery, iter_comments
from .errors import Invalid
from .ingest import COMMENT_FIELDS, Context, Unreadable, iter_ingest

FORMATS = ("csv", "jsonl")
_EXTENSIONS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}

EXPORT_COLUMNS = (
    "id", "brand", "kind", "origin", "channel", "url", "title", "author", "published_at",
    "collected_at", "language", "rating", "external_id", "duplicates", "text", "attributes",
    "sentiment", "model", "taxonomy_version", "corrected",
)  # fmt: skip


@dataclass
class ImportReport:
    counts: dict[str, int] = field(default_factory=lambda: {"new": 0, "duplicate": 0, "rejected": 0})
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, status: str, reason: str | None = None) -> None:
        self.counts[status] += 1
        if status == "rejected":
            self.rejected.append((line, reason or "rejected"))


def detect_format(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise Invalid(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        return fmt
    found = _EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise Invalid(f"cannot tell the format of {path.name!r}: name it .csv or .jsonl, or pass --format")
    return found


def _jsonl_records(stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield number, Unreadable("the line is not UTF-8 text")
            continue
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError as exc:
            yield number, Unreadable(f"not valid JSON ({exc})")


def _csv_records(stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"the file is not UTF-8 text ({exc}); nothing was imported") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    unknown = [name for name in header if name not in COMMENT_FIELDS]
    if unknown or "text" not in header:
        problem = f"unknown column(s) {', '.join(map(repr, unknown))}" if unknown else "no 'text' column"
        raise Invalid(f"{problem}; columns may be: {', '.join(COMMENT_FIELDS)}. Nothing was imported")
    start = 2
    for row in reader:
        if None in row:
            yield start, Unreadable("the row has more cells than the header")
        else:
            # an empty cell is a missing value, except text: an empty text is reported as such
            cells = {k: v for k, v in row.items() if v not in (None, "") or k == "text"}
            yield start, {k: _csv_value(k, v) for k, v in cells.items()}
        start = reader.line_num + 1


def _csv_value(name: str, value: str) -> Any:
    if name == "rating":
        try:
            return float(value)
        except ValueError:
            return value  # ingestion rejects it with the reason
    return value


def read_records(fmt: str, stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    return _csv_records(stream) if fmt == "csv" else _jsonl_records(stream)


def count_lines(path: str | Path) -> int:
    """Lines in a file (an upper bound on its records), for progress bars."""
    with Path(path).open("rb") as stream:
        return sum(block.count(b"\n") for block in iter(lambda: stream.read(1 << 20), b""))


def import_file(
    db: Database,
    path: str | Path,
    *,
    brand: str | None = None,
    kind: str = "customer",
    fmt: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import every line of ``path`` through ingestion; report outcomes with line numbers."""
    path = Path(path)
    fmt = detect_format(path, fmt)
    ctx = Context(origin="import", brand=brand, kind=kind)
    report = ImportReport()
    lines: deque[int] = deque()

    def items(records: Iterator[tuple[int, Any]]) -> Iterator[Any]:
        for line, item in records:
            lines.append(line)
            yield item

    with path.open("rb") as stream:
        for outcomes in iter_ingest(db, items(read_records(fmt, stream)), ctx):
            for outcome in outcomes:
                report.add(lines.popleft(), outcome.status, outcome.reason)
            if progress is not None:
                progress(len(outcomes))
    return report


def _export_row(comment: dict) -> dict:
    row = {k: comment.get(k) for k in EXPORT_COLUMNS}
    row["corrected"] = bool(comment["corrected"])
    return row


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(…)``) is kept as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_chunks(comments: Iterable[dict], columns: tuple[str, ...] = EXPORT_COLUMNS) -> Iterator[str]:
    """Comments (as ``iter_comments`` reads them) as CSV, a chunk of lines at a time: the one CSV
    writer of the
    evidence download and ``gapwatch export``.

    Meant for spreadsheets: cells that would start a formula are prefixed with ``'``."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for i, comment in enumerate(comments, 1):
        row = {**_export_row(comment), "confidence": comment.get("confidence")}
        row["attributes"] = ";".join(row["attributes"])
        writer.writerow({k: _spreadsheet_safe(v) for k, v in row.items()})
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def evidence_csv(db: Database, query: CommentQuery) -> Iterator[str]:
    """The evidence list's download: the export's columns and each comment's confidence."""
    return csv_chunks(iter_comments(db, query), (*EXPORT_COLUMNS, "confidence"))


def export_comments(db: Database, out: IO[str], query: CommentQuery, fmt: str = "jsonl") -> int:
    """Write every comment matching ``query`` with its tags to ``out``; answer how many."""
    if fmt not in FORMATS:
        raise Invalid(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    count = 0

    def counted() -> Iterator[dict]:
        nonlocal count
        for comment in iter_comments(db, query):
            count += 1
            yield comment

    if fmt == "csv":
        for chunk in csv_chunks(counted()):
            out.write(chunk)
    else:
        for comment in counted():
            out.write(json.dumps(_export_row(comment), ensure_ascii=False) + "\n")
    return count
