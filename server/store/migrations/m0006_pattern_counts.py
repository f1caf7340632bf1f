"""Migration 0006: pattern counts (the function's docstring says what it changes)."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.migrations.registry import _execute_all, migration

_DAY = "substr(coalesce({row}.published_at, {row}.collected_at), 1, 10)"


@migration
def m0006_pattern_counts(db: Database) -> None:
    """Pre-aggregated tag patterns, so that figures over a million comments answer quickly.

    ``pattern_counts`` holds, per brand, kind, channel ('' = all channels) and day, week or month,
    how many classified comments carry each *pattern* (their attributes with their sentiment,
    see ``server.measure.rollups``). Triggers note the (brand, day) of every change to comments, tags and
    corrections in ``pattern_dirty``; ``server.measure.rollups.refresh`` recomputes those days before
    figures are read, so figures always match the comments.
    """
    _execute_all(
        db,
        """
        CREATE TABLE pattern_counts (
            brand_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            grain TEXT NOT NULL CHECK (grain IN ('day', 'week', 'month')),
            channel TEXT NOT NULL,
            period TEXT NOT NULL,
            pattern TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (brand_id, kind, grain, channel, period, pattern)
        ) WITHOUT ROWID;
        CREATE INDEX pattern_counts_by_day ON pattern_counts (brand_id, grain, period);
        CREATE TABLE pattern_dirty (
            brand_id INTEGER NOT NULL,
            day TEXT NOT NULL,
            PRIMARY KEY (brand_id, day)
        ) WITHOUT ROWID
        """,
    )
    db.execute("CREATE INDEX comments_brand_day ON comments "
               "(brand_id, substr(coalesce(published_at, collected_at), 1, 10))")  # fmt: skip
    # Not "INSERT OR IGNORE": the conflict clause of the statement that fires a trigger (an
    # upsert, INSERT OR REPLACE) overrides the trigger's own, so duplicates are skipped explicitly.
    mark = (
        "INSERT INTO pattern_dirty (brand_id, day) SELECT brand_id, {day} FROM comments "
        "WHERE id = {ref} AND NOT EXISTS "
        "(SELECT 1 FROM pattern_dirty d WHERE d.brand_id = comments.brand_id AND d.day = {day})"
    )
    # tag_attributes rows are only ever written together with their comment's tags row
    for table, ref in (("tags", "comment_id"), ("corrections", "comment_id")):
        for event, rows in (("INSERT", ("new",)), ("UPDATE", ("old", "new")), ("DELETE", ("old",))):
            body = ";\n".join(
                mark.format(day=_DAY.format(row="comments"), ref=f"{row}.{ref}") for row in rows
            )
            db.execute(
                f"CREATE TRIGGER {table}_{event.lower()}_marks_days AFTER {event} ON {table} "
                f"BEGIN {body}; END"
            )
    own = (
        "INSERT INTO pattern_dirty (brand_id, day) SELECT {row}.brand_id, {day} WHERE NOT EXISTS "
        "(SELECT 1 FROM pattern_dirty d WHERE d.brand_id = {row}.brand_id AND d.day = {day})"
    )
    db.execute(
        "CREATE TRIGGER comments_update_marks_days AFTER UPDATE OF brand_id, kind, channel, published_at, "
        f"collected_at ON comments BEGIN {own.format(row='old', day=_DAY.format(row='old'))}; "
        f"{own.format(row='new', day=_DAY.format(row='new'))}; END"
    )
    db.execute(
        "CREATE TRIGGER comments_delete_marks_days AFTER DELETE ON comments "
        f"BEGIN {own.format(row='old', day=_DAY.format(row='old'))}; END"
    )
    db.execute(
        "INSERT OR IGNORE INTO pattern_dirty (brand_id, day) "
        f"SELECT DISTINCT c.brand_id, {_DAY.format(row='c')} "
        "FROM comments c JOIN tags t ON t.comment_id = c.id"
    )
