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

from server.collect.ingest import COMMENT_FIELDS, Context, Unreadable, iter_ingest
from server.errors import Invalid
from server.store.comments import CommentQuery, iter_comments

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


Mapping = dict[str, str | None]  # a file's column (or JSON key) -> a comment field, None: left out


def _mapped(record: Any, mapping: Mapping | None) -> Any:
    if mapping is None or not isinstance(record, dict):
        return record
    out = {}
    for key, value in record.items():
        target = mapping.get(key, key)
        if target:
            out[target] = value
    return out


def _jsonl_records(stream: IO[bytes], mapping: Mapping | None = None) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            yield number, Unreadable("the line is not UTF-8 text")
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            yield number, Unreadable(f"not valid JSON ({exc})")
            continue
        yield number, _mapped(record, mapping)


def _csv_records(stream: IO[bytes], mapping: Mapping | None = None) -> Iterator[tuple[int, Any]]:
    reader = _csv_reader(stream)
    if mapping is not None:
        reader.fieldnames = [mapping.get(name, name) or "" for name in reader.fieldnames or []]
    header = [name for name in reader.fieldnames or [] if name]
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
            cells = {k: v for k, v in row.items() if k and (v not in (None, "") or k == "text")}
            yield start, {k: _csv_value(k, v) for k, v in cells.items()}
        start = reader.line_num + 1


def _csv_value(name: str, value: str) -> Any:
    if name == "rating":
        try:
            return float(value)
        except ValueError:
            return value  # ingestion rejects it with the reason
    return value


def _csv_reader(stream: IO[bytes]) -> csv.DictReader:
    try:
        text = stream.read().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(f"the file is not UTF-8 text ({exc}); nothing was imported") from None
    return csv.DictReader(io.StringIO(text, newline=""))


def read_records(fmt: str, stream: IO[bytes], mapping: Mapping | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, record) of each line; ``mapping`` renames the file's columns to comment
    fields first (a column mapped to None is left out)."""
    return _csv_records(stream, mapping) if fmt == "csv" else _jsonl_records(stream, mapping)


_GUESSES = {  # words in a column's name -> the comment field it probably holds
    "text": ("text", "review", "comment", "body", "content", "message", "feedback", "opinion"),
    "title": ("title", "headline", "subject", "summary"),
    "author": ("author", "user", "name", "reviewer", "customer", "by"),
    "published_at": ("published", "date", "time", "created", "posted", "when"),
    "rating": ("rating", "stars", "score"),
    "url": ("url", "link", "permalink", "address"),
    "external_id": ("external_id", "id", "review_id", "identifier"),
    "channel": ("channel", "source", "site", "platform"),
    "language": ("language", "lang", "locale"),
    "brand": ("brand", "product", "company"),
}


def guess_mapping(columns: list[str]) -> Mapping:
    """Each column's probable comment field (its own name when it is one), or None; no field is
    given to two columns."""
    names = set(COMMENT_FIELDS)
    taken: set[str] = {c for c in columns if c in names}
    out: Mapping = {}
    for column in columns:
        if column in names:
            out[column] = column
            continue
        words = set(column.lower().replace("-", "_").replace(" ", "_").split("_"))
        guess = next((f for f, hints in _GUESSES.items() if f not in taken and words & set(hints)), None)
        if guess:
            taken.add(guess)
        out[column] = guess
    return out


def sniff(path: str | Path, fmt: str, rows: int = 5) -> dict:
    """A file's columns (CSV header, or the keys of its first JSON lines) and its first rows as
    they are, for mapping and preview before anything is imported."""
    with Path(path).open("rb") as stream:
        if fmt == "csv":
            reader = _csv_reader(stream)
            columns = [c for c in reader.fieldnames or [] if c]
            if not columns:
                raise Invalid("the file has no header line: its first line must name the columns")
            first = [dict(row) for _n, row in zip(range(rows), reader, strict=False)]
        else:
            columns, first = [], []
            for _line, record in _jsonl_records(stream):
                if isinstance(record, dict):
                    columns += [k for k in record if k not in columns]
                    if len(first) < rows:
                        first.append(record)
                if len(first) >= rows and len(columns) > 0:
                    break
            if not columns:
                raise Invalid("no line of the file is a JSON object: nothing to import")
    return {"columns": columns, "rows": first}


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
    mapping: Mapping | None = None,
) -> ImportReport:
    """Import every line of ``path`` through ingestion; report outcomes with line numbers.
    ``mapping``: the file's columns as comment fields (see ``read_records``)."""
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
        for outcomes in iter_ingest(db, items(read_records(fmt, stream, mapping)), ctx):
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
