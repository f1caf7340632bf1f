"""Migration 0002: comments fts (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration


@migration
def m0002_comments_fts(db: Database) -> None:
    """Full-text index on comment text (Porter stemming), filled in for existing rows.

    Deletes and changes of text are kept in the index by triggers. New rows are indexed by
    ingestion itself, one statement per batch: a per-row insert trigger made bulk imports ~3x
    slower. The update trigger fires on text changes only, so counting a duplicate is cheap.
    """
    _execute_all(
        db,
        """
        CREATE VIRTUAL TABLE comments_fts USING FTS5 (
            text, tokenize='porter unicode61', content='comments', content_rowid='id'
        );
        INSERT INTO comments_fts (rowid, text) SELECT id, text FROM comments;
        """,
    )
    db.execute(
        """
        CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
            INSERT INTO comments_fts (comments_fts, rowid, text)
                VALUES ('delete', old.id, old.text);
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER comments_fts_update AFTER UPDATE OF text ON comments BEGIN
            INSERT INTO comments_fts (comments_fts, rowid, text)
                VALUES ('delete', old.id, old.text);
            INSERT INTO comments_fts (rowid, text) VALUES (new.id, new.text);
        END
        """
    )
