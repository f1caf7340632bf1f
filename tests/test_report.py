"""The evidence pack (``server.tell.report``): its periods, its figures against the metrics module, a
self-contained HTML file, a PDF whose pages are kept as images for review, and bad input over the
CLI, the API and the page. (The demo's own pack is rendered in tests/test_serve_and_pages.py.)"""

from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

import pytest

from server.classify.taxonomy import current_attributes, set_positioning
from server.errors import Invalid
from server.measure.metrics import Question, attribute_figures, gap_figures, load_sample
from server.measure.perception import Scope
from server.store.brands import get_brand
from server.tell.report import ReportUnavailable, build, parse_period, render_html, render_pdf
from tests.test_alerts import _days, _series

ARTIFACTS = Path(__file__).parent / "artifacts" / "report"
LATEST = date(2026, 9, 30)


def test_periods():
    assert parse_period(None, LATEST) == {
        "from": "2026-07-03",
        "to": "2026-09-30",
        "label": "the latest 90 days",
    }
    assert parse_period("2026", LATEST)["from"] == "2026-01-01"
    assert parse_period("2026-Q4", LATEST) == {"from": "2026-10-01", "to": "2026-12-31", "label": "2026 Q4"}
    assert parse_period("2026-q1", LATEST)["to"] == "2026-03-31"
    assert parse_period("2024-02", LATEST)["to"] == "2024-02-29"
    assert parse_period("2026-07-01..2026-07-31", LATEST)["label"] == "2026-07-01 to 2026-07-31"
    for bad, message in (
        ("2026-13", "no such date"),
        ("soon", "a period is"),
        ("3d", "from 7d"),
        ("2026-09-30..2026-09-01", "start is after"),
        ("2026-02-30..2026-03-01", "no such date"),
    ):
        with pytest.raises(Invalid, match=message):
            parse_period(bad, LATEST)


@pytest.fixture
def workspace(db):
    rng = random.Random(11)
    set_positioning(
        db, "Acme", {"innovation": 0.5, "reliability": 0.3, "support": 0.2}, "Acme: the innovators"
    )
    days = _days(date(2026, 4, 1), 183)
    _series(db, rng, days, 3, {"reliability": 0.45, "support": 0.2, "innovation": 0.1})
    _series(db, rng, days, 2, {"innovation": 0.5, "reliability": 0.2}, brand="Rival")
    return db


def _cell(html: str, attribute: str, testid: str) -> str:
    row = re.search(rf'<tr data-attribute="{attribute}">(.*?)</tr>', html, flags=re.S).group(1)
    return re.sub(r"\s+", " ", re.search(rf'data-testid="{testid}">(.*?)</td>', row, flags=re.S).group(1))


def test_the_reports_figures_are_the_metrics(workspace):
    db = workspace
    data = build(db, "Acme", "2026-Q3")
    assert data["period"] == {"from": "2026-07-01", "to": "2026-09-30", "label": "2026 Q3"}
    html = render_html(data)
    # the same figures, computed here straight from the metrics module
    attributes = [a["key"] for a in current_attributes(db)]
    scope = Scope("2026-07-01", "2026-09-30")
    brand_id = get_brand(db, "Acme")["id"]
    sample = load_sample(db, brand_id, attributes, start=scope.start, end=scope.end)
    question = Question(scope.key("gap", brand_id))
    score, _gaps = gap_figures(sample, {"innovation": 0.5, "reliability": 0.3, "support": 0.2}, question)
    figures = attribute_figures(sample, question)
    gap_text = re.search(r'data-testid="gap-score">(.*?)</span>', html).group(1)
    assert gap_text == f"{score.value * 100:.0f} %"
    assert f"[95 % interval {score.low * 100:.0f} %–{score.high * 100:.0f} %]" in html
    for attribute in ("reliability", "support", "innovation"):
        share = figures[attribute]["share"]
        assert _cell(html, attribute, "share").startswith(f"{share.value * 100:.0f} % ")
    assert f"From {sample.n} customer comments" in html
    # the sections the board needs
    headings = (
        "The gap",
        "Declared against perceived",
        "The gap over time",
        "Competitors",
        "Their words, your words",
        "In customers' words",
        "How sure are we?",
        "Method, in plain words",
    )
    for heading in headings:
        assert f"<h2>{heading}" in html
    assert "Acme: the innovators" in html
    assert html.count("<blockquote") >= 6  # quotes for each attribute spoken of
    assert "not been audited" in html  # and it says how the classifier was (not) audited


def test_the_html_is_self_contained(workspace):
    html = render_html(build(workspace, "Acme", "180d"))
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert not re.search(r'\bsrc="', html)
    assert not re.search(r"url\(", html)  # no fonts or images fetched by the style either
    assert html.count("<svg") >= 2  # the charts are inside it


def test_the_pdf_has_the_figures_and_its_pages_are_kept_as_images(workspace):
    import pypdfium2 as pdfium

    data = build(workspace, "Acme", "2026-Q3")
    try:
        pdf = render_pdf(render_html(data))
    except ReportUnavailable as exc:
        pytest.skip(f"WeasyPrint cannot run here: {exc}")
    assert pdf.startswith(b"%PDF")
    document = pdfium.PdfDocument(pdf)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert f"{data['overview']['gap_score']['value'] * 100:.0f} %" in text
    assert "Method, in plain words" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for i in range(len(document)):
        image = document[i].render(scale=1.5).to_pil()
        assert image.size[0] > 800
        image.save(ARTIFACTS / f"unit-page-{i + 1}.png")
    assert len(document) >= 3


def test_report_over_the_cli_api_and_page_and_its_bad_input(workspace, run, client, auth, tmp_path):
    written = run(
        "report", "--brand", "Acme", "--period", "2026-Q3", "--out", str(tmp_path), "--format", "html"
    )
    assert written.exit_code == 0, written.output
    (html_file,) = tmp_path.glob("*.html")
    assert html_file.name == "gapwatch-acme-2026-07-01-2026-09-30.html"
    assert "Acme, 2026 Q3 (2026-07-01 to 2026-09-30): gap" in written.output
    assert run("report", "--period", "2026-13").exit_code == 1
    assert "no such date" in run("report", "--period", "2026-13").output
    assert "use html, pdf" in run("report", "--format", "docx").output
    as_json = client.get("/api/brands/Acme/report?period=2026-Q3", headers=auth)
    assert as_json.status_code == 200 and as_json.get_json()["period"]["label"] == "2026 Q3"
    page = client.get("/report?brand=Acme&period=2026-Q3&format=html")
    assert page.status_code == 200 and page.headers["Content-Security-Policy"].startswith(
        "default-src 'none'"
    )
    assert "Acme: what customers say" in page.get_data(as_text=True)
    for path, status, message in (
        ("/api/brands/Nope/report", 404, "unknown brand"),
        ("/api/brands/Acme/report?period=later", 400, "a period is"),
        ("/api/brands/Acme/report?format=docx", 400, "format must be one of"),
        ("/api/brands/Rival/report?period=1999", 200, ""),
    ):
        response = client.get(path, headers=auth)
        assert response.status_code == status, path
        if message:
            assert message in response.get_json()["error"]
    bad_page = client.get("/report?brand=Acme&period=later")
    assert bad_page.status_code == 400 and "a period is" in bad_page.get_data(as_text=True)


def test_a_brand_without_comments_has_no_report(db, client, auth):
    response = client.get("/api/brands/Acme/report", headers=auth)
    assert response.status_code == 400 and "no classified customer comments" in response.get_json()["error"]
