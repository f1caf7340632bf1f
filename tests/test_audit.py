"""The review queues and the audit (``server.measure.audit``): a simulated classifier with known error
rates on a population whose truth is known, labelled through the queue, and the API, CLI and
bad input."""

from __future__ import annotations

import json
import random

import pytest

from server.classify.review import draw_sample, draw_uncertain, label_item, next_item, progress
from server.collect.ingest import Context, ingest
from server.measure.audit import audit
from server.store.db import write_transaction
from tests.conftest import count

KEYS = ("reliability", "support")


def simulated(db, n: int = 1200, seed: int = 3) -> dict[int, dict]:
    """``n`` comments of Acme whose truth is known, tagged by a classifier with known errors:
    reliability is true for 25 % and found with recall 0.8 and 10 % false alarms; support true for
    10 %, recall 0.6, 2 % false alarms; sentiment right 85 % of the time."""
    rng = random.Random(seed)
    ingest(db, [{"text": f"simulated comment {i}", "published_at": "2026-03-01"} for i in range(n)],
           Context(origin="import", brand="Acme"))  # fmt: skip
    ids = [r[0] for r in db.execute("SELECT id FROM comments ORDER BY id")]
    rates = {"reliability": (0.25, 0.8, 0.10), "support": (0.10, 0.6, 0.02)}
    truth: dict[int, dict] = {}
    tags, attributes = [], []
    for cid in ids:
        true = [k for k, (share, _r, _f) in rates.items() if rng.random() < share]
        said = [
            k for k, (_s, recall, alarm) in rates.items() if rng.random() < (recall if k in true else alarm)
        ]
        sentiment = rng.choice(["positive", "negative"])
        shown = sentiment if rng.random() < 0.85 else ("negative" if sentiment == "positive" else "positive")
        truth[cid] = {"attributes": true, "sentiment": sentiment, "said": said}
        tags.append((cid, "sim", 1, shown, 0.7, "2026-03-02T00:00:00Z"))
        attributes += [(cid, k, 0.9 if k in said else 0.1, int(k in said)) for k in KEYS]
    with write_transaction(db):
        db.conn.executemany("INSERT INTO tags (comment_id, model, taxonomy_version, sentiment, "
                            "sentiment_score, created_at) VALUES (?, ?, ?, ?, ?, ?)", tags)  # fmt: skip
        db.conn.executemany("INSERT INTO tag_attributes (comment_id, attribute, score, assigned) "
                            "VALUES (?, ?, ?, ?)", attributes)  # fmt: skip
    return truth


def population(truth: dict[int, dict], key: str) -> tuple[float, float]:
    """The classifier's real precision and recall for ``key`` over the whole population."""
    tp = sum(1 for t in truth.values() if key in t["attributes"] and key in t["said"])
    said = sum(1 for t in truth.values() if key in t["said"])
    true = sum(1 for t in truth.values() if key in t["attributes"])
    return tp / said, tp / true


def label_everything(db, truth: dict[int, dict], queue: str = "random") -> int:
    done = 0
    while (item := next_item(db, queue)) is not None:
        t = truth[item["comment_id"]]
        label_item(db, item["id"], "fix", attributes=t["attributes"], sentiment=t["sentiment"], by="tester")
        done += 1
    return done


def test_the_audit_recovers_the_classifiers_real_precision_and_recall(db):
    truth = simulated(db)
    result = draw_sample(db, per_stratum=60, seed=1)
    # strata: the model's leading attribute (reliability, support, or none), each drawn alike
    assert set(result["strata"]) == {"Acme|reliability", "Acme|support", "Acme|none"}
    assert label_everything(db, truth) == result["drawn"] == 180
    found = {a["attribute"]: a for a in audit(db)["attributes"]}
    for key in KEYS:
        precision, recall = population(truth, key)
        for name, real in (("precision", precision), ("recall", recall)):
            figure = found[key][name]
            assert figure["low"] <= real <= figure["high"], (key, name, real, figure)
        assert found[key]["precision"]["high"] - found[key]["precision"]["low"] < 0.3  # informative
    # recall of a rare attribute is the uncertain one: its misses hide in the large 'none' stratum
    assert found["support"]["recall"]["high"] - found["support"]["recall"]["low"] > 0.3
    sentiment = audit(db)["sentiment"]
    assert sentiment["low"] <= 0.85 <= sentiment["high"] and sentiment["n"] == 180


