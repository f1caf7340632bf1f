"""The Import page: upload, match columns, preview, import through ingestion, per-line report."""

from __future__ import annotations

import html
import io
import re

from tests.conftest import log_in

CSV = (
    "Review,Stars,Reviewer,Date,Link\n"
    '"The sync never failed us, not once.",5,Maria,2026-03-01,https://shop.example/r/1\n'
    "Support took a week to answer.,2,Tom,2026-03-02,https://shop.example/r/2\n"
    ",4,Empty,2026-03-03,https://shop.example/r/3\n"
    "Setup was quick.,five,Aiko,2026-03-04,https://shop.example/r/4\n"
)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _upload(client, data: bytes, filename: str):
    page = client.get("/import").get_data(as_text=True)
    return client.post("/import", data={"csrf_token": _csrf(page), "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")  # fmt: skip


def test_a_csv_is_matched_previewed_and_imported_with_a_report_per_line(client, db):
    mapped = _upload(client, CSV.encode(), "shop-reviews.csv")
    page = mapped.get_data(as_text=True)
    assert mapped.status_code == 200 and "Match the columns of shop-reviews.csv" in page
    pattern = r'aria-label="field for column ([^"]+)">.*?<option value="([a-z_]+)" selected'
    chosen = dict(re.findall(pattern, page, re.S))
    assert chosen == {"Review": "text", "Stars": "rating", "Reviewer": "author", "Date": "published_at",
                      "Link": "url"}  # fmt: skip
    assert re.search(r'<option value="Acme" selected>Acme</option>', page)  # our brand by default
    assert '<option value="Rival" >Rival (competitor)</option>' in page
    preview = page.split('data-testid="preview">')[1]
    assert "The sync never failed us, not once." in preview and "<th>author</th>" in preview
    action = re.search(r'action="(/import/[^"]+)"', page).group(1)
    form = {"csrf_token": _csrf(page), "filename": "shop-reviews.csv", "brand": "Acme", "kind": "customer",
            "column-0": "text", "column-1": "rating", "column-2": "author", "column-3": "published_at",
            "column-4": "", "action": "preview"}  # fmt: skip
    again = client.post(action, data=form).get_data(as_text=True)  # a preview stores nothing
    assert "<th>url</th>" not in again.split('data-testid="preview">')[1]
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == 0
    done = client.post(action, data={**form, "action": "import"})
    report = done.get_data(as_text=True)
    assert done.status_code == 200
    assert re.sub(r"\s+", " ", report.split('data-testid="import-counts">')[1].split("</p>")[0]).startswith(
        "<strong>2 new</strong>, 0 duplicate (already stored), 2 rejected."
    )
    rejected = report.split('data-testid="rejected-lines">')[1]
    assert '<td class="num">4</td><td>text is empty' in rejected.replace("\n", "")
    assert '<td class="num">5</td><td>rating' in rejected.replace("\n", "")
    stored = db.execute("SELECT author, rating, url FROM comments ORDER BY id").fetchall()
    assert [tuple(r) for r in stored] == [("Maria", 5.0, None), ("Tom", 2.0, None)]
    # the upload is gone once imported: the same form again is a clear 404, nothing stored twice
    gone = client.post(action, data={**form, "action": "import"})
    assert gone.status_code == 404 and "upload it again" in gone.get_data(as_text=True)


def test_bad_uploads_are_refused_with_the_reason_and_store_nothing(client, db, app):
    cases = [
        (b"just some words", "notes.txt", "cannot tell the format of 'notes.txt'"),
        (b"", "empty.csv", "no header line"),
        (b"\xff\xfe\x00bad", "latin.csv", "not UTF-8"),
        (b"[1, 2]\nnot json\n", "x.jsonl", "no line of the file is a JSON object"),
    ]
    for data, name, said in cases:
        answer = _upload(client, data, name)
        assert answer.status_code == 400 and said in html.unescape(answer.get_data(as_text=True)), name
    page = client.get("/import").get_data(as_text=True)
    assert client.post("/import", data={"csrf_token": _csrf(page)}).status_code == 400  # no file at all
    assert client.post("/import/..%2f..%2fetc%2fpasswd", data={"csrf_token": _csrf(page)}).status_code == 404
    mapped = _upload(client, CSV.encode(), "r.csv").get_data(as_text=True)
    action = re.search(r'action="(/import/[^"]+)"', mapped).group(1)
    no_text = client.post(action, data={"csrf_token": _csrf(mapped), "column-0": "", "action": "import"})
    assert no_text.status_code == 400 and "Match one column to text" in no_text.get_data(as_text=True)
    twice = client.post(action, data={"csrf_token": _csrf(mapped), "column-0": "text", "column-1": "text",
                                      "action": "import"})  # fmt: skip
    assert twice.status_code == 400 and "Two columns are matched to text" in twice.get_data(as_text=True)
    assert db.execute("SELECT count(*) FROM comments").fetchone()[0] == 0
    viewer = app.test_client()
    log_in(viewer, "vi")
    assert viewer.get("/import").status_code == 403  # viewers read; editors import
