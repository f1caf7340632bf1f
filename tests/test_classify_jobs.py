"""Classification jobs on a workspace, with the real embedded model."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from server.classify.tagging import current_tagger, pending_count
from server.classify.taxonomy import current_attributes, save_taxonomy
from server.cli import main
from server.collect.ingest import Context, ingest
from server.jobs.classifier import classify_pending
from server.jobs.learning import train

COMMENTS = [
    "The sync crashed twice this week and we lost files.",
    "Support answered in ten minutes and solved it.",
    "Far too expensive for a small team.",
    "We had a lovely picnic in the park.",
]


def add_comments(db, texts):
    outcomes = ingest(db, [{"text": t, "brand": "Acme"} for t in texts], Context(origin="api"))
    return [o.id for o in outcomes]


def tags_of(db, comment_id):
    row = db.execute(
        "SELECT model, taxonomy_version, sentiment FROM tags WHERE comment_id = ?", [comment_id]
    ).fetchone()
    sql = "SELECT attribute FROM tag_attributes WHERE comment_id = ? AND assigned = 1"
    attrs = [r[0] for r in db.execute(sql, [comment_id])]
    return row, attrs


def test_classify_tags_pending_comments_once(db):
    ids = add_comments(db, COMMENTS)
    report = classify_pending(db, batch_size=3)
    assert report.tagged == 4 and report.taxonomy_version == 1
    (_model, version, sentiment), attrs = tags_of(db, ids[0])
    assert "reliability" in attrs and sentiment == "negative" and version == 1
    assert "support" in tags_of(db, ids[1])[1]
    assert tags_of(db, ids[3])[1] == []
    scores = db.execute("SELECT count(*) FROM tag_attributes WHERE comment_id = ?", [ids[0]]).fetchone()[0]
    assert scores == len(current_attributes(db))  # every attribute's score is kept
    assert classify_pending(db).tagged == 0  # nothing left to do


def test_a_stopped_job_ends_after_its_batch_and_leaves_the_rest_pending(db):
    """What the scheduler's stop asks of the tagging job: finish the batch, keep the rest."""
    add_comments(db, COMMENTS)
    batches = []
    report = classify_pending(db, batch_size=3, progress=batches.append, stop=lambda: bool(batches))
    assert report.tagged == 3 and batches == [3]
    assert (
        db.execute("SELECT count(*) FROM comments WHERE id NOT IN (SELECT comment_id FROM tags)").fetchone()[
            0
        ]
        == 1
    )
    assert classify_pending(db, stop=lambda: True).tagged == 0  # asked to stop before any batch
    assert classify_pending(db).tagged == 1


def test_tags_feed_the_attribute_filter_of_the_api(db, client):
    ids = add_comments(db, COMMENTS)
    classify_pending(db)
    found = client.get("/api/comments?attribute=price").get_json()["comments"]
    assert [c["id"] for c in found] == [ids[2]]
    assert found[0]["sentiment"] == "negative" and found[0]["model"].startswith("taxonomy:")


def test_a_taxonomy_edit_re_tags_everything(db):
    ids = add_comments(db, COMMENTS)
    classify_pending(db)
    attributes = current_attributes(db) + [{
        "key": "outdoors", "name": "Outdoors", "definition": "Parks, picnics, walks and nature.",
        "examples": ["a walk in the park", "we had a picnic", "hiking in the hills"],
    }]  # fmt: skip
    assert save_taxonomy(db, attributes, note="add outdoors") == 2
    tagger, version = current_tagger(db)
    assert version == 2 and pending_count(db, tagger.model_id, version) == 4
    assert classify_pending(db).tagged == 4
    _row, attrs = tags_of(db, ids[3])
    assert attrs == ["outdoors"]
    assert {r[0] for r in db.execute("SELECT DISTINCT taxonomy_version FROM tags")} == {2}


def test_a_correction_changes_the_next_prediction_after_retraining(db, db_path):
    texts = [
        "The mobile app has no dark mode.",
        "Please add a dark theme, the white screen hurts at night.",
        "Dark mode is still missing in the desktop client.",
        "Where is the dark mode everyone asked for?",
    ]
    ids = add_comments(db, texts)
    classify_pending(db)
    probe = "Any news on a dark mode for the app?"
    before, _version = current_tagger(db)
    assert "innovation" not in before.predict(probe).attributes
    for cid in ids[:3]:
        db["corrections"].insert({"comment_id": cid, "attributes": json.dumps(["innovation"]),
                                  "corrected_by": "test", "created_at": "2026-01-01T00:00:00Z"})  # fmt: skip
    db.conn.commit()
    report = train(db, db_path)
    assert report.kind == "logistic" and report.examples == 15  # each correction counts 5 times
    after, _version = current_tagger(db)
    assert after.model_id != before.model_id
    assert "innovation" in after.predict(probe).attributes
    assert pending_count(db, after.model_id, 1) == 4  # the new model re-tags everything
    classify_pending(db)
    assert "innovation" in tags_of(db, ids[3])[1]


def test_classify_command_reports_what_it_did(db, db_path, monkeypatch):
    monkeypatch.setenv("GAPWATCH_DB", str(db_path))
    add_comments(db, COMMENTS)
    result = CliRunner().invoke(main, ["classify"])
    assert result.exit_code == 0, result.output
    assert "Tagged 4 comments" in result.stdout
    assert "attributes from the taxonomy's own phrases (nothing labelled yet)" in result.stdout
    # the tests share one folder of compiled encoders (GAPWATCH_ONNX_CACHE, set in conftest)
    assert not (db_path.resolve().parent / "models" / "onnx").exists()


def test_the_compiled_encoders_live_in_the_models_folder_unless_a_shared_one_is_set(tmp_path):
    from server import settings
    from server.classify.tagging import encoder_options, models_dir

    db_path = tmp_path / "w.db"
    own = encoder_options(settings.load({"DB": str(db_path)}, environ={}))
    assert own.cache_dir == models_dir(db_path) / "onnx"
    shared = settings.load({"DB": str(db_path)}, environ={"GAPWATCH_ONNX_CACHE": str(tmp_path / "compiled")})
    assert encoder_options(shared).cache_dir == tmp_path / "compiled"


def test_old_trained_models_are_pruned(tmp_path):
    from server.jobs.learning import prune_models

    for name in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z", "20260104T000000Z"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "meta.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a model", encoding="utf-8")
    deleted = prune_models(tmp_path, keep=3)
    assert [p.name for p in deleted] == ["20260101T000000Z"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "20260102T000000Z", "20260103T000000Z", "20260104T000000Z", "notes.txt",
    ]  # fmt: skip


def test_a_new_process_with_the_same_taxonomy_does_not_re_tag(db):
    from server.classify.tagging import _taxonomy_tagger

    add_comments(db, COMMENTS)
    classify_pending(db)
    _taxonomy_tagger.cache_clear()  # as in a fresh `gapwatch classify` process
    tagger, version = current_tagger(db)
    assert pending_count(db, tagger.model_id, version) == 0


@pytest.mark.xfail(
    strict=True,
    reason="issue 17: the sentiment model rebuilt this stop reads this complaint "
    "clause, pooled in the context of the praise after it, as positive (0.48 vs 0.44)",
)
def test_the_attribute_sentiment_comes_from_its_own_clause(db):
    tagger, _version = current_tagger(db)
    tag = tagger.predict("It crashes every day. Otherwise a lovely, friendly team and I am happy overall!")
    assert tag.sentiment == "positive"  # the comment as a whole…
    assert tag.attributes == ["reliability"]
    assert tag.attribute_sentiment["reliability"] == "negative"  # …but not about reliability
