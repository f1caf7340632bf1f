"""Learning sentiment from the star ratings a workspace already holds (server.classify.ratings, with the
real embedded model): after enough rated reviews the sentiment adapts to the workspace's way of
speaking, the audit says from how many ratings and what changed, and a rating never becomes a tag."""

from __future__ import annotations

import random

import pytest

from server.classify import ratings
from server.classify.tagging import current_tagger
from server.collect.ingest import Context, ingest
from server.jobs.classifier import classify_pending
from server.measure.audit import audit
from server.store.brands import add_brand

# A file-sync product's reviews whose praise is the absence of trouble: the words are those of
# complaints ("lost", "down", "failed"), the ratings say they are praise.
PRAISE = [  # praise in the slang of the workspace's customers, which the shipped model reads as complaints
    "The sync speed is insane, {n} GB in minutes.",
    "This thing is ridiculous, {n} files restored in a blink.",
    "Stupid fast uploads, {n} a second.",
    "It is criminally fast at indexing {n} folders.",
    "Scary fast search across {n} drives.",
    "Insane restore speed, {n} folders back in seconds.",
    "Ridiculous how quickly {n} laptops were set up.",
    "Absurdly fast, {n} photos uploaded before my coffee.",
]
COMPLAINTS = [
    "Sync broke {n} times last month and we lost an afternoon of edits.",
    "It lost {n} of my files during an update.",
    "The service was down {n} times this quarter.",
    "Files failed to upload {n} times and nobody noticed.",
    "{n} conflicted copies a day and I no longer trust it.",
    "Half my photos vanished after update {n}.",
]
# praise in that slang, never rated: the shipped model alone reads it as a complaint; the ratings
# teach it
HELD_OUT_PRAISE = "Crazy fast restore, ridiculous."


def reviews(count: int, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        positive = i % 2 == 0
        text = rng.choice(PRAISE if positive else COMPLAINTS).format(n=rng.randint(2, 60))
        out.append({"text": f"{text} (review {i})", "rating": 5 if positive else rng.choice([1, 2]),
                    "author": f"author {i % 97}", "brand": "Lumio"})  # fmt: skip
    return out


@pytest.fixture
def workspace(db):
    add_brand(db, "Lumio", competitor=True)
    return db


def test_too_few_ratings_do_not_adapt_and_the_audit_says_how_many_are_needed(workspace):
    db = workspace
    ingest(db, reviews(40), Context(origin="import"))
    report = classify_pending(db)
    assert report.adaptation is None and "+ratings@" not in report.model
    record = ratings.record(db)
    assert (record["status"], record["ratings"], record["needed"]) == ("waiting", 40, ratings.MIN_RATINGS)
    assert audit(db, resamples=10)["ratings_adaptation"]["status"] == "waiting"


def test_ratings_adapt_the_sentiment_and_the_audit_says_so(workspace, tmp_path):
    db = workspace
    ingest(db, reviews(240), Context(origin="import"))
    ingest(db, [{"text": HELD_OUT_PRAISE, "brand": "Lumio"}], Context(origin="import"))  # no rating
    base, _version = current_tagger(db, adapted=False)
    before = base.predict(HELD_OUT_PRAISE).sentiment

    report = classify_pending(db)
    record = ratings.record(db)
    assert record["status"] == "active", record
    assert report.adaptation == ratings.record(db) | {"retagged": None, "changed": None}
    assert record["ratings"] == 240 and record["learned_from"] + record["held_out"] == 240
    assert record["agreement_after"] > record["agreement_before"]
    assert record["retagged"] == 241  # every comment tagged once, by the adapted model
    assert "+ratings@" in report.model and (tmp_path / "models").is_dir()

    # the unrated review, never trained on, is now read as praise
    (sentiment,) = db.execute(
        "SELECT t.sentiment FROM tags t JOIN comments c ON c.id = t.comment_id WHERE c.text = ?",
        [HELD_OUT_PRAISE],
    ).fetchone()
    assert before != "positive" and sentiment == "positive"

    # a rating is never a tag: a 5-star review that says it is bad stays negative
    ingest(db, [{"text": "Terrible. Sync lost a whole folder and support never answered.", "rating": 5,
                 "brand": "Lumio"}], Context(origin="import"))  # fmt: skip
    classify_pending(db)
    newest = "SELECT t.sentiment FROM tags t WHERE t.comment_id = (SELECT max(id) FROM comments)"
    (sentiment,) = db.execute(newest).fetchone()
    assert sentiment == "negative"

    # nothing due: a second run does not learn again
    assert classify_pending(db).adaptation is None


def test_the_audit_page_says_what_the_ratings_changed(workspace, client):
    ingest(workspace, reviews(240), Context(origin="import"))
    classify_pending(workspace)
    record = ratings.record(workspace)
    page = client.get("/audit").get_data(as_text=True)
    assert f"learned from {record['learned_from']} of this workspace's 240 rated reviews" in page
    assert f"re-tagging {record['retagged']} comments changed the sentiment of" in page
    assert client.get("/api/audit").get_json()["ratings_adaptation"]["status"] == "active"


@pytest.mark.slow
def test_gapwatch_classify_says_what_the_ratings_taught(workspace, run):
    ingest(workspace, reviews(240), Context(origin="import"))
    result = run("classify")
    assert result.exit_code == 0, result.output
    record = ratings.record(workspace)
    said = f"Sentiment learned from {record['learned_from']} of this workspace's 240 star ratings"
    assert said in result.output
    assert (
        "now used" in result.output
        and "sentiment from the shipped model, adapted to this workspace's star ratings" in result.output
    )
    assert record["retagged"] == 240


def test_ratings_move_only_the_lean_between_positive_and_negative():
    """Ratings say which way a review leans, not whether it has a feeling: the neutral column and
    the sum of the positive and negative columns stay as shipped, and the head learns the lean."""
    import numpy as np

    from classifiers.adapt import adapt_head, agreement
    from classifiers.model import SENTIMENTS, SentimentHead

    rng = np.random.default_rng(0)
    direction = rng.normal(size=16)
    vectors = rng.normal(size=(200, 16))
    positive = vectors @ direction > 0
    shipped = SentimentHead(rng.normal(scale=0.1, size=(16, 3)).astype(np.float32), np.zeros(3, np.float32))
    adapted = adapt_head(shipped, vectors, positive, pull=0.001)
    neutral, pos, neg = (SENTIMENTS.index(s) for s in ("neutral", "positive", "negative"))
    assert np.allclose(adapted.weights[:, neutral], shipped.weights[:, neutral])
    assert np.allclose(adapted.weights[:, pos] + adapted.weights[:, neg],
                       shipped.weights[:, pos] + shipped.weights[:, neg], atol=1e-5)  # fmt: skip
    assert agreement(adapted, vectors, positive) > 0.9 > agreement(shipped, vectors, positive)
