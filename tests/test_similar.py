"""Corrections that scale (server.classify.similar, real embedded model): the comments most like a
corrected one are shown before anything is saved, and only the ticked ones get its correction,
all in one go or none."""

from __future__ import annotations

import re

from server.classify.corrections import correct
from server.collect.ingest import Context, ingest
from server.jobs.classifier import classify_pending
from tests.conftest import count

LOST = [
    "The sync deleted half of my project folder overnight.",
    "After the update my files were gone from every laptop.",
    "It wiped our shared documents and we had to restore from backup.",
    "Sync lost a week of edits on my drafts.",
    "Files keep disappearing from the shared folder after syncing.",
    "My photos vanished after the last sync.",
]
PRICE = ["The yearly plan costs twice what it did.", "Far too expensive for a team of five.",
         "They raised the price again without warning.", "Per-seat pricing is painful for us."]  # fmt: skip


def workspace(db) -> int:
    ingest(db, [{"text": t, "published_at": f"2026-10-{i + 1:02d}"} for i, t in enumerate(LOST + PRICE)],
           Context(origin="import", brand="Acme"))  # fmt: skip
    classify_pending(db)
    (first,) = db.execute("SELECT id FROM comments WHERE text = ?", [LOST[0]]).fetchone()
    correct(db, first, attributes=["reliability"], sentiment="negative", by="ed")
    return first


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_the_most_similar_comments_are_shown_then_only_the_ticked_ones_corrected(db, client, auth):
    first = workspace(db)
    shown = client.get(f"/api/comments/{first}/similar?n=5", headers=auth).get_json()
    texts = [c["text"] for c in shown["similar"]]
    assert len(texts) == 5 and sum(t in LOST for t in texts) >= 4, texts  # the lost-files complaints first
    assert shown["correction"] == {
        "attributes": ["reliability"],
        "sentiment": "negative",
        "attribute_sentiment": None,
    }
    page = client.get(f"/comments/{first}/similar?n=5").get_data(as_text=True)
    assert "Correct the ticked comments the same way" in page and texts[0] in page
    assert count(db, "corrections") == 1  # showing saves nothing

    ticked = [c["id"] for c in shown["similar"] if c["text"] in LOST][:3]
    client.post(f"/comments/{first}/similar", data={"csrf_token": csrf(client, f"/comments/{first}/similar"),
                                                    "id": [str(i) for i in ticked]})  # fmt: skip
    rows = db.execute(
        "SELECT comment_id, attributes, sentiment, corrected_by FROM corrections ORDER BY comment_id"
    )
    assert [r[0] for r in rows.fetchall()] == sorted([first, *ticked])
    for cid in ticked:
        stored = client.get(f"/api/comments/{cid}/correction", headers=auth).get_json()
        assert (stored["attributes"], stored["sentiment"], stored["corrected_by"]) == (
            ["reliability"],
            "negative",
            "admin",
        )
    again = client.get(f"/api/comments/{first}/similar?n=10", headers=auth).get_json()
    assert not {c["id"] for c in again["similar"]} & set(ticked)  # a person's correction is never overwritten


def test_bad_requests_correct_nothing(db, client, auth):
    first = workspace(db)
    (price,) = db.execute("SELECT id FROM comments WHERE text = ?", [PRICE[0]]).fetchone()
    answer = client.post(f"/api/comments/{first}/similar", headers=auth, json={"ids": [price, 99999]})
    assert answer.status_code == 404 and "no comment with id 99999" in answer.get_json()["error"]
    assert count(db, "corrections") == 1  # not even the comment that exists: all or none
    for body in ({"ids": []}, {"ids": ["7"]}, {"ids": [True]}, {}, {"ids": [2**70]}, {"ids": "1"}):
        assert client.post(f"/api/comments/{first}/similar", headers=auth, json=body).status_code == 400, body
    uncorrected = client.get(f"/api/comments/{price}/similar", headers=auth)
    assert uncorrected.status_code == 400 and "no correction yet" in uncorrected.get_json()["error"]
    for n in ("0", "51", "abc"):
        assert client.get(f"/api/comments/{first}/similar?n={n}", headers=auth).status_code == 400
        assert client.get(f"/comments/{first}/similar?n={n}").status_code == 400
    token = csrf(client, f"/comments/{first}/similar")
    page = client.post(f"/comments/{first}/similar", data={"csrf_token": token}, follow_redirects=True)
    page = page.get_data(as_text=True)
    assert "Nothing was corrected: tick at least one comment" in page
    assert client.get("/comments/99999/similar").status_code == 404
    assert count(db, "corrections") == 1
