"""Drift notices on the overview (``server.measure.drift``): the audit falling for a new model, and the
share of comments no attribute claims rising; and nothing said when neither happened."""

from __future__ import annotations

import random

from server.classify.review import draw_sample
from server.collect.ingest import Context, ingest
from server.measure.drift import record_audit, snapshots
from server.measure.perception import Scope, overview
from server.store.db import write_transaction
from tests.test_audit import label_everything, simulated


def test_a_new_model_that_scores_worse_is_noticed(db):
    truth = simulated(db, n=1200)
    draw_sample(db, per_stratum=40, seed=1)
    label_everything(db, truth)
    assert record_audit(db) is True  # model 'sim' audited
    assert record_audit(db) is False  # nothing changed: no second snapshot
    assert overview(db, "Acme")["drift"] == []  # one model so far: nothing to compare
    # a new model: it finds reliability at random (half the comments), which costs its F1
    rng = random.Random(5)
    with write_transaction(db):
        db.execute("UPDATE tags SET model = 'sim-2'")
        ids = db.execute("SELECT comment_id FROM tag_attributes WHERE attribute = 'reliability'").fetchall()
        for (cid,) in ids:
            db.execute("UPDATE tag_attributes SET assigned = ? WHERE comment_id = ? "
                       "AND attribute = 'reliability'", [int(rng.random() < 0.5), cid])  # fmt: skip
    assert overview(db, "Acme")["drift"] == []  # reading takes no snapshot: nothing new to compare yet
    assert [s["model"] for s in snapshots(db)] == ["sim"]
    assert record_audit(db) is True  # what the classifier job does after it tagged
    notices = overview(db, "Acme")["drift"]
    assert [s["model"] for s in snapshots(db)] == ["sim-2", "sim"]
    (fell,) = [n for n in notices if n["kind"] == "audit_fell"]
    assert fell["figure"] == "F1 for reliability"
    assert "(model sim)" in fell["message"] and "(model sim-2)" in fell["message"]
    assert fell["now"]["high"] < fell["before"]["value"]
    # support and sentiment did not change: not mentioned
    assert all("support" not in n["message"] and "sentiment" not in n["message"] for n in notices)


def _comments(db, day: str, tagged: int, untagged: int, offset: int) -> None:
    rows = [{"text": f"comment {offset + i} of {day}", "published_at": day} for i in range(tagged + untagged)]
    ingest(db, rows, Context(origin="import", brand="Acme"))
    found = db.execute("SELECT id FROM comments WHERE published_at LIKE ? ORDER BY id", [day + "%"])
    ids = [r[0] for r in found]
    with write_transaction(db):
        for i, cid in enumerate(ids):
            db.execute("INSERT INTO tags (comment_id, model, taxonomy_version, sentiment, sentiment_score, "
                       "created_at) VALUES (?, 'm', 1, 'neutral', 0.5, '2026-01-01')", [cid])  # fmt: skip
            if i < tagged:
                db.execute("INSERT INTO tag_attributes (comment_id, attribute, score, assigned) "
                           "VALUES (?, 'reliability', 0.9, 1)", [cid])  # fmt: skip


def test_more_comments_without_an_attribute_are_noticed(db):
    _comments(db, "2026-04-10", tagged=180, untagged=20, offset=0)  # 10 % unclaimed
    _comments(db, "2026-05-10", tagged=120, untagged=80, offset=1000)  # 40 % unclaimed
    scope = Scope("2026-05-01", "2026-05-31")
    (rose,) = overview(db, "Acme", scope)["drift"]
    assert rose["kind"] == "unclaimed_rose" and rose["before"] == 0.1 and rose["now"] == 0.4
    assert rose["z"] >= 3 and "40% of customer comments" in rose["message"]


def test_noise_alone_is_not_noticed(db):
    _comments(db, "2026-04-10", tagged=170, untagged=30, offset=0)  # 15 %
    _comments(db, "2026-05-10", tagged=164, untagged=36, offset=1000)  # 18 %: within noise
    assert overview(db, "Acme", Scope("2026-05-01", "2026-05-31"))["drift"] == []


def test_reading_the_overview_takes_no_audit_snapshot(db):
    # labels saved since the last snapshot: the overview used to take one as it opened
    from server.measure.rollups import refresh

    truth = simulated(db, n=600)
    draw_sample(db, per_stratum=20, seed=2)
    label_everything(db, truth)
    refresh(db)  # the counts up to date, as the classifier job leaves them (a stale day is still
    # counted again when a page reads it: server.measure.rollups)
    before = db.conn.total_changes
    page = overview(db, "Acme")
    assert page["drift"] == [] and snapshots(db) == []
    assert db.conn.total_changes == before
    assert record_audit(db) is True  # the classifier job's, on its next run
