from sqlite_utils import Database

from server.collect.ingest import Context, ingest
from server.store import migrations
from server.store.db import open_db


def test_empty_database_gets_every_table_and_wal(tmp_path):
    db = open_db(tmp_path / "new.db")
    tables = set(db.table_names())
    for table in (
        "brands", "attributes", "taxonomy_versions", "positioning", "sources", "crawl_runs",
        "comments", "comments_fts", "tags", "tag_attributes", "corrections", "api_tokens",
    ):  # fmt: skip
        assert table in tables, table
    assert "comment_attributes" in db.view_names()
    assert db.journal_mode == "wal"
    assert migrations.applied(db) == migrations.names()


def test_applying_twice_changes_nothing(tmp_path):
    path = tmp_path / "w.db"
    open_db(path).close()
    db = open_db(path)
    assert migrations.applied(db) == migrations.names()
    rows = db.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert rows == len(migrations.names())


def test_older_database_is_upgraded_and_keeps_its_comments(tmp_path):
    """A workspace made before full-text search and tokens existed."""
    path = tmp_path / "old.db"
    old = Database(str(path))
    migrations.apply(old, stop_before="m0002_comments_fts")
    old.execute("INSERT INTO brands (name, is_ours, created_at) VALUES ('Acme', 1, '2025-01-01')")
    old.execute(
        "INSERT INTO comments (brand_id, text, kind, origin, collected_at, content_hash) "
        "VALUES (1, 'Support answered within minutes', 'customer', 'import', '2025-01-01', 'h')"
    )
    old.conn.commit()
    assert "api_tokens" not in old.table_names()
    old.close()

    db = open_db(path)
    assert migrations.applied(db) == migrations.names()
    assert "api_tokens" in db.table_names()
    hits = db.execute("SELECT rowid FROM comments_fts WHERE comments_fts MATCH 'answered'").fetchall()
    assert hits == [(1,)]
    # ingestion indexes new rows; the trigger follows a change of text
    ingest(db, [{"text": "Pricing is fair", "brand": "Acme"}], Context(origin="api"))
    assert (
        db.execute("SELECT count(*) FROM comments_fts WHERE comments_fts MATCH 'pricing'").fetchone()[0] == 1
    )
    db.execute("UPDATE comments SET text = 'Prices went up' WHERE id = 1")
    assert db.execute("SELECT rowid FROM comments_fts WHERE comments_fts MATCH 'answered'").fetchall() == []
    assert db.execute("SELECT rowid FROM comments_fts WHERE comments_fts MATCH 'went'").fetchall() == [(1,)]
