"""Retrain now (server.jobs.training) with the real embedded model: asked for from the audit page, run
in the background with progress, its audit next to the current model's before anyone activates it;
bad requests refused, and nothing half-trained ever activated."""

from __future__ import annotations

import random
import re

import pytest

from server.classify.corrections import correct
from server.classify.review import draw_sample, label_item, next_item
from server.classify.tagging import active_model_path
from server.collect.ingest import Context, ingest
from server.jobs import training
from server.jobs.classifier import classify_pending
from server.store.db import write_transaction
from tests.conftest import log_in

SAYINGS = {
    "reliability": ["Sync never fails, {n} months without a lost file.", "It went down {n} times this week.",
                    "Our files vanished after update {n}.", "Rock solid for {n} seats."],
    "support": ["Support answered in {n} minutes.", "Support took {n} days to reply.",
                "The help desk fixed it within {n} hours.", "Nobody answered our ticket for {n} days."],
    "price": ["Too expensive at {n} dollars a seat.", "Worth every penny, {n} dollars well spent.",
              "The price went up {n} percent this year.", "Cheap enough for our {n} people."],
}  # fmt: skip


def truth_of(text: str) -> list[str]:
    return [key for key, lines in SAYINGS.items() if any(text.startswith(s.split("{n}")[0]) for s in lines)]


@pytest.fixture
def labelled(db):
    """120 comments tagged by the taxonomy; the audit's random sample labelled; 15 corrections
    outside it."""
    rng = random.Random(4)
    items = []
    for i in range(120):
        key = list(SAYINGS)[i % 3]
        items.append({"text": rng.choice(SAYINGS[key]).format(n=i + 2), "published_at": "2026-11-01"})
    ingest(db, items, Context(origin="import", brand="Acme"))
    classify_pending(db)
    draw_sample(db, per_stratum=6, days=3650, seed=1)
    while (item := next_item(db, "random")) is not None:
        label_item(db, item["id"], "fix", attributes=truth_of(item["text"]), by="ed")
    sample = {r[0] for r in db.execute("SELECT comment_id FROM review_items WHERE queue = 'random'")}
    rest = [r for r in db.execute("SELECT id, text FROM comments ORDER BY id") if r[0] not in sample]
    for cid, text in rest[:15]:
        correct(db, cid, attributes=truth_of(text), by="ed")
    return db


def test_too_little_to_learn_and_a_second_run_are_refused(db, client, auth):
    page = client.post("/audit/retrain", data={"csrf_token": csrf(client)}, follow_redirects=True)
    assert "Not started: nothing new to learn from yet: 0 corrections" in page.get_data(as_text=True)
    answer = client.post("/api/training", headers=auth)
    assert answer.status_code == 400 and "at least 10 needed" in answer.get_json()["error"]
    assert training.latest(db) is None


def test_retrain_from_the_page_shows_progress_then_both_audits_and_activates_only_when_asked(
    labelled, db_path, client, auth
):
    db = labelled
    page = client.post("/audit/retrain", data={"csrf_token": csrf(client)}, follow_redirects=True)
    text = page.get_data(as_text=True)
    run_id = training.latest(db)["id"]
    assert f"Retraining {run_id} is queued" in text and 'data-testid="training-progress"' in text
    assert 'http-equiv="refresh"' in text  # the page follows the run by itself
    second = client.post("/api/training", headers=auth)
    assert second.status_code == 409 and "already under way" in second.get_json()["error"]

    seen = []

    def watched_train(*args, progress, **kwargs):
        from server.jobs.learning import train

        progress("training", 0.5)
        seen.append(client.get("/audit").get_data(as_text=True))  # what an editor sees meanwhile
        return train(*args, progress=progress, **kwargs)

    result = training.run(db, db_path, run_id, train=watched_train)
    assert "training" in seen[0] and "50 %" in seen[0] and 'value="0.5"' in seen[0]
    assert result["status"] == "ready", result
    assert active_model_path(db) is None  # not active until someone says so
    assert (
        result["examples"] >= 15 and result["audit_before"]["labelled"] == result["audit_after"]["labelled"]
    )
    learned = {r[0] for r in db.execute("SELECT comment_id FROM corrections")} - {
        r[0] for r in db.execute("SELECT comment_id FROM review_items WHERE queue = 'random'")
    }
    assert len(learned) == 15  # the audit's sample measured it; it did not learn from it

    page = client.get("/audit").get_data(as_text=True)
    assert "not active yet" in page and 'data-testid="training-compare"' in page
    assert "F1, current model" in page and "F1, new model" in page
    api = client.get(f"/api/training/{run_id}", headers=auth).get_json()
    assert api["status"] == "ready" and api["audit_after"]["attributes"]

    page = client.post(f"/audit/retrain/{run_id}/activate", data={"csrf_token": csrf(client)},
                       follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert f"The model of retraining {run_id} is now active" in page
    assert str(active_model_path(db)) == result["folder"]
    assert training.get(db, run_id)["status"] == "activated"
    again = client.post(f"/api/training/{run_id}/activate", headers=auth)
    assert again.status_code == 409 and "is activated" in again.get_json()["error"]
    assert client.post("/api/training/999/activate", headers=auth).status_code == 404


def test_a_run_that_fails_midway_activates_nothing_and_leaves_no_model(labelled, db_path):
    db = labelled
    run_id = training.request(db, "ed")["id"]
    half = db_path.parent / "models" / "half-written"

    def broken_train(*_args, progress, **_kwargs):
        progress("training", 0.3)
        half.mkdir(parents=True)
        (half / "meta.json").write_text("{}")
        raise MemoryError("out of memory while fine-tuning")

    result = training.run(db, db_path, run_id, train=broken_train)
    assert result["status"] == "failed" and "out of memory" in result["error"]
    assert active_model_path(db) is None and result["folder"] is None
    assert not half.exists()  # the half-written model is gone
    with pytest.raises(Exception, match="only a finished retraining"):
        training.activate(db, db_path, run_id, "ed")


def test_a_run_cut_short_by_a_stopped_service_is_failed_at_the_next_start(labelled):
    db = labelled
    run_id = training.request(db, "ed")["id"]
    with write_transaction(db):
        db.execute("UPDATE training_runs SET status = 'running' WHERE id = ?", [run_id])
    assert training.fail_stale(db) == [run_id]
    assert training.get(db, run_id)["status"] == "failed"
    assert training.request(db, "ed")["status"] == "queued"  # a new one may be asked for


def test_viewers_cannot_retrain(labelled, app):
    viewer = app.test_client()
    log_in(viewer, "vi")
    answer = viewer.post("/audit/retrain", data={"csrf_token": csrf(viewer)})
    assert answer.status_code == 403
    assert 'data-testid="retrain"' not in viewer.get("/audit").get_data(as_text=True)


def csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get("/audit").get_data(as_text=True)).group(
        1
    )
