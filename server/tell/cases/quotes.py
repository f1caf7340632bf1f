"""The strongest quotes for and against a statement."""

from __future__ import annotations

from sqlite_utils import Database

from server.store.comments import comments_by_ids
from server.tell.cases.statements import QUOTES

# --- quotes --------------------------------------------------------------------------------------

_DATED = "date(coalesce(c.published_at, c.collected_at))"


def _scoped(brand_id: int, scope) -> tuple[str, list]:
    where, args = ["c.brand_id = ?", "c.kind = 'customer'"], [brand_id]
    if scope.start:
        where.append(f"{_DATED} >= ?")
        args.append(scope.start)
    if scope.end:
        where.append(f"{_DATED} <= ?")
        args.append(scope.end)
    if scope.channels:
        where.append(f"c.channel IN ({', '.join('?' * len(scope.channels))})")
        args.extend(scope.channels)
    return " AND ".join(where), args


def quotes_of(db: Database, attribute: str, brand_id: int, scope, side: str) -> list[dict]:
    """The strongest quotes of one side: ``tagged`` (speaking of the attribute), ``other``
    (speaking of other attributes, not this one), ``positive``/``negative`` (towards it); the
    model's most confident first."""
    where, args = _scoped(brand_id, scope)
    if side == "other":
        sql = (f"SELECT c.id FROM comments c WHERE {where} "
               "AND c.id IN (SELECT comment_id FROM comment_attributes) "
               "AND c.id NOT IN (SELECT comment_id FROM comment_attributes WHERE attribute = ?) "
               "ORDER BY (SELECT max(score) FROM tag_attributes t "
               "WHERE t.comment_id = c.id AND t.assigned = 1) "
               "DESC, c.id DESC LIMIT 40")  # fmt: skip
        params = [*args, attribute]
    else:
        sql = ("SELECT c.id FROM comments c "
               "LEFT JOIN tag_attributes t ON t.comment_id = c.id AND t.attribute = ? "
               f"WHERE {where} AND c.id IN (SELECT comment_id FROM comment_attributes WHERE attribute = ?) "
               "ORDER BY coalesce(t.score, 1) DESC, c.id DESC LIMIT 200")  # fmt: skip
        params = [attribute, *args, attribute]
    rows = comments_by_ids(db, [r[0] for r in db.execute(sql, params)])
    if side in ("positive", "negative"):
        rows = [r for r in rows if r["attribute_sentiment"].get(attribute) == side]
    return [_quote(r) for r in rows[:QUOTES]]


def theme_quotes(db: Database, brand_id: int, theme_id: int, scope) -> list[dict]:
    where, args = _scoped(brand_id, scope)
    ids = [r[0] for r in db.execute(
        f"SELECT c.id FROM comments c JOIN theme_members m ON m.comment_id = c.id AND m.theme_id = ? "
        f"WHERE {where} ORDER BY m.similarity DESC, c.id DESC LIMIT ?",
        [theme_id, *args, QUOTES])]  # fmt: skip
    return [_quote(r) for r in comments_by_ids(db, ids)]


def _quote(row: dict) -> dict:
    return {key: row.get(key) for key in ("id", "text", "brand", "channel", "url", "author", "published_at",
                                          "attributes", "attribute_sentiment", "sentiment")}  # fmt: skip
