"""The evidence pack (issue 10): one self-contained report for the board, as HTML and PDF.

``build(db, brand, period)`` gathers, for one brand and period, the figures the pages show (the
same functions: ``server.measure.perception``, ``server.measure.language_gap``,
``server.measure.audit``): the gap score with its interval and its trend, declared vs perceived
per attribute with intervals (corrected for the classifier's errors where the audit allows),
competitors' ownership, the language gap, the strongest quotes per attribute with their sources,
sample sizes, how the classifier was audited and the method in plain words. ``render_html`` makes
one HTML file with its style and charts (inline SVG) inside it, so it opens offline, prints and
reads on a phone; ``render_pdf`` turns the same HTML into a PDF with WeasyPrint.

Periods (``parse_period``): ``90d`` (the latest 90 days with comments, the default), ``2026``,
``2026-Q3``, ``2026-09``, or ``2026-07-01..2026-09-30``.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlite_utils import Database

from server.errors import GapwatchError, Invalid

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
QUOTES_PER_ATTRIBUTE = 3
TREND_MONTHS = 12


class ReportUnavailable(GapwatchError):
    """The PDF cannot be made on this machine (WeasyPrint's system libraries are missing)."""

    status = 503


# --- periods -----------------------------------------------------------------------------------


def parse_period(text: str | None, latest: date) -> dict:
    """``{"from", "to", "label"}`` for a period written as in the module's docstring; ``latest``
    is the day of the brand's newest comment (relative periods end there)."""
    text = (text or "90d").strip()
    if match := re.fullmatch(r"(\d{1,4})d", text):
        days = int(match.group(1))
        if not 7 <= days <= 3650:
            raise Invalid("a period in days must be from 7d to 3650d")
        start = latest - timedelta(days=days - 1)
        return {"from": start.isoformat(), "to": latest.isoformat(), "label": f"the latest {days} days"}
    try:
        if match := re.fullmatch(r"(\d{4})", text):
            year = int(match.group(1))
            return {"from": f"{year}-01-01", "to": f"{year}-12-31", "label": str(year)}
        if match := re.fullmatch(r"(\d{4})-Q([1-4])", text, flags=re.IGNORECASE):
            year, quarter = int(match.group(1)), int(match.group(2))
            first = date(year, 3 * quarter - 2, 1)
            last = (date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)) - timedelta(days=1)
            return {"from": first.isoformat(), "to": last.isoformat(), "label": f"{year} Q{quarter}"}
        if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
            first = date(int(match.group(1)), int(match.group(2)), 1)
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            return {"from": first.isoformat(), "to": last.isoformat(), "label": first.strftime("%B %Y")}
        if match := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            first, last = date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2))
            if first > last:
                raise Invalid("the period's start is after its end")
            return {"from": first.isoformat(), "to": last.isoformat(), "label": f"{first} to {last}"}
    except Invalid:
        raise
    except ValueError:
        raise Invalid(f"no such date in the period {text[:40]!r}") from None
    raise Invalid(f"a period is 90d, 2026, 2026-Q3, 2026-09 or 2026-07-01..2026-09-30, not {text[:40]!r}")


# --- gathering ----------------------------------------------------------------------------------


def build(db: Database, brand_name: str | None = None, period: str | None = None) -> dict:
    """Everything the report shows, computed by the functions the pages use."""
    from server.classify.taxonomy import current_attributes, get_positioning
    from server.measure.audit import audit
    from server.measure.language_gap import language_gap
    from server.measure.perception import Scope, brand_trends, competitors, overview
    from server.measure.rollups import latest_day
    from server.store.brands import get_brand, our_brand
    from server.store.comments import CommentQuery, search_comments

    if brand_name is None:
        ours = our_brand(db)
        if ours is None:
            raise Invalid("this workspace has no brand of its own: name one with --brand")
        brand_name = ours["name"]
    brand = get_brand(db, brand_name)
    newest = latest_day(db, brand["id"])
    if newest is None:
        raise Invalid(f"{brand['name']} has no classified customer comments yet: nothing to report")
    window = parse_period(period, date.fromisoformat(newest))
    scope = Scope(window["from"], window["to"])
    view = overview(db, brand["name"], scope)
    trend_start = date.fromisoformat(window["to"]).replace(day=1) - timedelta(days=31 * (TREND_MONTHS - 1))
    trend = brand_trends(
        db, brand["name"], Scope(trend_start.replace(day=1).isoformat(), window["to"]), "month"
    )
    names = {a["key"]: a["name"] for a in current_attributes(db)}
    quotes = {}
    for row in view["attributes"]:
        query = CommentQuery(brand=brand["name"], attribute=row["attribute"], kind="customer",
                             sort="confident", date_from=window["from"], date_to=window["to"],
                             per_page=QUOTES_PER_ATTRIBUTE)  # fmt: skip
        found = search_comments(db, query)
        quotes[row["attribute"]] = found["comments"]
    rivals = competitors(db, scope)
    language = language_gap(db, brand["name"], start=window["from"], end=window["to"], limit=10)
    checked = audit(db, resamples=300)
    return {
        "brand": brand["name"],
        "statement": brand.get("positioning_statement"),
        "period": window,
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "overview": view,
        "declared": get_positioning(db, brand["name"]),
        "names": names,
        "trend": trend,
        "competitors": rivals,
        "language": language,
        "quotes": quotes,
        "audit": checked,
    }


