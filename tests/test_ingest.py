import pytest

from server.collect.ingest import MAX_TEXT, Context, ingest
from server.errors import NotFound

from .conftest import count

API = Context(origin="api")


def one(db, item, ctx=API):
    (outcome,) = ingest(db, [item], ctx)
    return outcome


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"text": "", "brand": "Acme"}, "text is empty"),
        ({"text": "   \n\t ", "brand": "Acme"}, "text is empty"),
        ({"text": "<p> </p><script>x()</script>", "brand": "Acme"}, "text is empty"),
        ({"text": "x" * (MAX_TEXT + 1), "brand": "Acme"}, f"longer than {MAX_TEXT}"),
        ({"text": "ok", "brand": "Acme", "url": "ftp://a.com/x"}, "http(s) address"),
        ({"text": "ok", "brand": "Acme", "url": "javascript:alert(1)"}, "http(s) address"),
        ({"text": "ok", "brand": "Acme", "published_at": "last tuesday"}, "not a date"),
        ({"text": "ok", "brand": "Nobody"}, "unknown brand 'Nobody'"),
        ({"text": "ok"}, "no brand"),
        ({"text": "ok", "brand": "Acme", "is_ours": 1}, "unknown field 'is_ours'"),
        ({"text": 42, "brand": "Acme"}, "text must be a string, not a number"),
        ({"text": ["a"], "brand": "Acme"}, "text must be a string, not an array"),
        ({"text": "ok", "brand": "Acme", "rating": "5"}, "rating must be a number"),
        ({"text": "ok", "brand": "Acme", "rating": True}, "rating must be a number"),
        ({"text": "ok", "brand": "Acme", "rating": 10**30}, "rating must be between"),
        ({"text": "ok", "brand": "Acme", "kind": "review"}, "kind must be one of"),
        ({"brand": "Acme"}, "text is required"),
        (["not", "an", "object"], "must be a JSON object"),
    ],
)
def test_each_rejection_has_a_clear_reason_and_stores_nothing(db, item, reason):
    outcome = one(db, item)
    assert outcome.status == "rejected"
    assert reason in outcome.reason
    assert count(db) == 0


def test_good_item_is_normalised_and_stored_with_everything_it_carries(db):
    outcome = one(
        db,
        {
            "text": "<p>Cafe\u0301  is <b>great</b></p>",
            "brand": "acme",
            "url": "https://www.example.com/r/1",
            "author": "  Maria  K. ",
            "published_at": "2025-03-01T10:00:00+01:00",
            "language": "en",
            "rating": 4.5,
            "external_id": 991,
        },
    )
    assert outcome.status == "new"
    row = db["comments"].get(outcome.id)
    assert row["text"] == "Café is great"
    assert row["brand_id"] == 1
    assert row["origin"] == "api" and row["kind"] == "customer"
    assert row["channel"] == "example.com"
    assert row["author"] == "Maria K."
    assert row["published_at"] == "2025-03-01T09:00:00Z"
    assert row["external_id"] == "991" and row["rating"] == 4.5
    assert len(row["content_hash"]) == 32 and row["collected_at"].endswith("Z")


def test_duplicates_keep_the_first_and_count_the_rest(db):
    outcomes = ingest(
        db,
        [
            {"text": "It just works", "brand": "Acme"},
            {"text": "It   just works", "brand": "Acme"},  # same once normalised
            {"text": "It just works", "brand": "Rival"},  # another brand: another comment
        ],
        API,
    )
    assert [o.status for o in outcomes] == ["new", "duplicate", "new"]
    assert outcomes[0].id == outcomes[1].id != outcomes[2].id
    again = one(db, {"text": "<b>It just works</b>", "brand": "Acme"})
    assert again.status == "duplicate" and again.id == outcomes[0].id
    assert db["comments"].get(outcomes[0].id)["duplicates"] == 2
    assert count(db) == 2


def test_mixed_batch_stores_exactly_the_accepted_items(db):
    items = [{"text": f"comment {i}", "brand": "Acme"} for i in range(5)]
    items[2]["url"] = "not a url"
    outcomes = ingest(db, items, API, batch_size=2)
    assert [o.status for o in outcomes] == ["new", "new", "rejected", "new", "new"]
    assert count(db) == 4


def test_failure_while_writing_a_batch_leaves_nothing_of_it(db, monkeypatch):
    """A crash mid-batch (disk full, a bug) after rows were inserted rolls the batch back."""
    import server.collect.ingest as ingest_module

    ingest(db, [{"text": "earlier batch", "brand": "Acme"}], API)
    inserted = {}

    def failing_index(cursor, before):
        inserted["rows"] = cursor.execute("SELECT count(*) FROM comments").fetchone()[0]
        raise OSError("disk full")

    monkeypatch.setattr(ingest_module, "_index_new", failing_index)
    with pytest.raises(OSError):
        ingest(db, [{"text": f"c{i}", "brand": "Acme"} for i in range(10)], API)
    assert inserted["rows"] == 11  # the batch was written inside the transaction…
    assert [r["text"] for r in db["comments"].rows] == ["earlier batch"]  # …and rolled back


def test_many_batches_prepared_in_a_helper_process_keep_order_and_outcomes(db):
    items = [{"text": f"c{i % 250}", "brand": "Acme" if i % 2 else "Rival"} for i in range(1000)]
    outcomes = ingest(db, items, API, batch_size=64)
    assert sum(o.status == "new" for o in outcomes) == 250
    first = {}
    for item, outcome in zip(items, outcomes, strict=True):
        key = (item["text"], item["brand"])
        if key not in first:
            assert outcome.status == "new"
            first[key] = outcome.id
        else:
            assert outcome.status == "duplicate" and outcome.id == first[key]
    assert db.execute("SELECT sum(duplicates) FROM comments").fetchone()[0] == 750
    assert db.execute("SELECT count(*) FROM comments_fts").fetchone()[0] == 250


def test_unknown_default_brand_is_refused_before_anything_is_read(db):
    with pytest.raises(NotFound, match="unknown brand 'Ghost'"):
        ingest(db, [{"text": "x"}], Context(origin="import", brand="Ghost"))


def test_default_brand_and_kind_apply_to_items_without_them(db):
    ctx = Context(origin="import", brand="Rival", kind="emitted")
    (outcome,) = ingest(db, [{"text": "Our new AI platform"}], ctx)
    row = db["comments"].get(outcome.id)
    assert row["brand_id"] == 2 and row["kind"] == "emitted" and row["origin"] == "import"


def test_full_text_index_finds_ingested_comments(db):
    ingest(db, [{"text": "Support answered on a Sunday", "brand": "Acme"}], API)
    hits = db.execute("SELECT count(*) FROM comments_fts WHERE comments_fts MATCH 'sunday'").fetchone()
    assert hits[0] == 1