def test_too_few_labels_say_so_and_skips_do_not_count(db):
    truth = simulated(db, n=200)
    draw_sample(db, per_stratum=3, seed=2)
    first = next_item(db)
    label_item(db, first["id"], "skip", by="tester")
    assert audit(db)["note"].startswith("too few labelled comments (0 < 10)")
    label_everything(db, truth)
    body = audit(db)
    assert body["labelled"] == progress(db)["random"]["labelled"] and body["queues"]["random"]["skipped"] == 1
    assert count(db, "corrections") == body["labelled"]  # a skip labels nothing


def test_accept_keeps_the_models_tags_as_the_label_and_an_item_is_labelled_once(db):
    simulated(db, n=100)
    draw_sample(db, per_stratum=2, seed=4)
    item = next_item(db)
    done = label_item(db, item["id"], "accept", by="maria")
    assert done["status"] == "labelled" and done["done_by"] == "maria" and done["done_at"]
    row = db.execute("SELECT attributes, sentiment, corrected_by FROM corrections WHERE comment_id = ?",
                     [item["comment_id"]]).fetchone()  # fmt: skip
    assert (
        sorted(json.loads(row[0])) == sorted(item["model_attributes"]) and row[1] == item["model_sentiment"]
    )
    assert row[2] == "maria"
    from server.errors import Conflict, Invalid, NotFound

    with pytest.raises(Conflict):
        label_item(db, item["id"], "accept")
    other = next_item(db)
    with pytest.raises(Invalid):
        label_item(db, other["id"], "maybe")
    with pytest.raises(Invalid):
        label_item(db, other["id"], "fix")  # nothing said
    with pytest.raises(Invalid):
        label_item(db, other["id"], "fix", attributes=["teleportation"])
    with pytest.raises(NotFound):
        label_item(db, 9999, "accept")
    assert next_item(db)["id"] == other["id"]  # the refused labels changed nothing


def test_a_second_draw_adds_new_comments_only_and_weights_follow_the_strata(db):
    simulated(db, n=300)
    first = draw_sample(db, per_stratum=5, seed=1)["drawn"]
    second = draw_sample(db, per_stratum=5, seed=1)["drawn"]
    items = db.execute("SELECT comment_id FROM review_items WHERE queue = 'random'").fetchall()
    assert len(items) == len(set(items)) == first + second
    sizes = dict(
        db.execute("SELECT stratum, max(stratum_size) FROM review_items GROUP BY stratum").fetchall()
    )
    assert sum(sizes.values()) == 300


def test_the_uncertain_queue_takes_the_least_sure_and_stays_out_of_the_audit(db):
    truth = simulated(db, n=200)
    unsure = [r[0] for r in db.execute("SELECT DISTINCT comment_id FROM tag_attributes WHERE assigned "
                                       "ORDER BY comment_id LIMIT 2")]  # fmt: skip
    db.execute(
        f"UPDATE tag_attributes SET score = 0.55 WHERE comment_id IN ({unsure[0]}, {unsure[1]}) AND assigned"
    )
    db.conn.commit()
    assert draw_uncertain(db, count=5)["drawn"] == 5
    first = next_item(db, "uncertain")
    label_item(db, first["id"], "skip")
    assert {first["comment_id"], next_item(db, "uncertain")["comment_id"]} == set(unsure)
    label_everything(db, truth, "uncertain")
    assert audit(db)["labelled"] == 0


