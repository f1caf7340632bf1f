"""A sentiment per attribute in a person's correction ("the price is bad, support is great"):
stored, checked, shown in the evidence list, used by the figures and by training."""

from __future__ import annotations

import re

from server.collect.ingest import Context, ingest
from server.jobs.learning import correction_examples
from server.measure.rollups import pattern_rows, refresh
from server.store.brands import get_brand
from server.store.db import write_transaction

TEXT = "Support sorted it out in minutes, but the price doubled overnight."


def tagged(db) -> int:
    """One comment of Acme tagged (as a model would) support and price, both negative."""
    ingest(db, [{"text": TEXT, "published_at": "2026-11-02"}], Context(origin="import", brand="Acme"))
    (cid,) = db.execute("SELECT id FROM comments").fetchone()
    with write_transaction(db):
        db.execute("INSERT INTO tags (comment_id, model, taxonomy_version, sentiment, sentiment_score, "
                   "created_at) VALUES (?, 'm', 1, 'negative', -0.4, '2026-11-03')", [cid])  # fmt: skip
        for key in ("support", "price"):
            db.execute("INSERT INTO tag_attributes (comment_id, attribute, score, assigned, sentiment) "
                       "VALUES (?, ?, 0.8, 1, 'negative')", [cid, key])  # fmt: skip
    return cid


def patterns(db) -> list[str]:
    refresh(db)
    brand_id = get_brand(db, "Acme")["id"]
    return [p for _b, p, _n in pattern_rows(db, brand_id, kind="customer", start=None, end=None)]


def test_a_sentiment_per_attribute_is_stored_shown_counted_and_learned(db, client, auth):
    cid = tagged(db)
    assert patterns(db) == ["price=-;support=-"]
    answer = client.put(f"/api/comments/{cid}/correction", headers=auth,
                        json={"attribute_sentiment": {"support": "positive"}})  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["attribute_sentiment"] == {"support": "positive"}
    assert patterns(db) == ["price=-;support=+"]  # the person's word for support, the model's for price
    listed = client.get("/api/comments", headers=auth).get_json()["comments"][0]
    assert listed["attribute_sentiment"] == {"price": "negative", "support": "positive"}
    examples = correction_examples(db)
    assert examples and all(e.polarity == {"support": "positive"} for e in examples)
    assert {e.sentiment for e in examples} == {None}  # price's feeling unsaid: no sentiment for the comment
    client.put(f"/api/comments/{cid}/correction", headers=auth, json={"attributes": ["support"]})
    assert {e.sentiment for e in correction_examples(db)} == {"positive"}  # its one attribute's feeling


def test_the_correction_form_sets_a_sentiment_per_attribute(db, client):
    cid = tagged(db)
    page = client.get("/comments").get_data(as_text=True)
    assert 'name="sentiment:price"' in page and "as the comment" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/comments/{cid}/correction", data={
        "csrf_token": csrf, "action": "save", "attribute": ["price", "support"], "sentiment": "neutral",
        "sentiment:price": "negative", "sentiment:support": "positive"})  # fmt: skip
    assert patterns(db) == ["price=-;support=+"]
    page = client.get("/comments").get_data(as_text=True)
    assert re.search(r'name="sentiment:support".*?<option value="positive" selected', page, re.S)


def test_bad_sentiments_per_attribute_are_refused_with_the_reason(db, client, auth):
    cid = tagged(db)
    bad = client.put(f"/api/comments/{cid}/correction", headers=auth,
                     json={"attribute_sentiment": {"teleportation": "positive"}})  # fmt: skip
    assert bad.status_code == 400 and "unknown attribute 'teleportation'" in bad.get_json()["error"]
    bad = client.put(f"/api/comments/{cid}/correction", headers=auth,
                     json={"attribute_sentiment": {"price": "furious"}})  # fmt: skip
    assert bad.status_code == 400 and "the sentiment for price must be one of" in bad.get_json()["error"]
    bad = client.put(f"/api/comments/{cid}/correction", headers=auth, json={"attribute_sentiment": ["price"]})
    assert bad.status_code == 400
    assert client.get(f"/api/comments/{cid}/correction", headers=auth).get_json()["corrected"] is False