# --- charts: geometry here, drawn as inline SVG by the template ---------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def bars_geometry(rows: list[dict]) -> dict:
    """Declared (outlined) vs perceived (filled, with its 95 % interval) per attribute: one row of
    ``{"label", "declared", "value", "low", "high"}`` each; answers coordinates in a viewBox."""
    row_height, left, width = 26, 130, 560
    tops = [r["declared"] or 0 for r in rows] + [(r["high"] or r["value"] or 0) for r in rows]
    scale = (width - left - 50) / max(tops + [0.1])
    items = []
    for i, row in enumerate(rows):
        y = i * row_height + 4
        x = {
            k: (left + row[k] * scale if row[k] is not None else None)
            for k in ("declared", "value", "low", "high")
        }
        end = max(v for v in (x["declared"], x["high"], x["value"], left) if v is not None)
        items.append({**row, "y": y, "x": x, "label_x": end + 6, "text": _pct(row["value"])})
    return {"width": width, "height": row_height * len(rows) + 24, "left": left, "rows": items,
            "legend_y": row_height * len(rows) + 18}  # fmt: skip


def trend_geometry(periods: list[dict], key: str = "gap_score", *, top: float = 1.0,
                   target: float | None = None) -> dict | None:  # fmt: skip
    """A figure per month (the gap score, or a shared enemy's rate) as a line with its 95 % interval
    as a band, on a scale from 0 to ``top``, and the ``target`` as a level (None below 2 points)."""
    width, height, left, bottom = 560, 200, 40, 30
    points = [(p["start"], p[key]) for p in periods if p.get(key) and p[key].get("value") is not None]
    if len(points) < 2:
        return None
    step = (width - left - 20) / (len(points) - 1)

    def y(value: float) -> float:
        return round(10 + (1 - value / top) * (height - bottom - 10), 1)

    xs = [round(left + i * step, 1) for i in range(len(points))]
    band = [f"{x},{y(f['high'])}" for x, (_s, f) in zip(xs, points, strict=True)]
    band += [f"{x},{y(f['low'])}" for x, (_s, f) in reversed(list(zip(xs, points, strict=True)))]
    every = max(1, len(points) // 6)
    return {
        "width": width, "height": height, "left": left, "right": width - 10,
        "ticks": [{"y": y(t * top), "label": f"{t * top:.0%}"} for t in (0, 0.25, 0.5, 0.75, 1)],
        "target_y": y(target) if target is not None else None,
        "band": " ".join(band),
        "line": " ".join(f"{x},{y(f['value'])}" for x, (_s, f) in zip(xs, points, strict=True)),
        "points": [{"x": x, "y": y(f["value"]), "month": start[:7], "named": f.get("named", False),
                    "labelled": i % every == 0 or i == len(points) - 1}
                   for i, (x, (start, f)) in enumerate(zip(xs, points, strict=True))],
    }  # fmt: skip


# --- rendering -----------------------------------------------------------------------------------


@functools.cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters["pct"] = _pct
    return env


def render_html(data: dict) -> str:
    """The report as one HTML document with its style and charts inside."""
    view = data["overview"]

    def rows(field: str) -> list[dict]:
        return [{"label": data["names"].get(a["attribute"], a["attribute"]), "declared": a["declared"],
                 **{k: (a[field] or {}).get(k) for k in ("value", "low", "high")}}
                for a in view["attributes"]]  # fmt: skip

    corrected = bars_geometry(rows("corrected_share")) if view["correction"]["available"] else None
    return _environment().get_template("report.html").render(
        data=data, view=view, bars=bars_geometry(rows("share")), corrected_bars=corrected,
        trend=trend_geometry(data["trend"]["periods"]),
    )  # fmt: skip


def render_brief(case: dict) -> str:
    """A case (``server.tell.cases``) on one page, to forward upwards unchanged."""
    return _environment().get_template("case_brief.html").render(case=case)


def render_pdf(html: str) -> bytes:
    """The same HTML as a PDF (WeasyPrint)."""
    try:
        from weasyprint import HTML
    except OSError as exc:  # its system libraries (Pango) are missing
        raise ReportUnavailable(
            f"the PDF needs Pango, which WeasyPrint could not load ({exc}); on Debian or Ubuntu: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0. The HTML report works without it."
        ) from None
    return HTML(string=html).write_pdf()


def file_stem(data: dict) -> str:
    """A file name for the report: brand and period, safe on every system."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", data["brand"]).strip("-").lower() or "brand"
    return f"gapwatch-{name}-{data['period']['from']}-{data['period']['to']}"