def test_review_api_and_its_bad_input(db, client, auth):
    truth = simulated(db, n=300)
    assert client.post("/api/review/sample", json={"per_stratum": 4}, headers=auth).status_code == 201
    body = client.get("/api/review/next", headers=auth).get_json()
    item = body["item"]
    assert body["queues"]["random"]["open"] == 12 and item["model_attributes"] is not None
    t = truth[item["comment_id"]]
    fix = {"action": "fix", "attributes": t["attributes"], "sentiment": t["sentiment"]}
    response = client.post(f"/api/review/{item['id']}", json=fix, headers=auth)
    assert response.status_code == 200 and response.get_json()["done_by"] == "token:tests"
    cases = [
        ("/api/review/sample", {"per_stratum": 0}, 400),
        ("/api/review/sample", {"per_stratum": "10"}, 400),
        ("/api/review/sample", {"colour": 1}, 400),
        ("/api/review/uncertain", {"count": 1000}, 400),
        (f"/api/review/{item['id']}", {"action": "accept"}, 409),
        ("/api/review/9999", {"action": "accept"}, 404),
    ]
    nxt = client.get("/api/review/next", headers=auth).get_json()["item"]["id"]
    cases += [
        (f"/api/review/{nxt}", {"action": "fix", "attributes": "reliability"}, 400),
        (f"/api/review/{nxt}", {"action": "fix", "sentiment": 5}, 400),
        (f"/api/review/{nxt}", {"action": "fix", "sentiment": "ecstatic"}, 400),
        (f"/api/review/{nxt}", {}, 400),
    ]
    before = count(db, "corrections"), count(db, "review_items")
    for path, payload, status in cases:
        answer = client.post(path, json=payload, headers=auth)
        assert answer.status_code == status and answer.get_json()["error"], (path, payload, answer.get_json())
    assert (count(db, "corrections"), count(db, "review_items")) == before
    assert client.get("/api/review/next?queue=other", headers=auth).status_code == 400
    assert client.post(f"/api/review/{nxt}", json={"action": "skip"}).status_code == 401  # a login alone
    assert client.get("/api/audit", headers=auth).get_json()["labelled"] == 1


def test_eval_on_the_workspace_prints_the_audit(db, run):
    truth = simulated(db, n=300)
    assert "Drew" in run("review", "sample", "--per-stratum", "5", "--seed", "3").output
    label_everything(db, truth)
    result = run("eval", "--workspace")
    assert result.exit_code == 0 and "reliability" in result.output and "sentiment accuracy" in result.output
    parsed = json.loads(run("eval", "--workspace", "--json").output)
    assert parsed["labelled"] == 15 and {a["attribute"] for a in parsed["attributes"]} >= set(KEYS)
    assert run("eval").exit_code == 2  # neither a test file nor --workspace


def test_a_rating_that_disagrees_with_the_sentiment_tag_is_queued_first(db):
    """Issue 17, part 2: a five-star review tagged negative (or a one-star one tagged positive)
    is put before the merely uncertain in the queue for training."""
    ingest(db, [
        {"text": "Five stars, tagged negative", "rating": 5, "published_at": "2026-03-01"},
        {"text": "One star, tagged positive", "rating": 1, "published_at": "2026-03-01"},
        {"text": "Five stars, tagged positive", "rating": 5, "published_at": "2026-03-01"},
        {"text": "On a 0-100 scale, 95, tagged negative", "rating": 95, "published_at": "2026-03-01"},
        {"text": "No rating, tagged negative", "published_at": "2026-03-01"},
    ], Context(origin="import", brand="Acme"))  # fmt: skip
    feelings = ["negative", "positive", "positive", "negative", "negative"]
    ids = [r[0] for r in db.execute("SELECT id FROM comments ORDER BY id")]
    with write_transaction(db):
        tags = [(i, f, 0.9 if f == "positive" else -0.9) for i, f in zip(ids, feelings, strict=True)]
        db.conn.executemany(
            "INSERT INTO tags (comment_id, model, taxonomy_version, sentiment, sentiment_score, created_at) "
            "VALUES (?, 'sim', 1, ?, ?, '2026-03-02T00:00:00Z')",
            tags,
        )
        db.conn.executemany(
            "INSERT INTO tag_attributes (comment_id, attribute, score, assigned) VALUES (?, ?, ?, 1)",
            [(i, "reliability", 0.6) for i in ids],
        )
    result = draw_uncertain(db, count=5)
    assert result["rating_disagrees"] == 3 and result["drawn"] == 5
    first = [next_item(db, "uncertain")["comment_id"]]
    order = [
        r[0] for r in db.execute("SELECT comment_id FROM review_items WHERE queue = 'uncertain' ORDER BY id")
    ]
    assert set(order[:3]) == {ids[0], ids[1], ids[3]} and first[0] == order[0]
