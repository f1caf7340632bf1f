"""Languages (issue 17, part 5): each comment's language is detected; one the model does not read
is stored but not scored, kept out of every figure and counted on the overview."""

from __future__ import annotations

from server.classify.languages import EMBEDDED_LANGUAGES, detect, is_scored, scored_languages
from server.classify.tagging import not_scored
from server.collect.ingest import Context, ingest
from server.jobs.classifier import classify_pending
from server.measure.perception import brand_gap, overview
from server.store.db import write_transaction

JAPANESE = "このアプリは同期がとても速くて、ファイルが消えたことは一度もありません。"
CHINESE = "这个应用同步很快，客服也很及时，我们团队每天都在用。"
ENGLISH = [f"Support answered quickly and fixed the sync problem, ticket {i}." for i in range(3)]


def test_languages_are_detected_and_short_texts_stay_undetermined():
    assert detect(JAPANESE) == "ja" and detect(CHINESE) == "zh"
    assert detect("Die App stürzt ständig ab und der Support antwortet nicht.") == "de"
    assert detect("The app crashed again and I lost an afternoon of edits.") == "en"
    assert detect("ok") == "und" and detect("") == "und"
    assert scored_languages("embedded") == EMBEDDED_LANGUAGES and scored_languages(None) == {"en"}
    assert scored_languages("/models/multilingual-e5") is None  # another encoder reads every language
    assert is_scored("und", EMBEDDED_LANGUAGES) and not is_scored("ja", EMBEDDED_LANGUAGES)


def test_a_japanese_review_is_stored_not_scored_and_kept_out_of_the_figures(db, client, auth):
    items = [
        {"text": t, "brand": "Acme", "published_at": "2026-03-01"} for t in [*ENGLISH, JAPANESE, CHINESE]
    ]
    outcomes = ingest(db, items, Context(origin="import"))
    assert [o.status for o in outcomes] == ["new"] * 5  # nothing is dropped
    report = classify_pending(db)  # detects, then tags what the model reads
    stored = dict(db.execute("SELECT text, detected_language FROM comments").fetchall())
    assert stored[JAPANESE] == "ja" and stored[ENGLISH[0]] == "en"
    assert report.tagged == 3  # the English ones
    tagged = {r[0] for r in db.execute("SELECT c.text FROM tags t JOIN comments c ON c.id = t.comment_id")}
    assert JAPANESE not in tagged and CHINESE not in tagged
    assert brand_gap(db, "Acme")["comments"] == 3  # out of every figure
    view = overview(db, "Acme")
    assert view["not_scored"] == {"comments": 2, "languages": {"Japanese": 1, "Chinese": 1}}
    api = client.get("/api/brands/Acme/overview").get_json()
    assert api["not_scored"]["comments"] == 2
    page = client.get("/overview").get_data(as_text=True)
    assert "2 comments" in page and "in 2 languages not scored" in page
    listing = client.get("/comments").get_data(as_text=True)
    assert "not scored: Japanese" in listing and "not scored: Chinese" in listing
    found = client.get("/api/comments", headers=auth).get_json()["comments"]
    assert {c["detected_language"] for c in found} == {"en", "ja", "zh"}


def test_comments_stored_before_detection_are_detected_and_lose_their_tags(db):
    ingest(db, [{"text": t, "brand": "Acme"} for t in [ENGLISH[0], JAPANESE]], Context(origin="import"))
    classify_pending(db)
    with write_transaction(db):  # as a workspace from before: no detection, the Japanese one tagged
        db.execute("UPDATE comments SET detected_language = NULL")
        db.execute(
            "INSERT INTO tags (comment_id, model, taxonomy_version, sentiment, sentiment_score, created_at) "
            "SELECT id, 'old', 1, 'positive', 0.5, '2026-01-01T00:00:00Z' FROM comments WHERE text = ?",
            [JAPANESE],
        )
    classify_pending(db)
    assert db.execute("SELECT count(*) FROM comments WHERE detected_language IS NULL").fetchone()[0] == 0
    assert (
        db.execute(
            "SELECT count(*) FROM tags t JOIN comments c ON c.id = t.comment_id WHERE c.text = ?", [JAPANESE]
        ).fetchone()[0]
        == 0
    )
    assert not_scored(db, EMBEDDED_LANGUAGES)["languages"] == {"Japanese": 1}


def test_the_classify_command_says_what_it_did_not_score(db, run):
    ingest(db, [{"text": t, "brand": "Acme"} for t in [ENGLISH[0], JAPANESE]], Context(origin="import"))
    output = run("classify").output
    assert "Tagged 1 comments" in output and "Not scored: 1 comments" in output and "1 Japanese" in output


def test_the_evidence_list_filters_comments_about_no_attribute(db, client, auth):
    """Issue 17, part 4: what no attribute claims is one filter away (API and page)."""
    from server.classify.corrections import correct

    ingest(db, [{"text": t, "brand": "Acme"} for t in [
        "Support answered quickly and fixed the sync problem.",
        "We had pasta for dinner yesterday.",
        "My brother-in-law lives in Leeds.",
        JAPANESE,
    ]], Context(origin="import"))  # fmt: skip
    classify_pending(db)
    ids = dict(db.execute("SELECT text, id FROM comments").fetchall())
    correct(db, ids["My brother-in-law lives in Leeds."], attributes=["price"], by="tester")
    found = client.get("/api/comments?attribute=none", headers=auth).get_json()["comments"]
    assert {c["text"] for c in found} == {"We had pasta for dinner yesterday."}  # not the unscored one
    page = client.get("/comments?attribute=none").get_data(as_text=True)
    assert "pasta" in page and "Leeds" not in page
    refused = client.get("/api/comments?attribute=nonsense", headers=auth)
    assert refused.status_code == 400 and "none" in refused.get_json()["error"]
