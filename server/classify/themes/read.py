"""Reading the themes of a brand's latest run: sizes, growth and quotes."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlite_utils import Database

from server.errors import Invalid, NotFound
from server.store.brands import get_brand

GROWTH_DAYS = 90

# --- reading them -------------------------------------------------------------------------------


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _quotes(db: Database, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    rows = {
        r["id"]: r
        for r in db.query(
            "SELECT id, text, channel, url, author, coalesce(published_at, collected_at) AS date "
            f"FROM comments WHERE id IN ({', '.join('?' * len(ids))})", ids
        )
    }  # fmt: skip
    return [{**rows[i], "date": rows[i]["date"][:10]} for i in ids if i in rows]


def latest_run(db: Database, brand_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM theme_runs WHERE brand_id = ? ORDER BY id DESC LIMIT 1", [brand_id]))
    if not rows:
        return None
    run = rows[0]
    done = list(db.query(
        "SELECT * FROM theme_runs WHERE brand_id = ? AND status = 'done' ORDER BY id DESC LIMIT 1", [brand_id]
    ))  # fmt: skip
    result = {"latest": _run_public(run), "done": _run_public(done[0]) if done else None}
    return result


def _run_public(run: dict) -> dict:
    comments, themed = run["comments"] or 0, run["themed"]
    return {
        "id": run["id"], "status": run["status"], "trigger": run["trigger"], "started_at": run["started_at"],
        "finished_at": run["finished_at"], "seconds": run["seconds"], "comments": comments,
        "themed": themed, "themes": run["themes"], "error": run["error"],
        "outlier_share": round(1 - themed / comments, 4) if themed is not None and comments else None,
    }  # fmt: skip


ORDERS = ("size", "growth")


def _growth_key(theme: dict) -> tuple:
    """Fastest growing first: new themes, then by growth, then by size."""
    rate = theme["growth"] if theme["growth"] is not None else (float("inf") if theme["new"] else -1.0)
    return (-rate, -theme["recent"], -theme["size"], theme["id"])


def list_themes(db: Database, brand_name: str, order: str = "size") -> dict:
    """The brand's current themes, largest (or fastest growing) first, each with its terms,
    quotes, size, growth over the last ``GROWTH_DAYS`` days against the ones before, and its size
    in earlier runs."""
    if order not in ORDERS:
        raise Invalid(f"order must be one of {', '.join(ORDERS)}, not {str(order)[:40]!r}")
    brand = get_brand(db, brand_name)
    runs = latest_run(db, brand["id"])
    end = _day(db.execute(
        "SELECT max(coalesce(published_at, collected_at)) FROM comments "
        "WHERE brand_id = ? AND kind = 'customer'",
        [brand["id"]],
    ).fetchone()[0])  # fmt: skip
    recent: dict[int, tuple[int, int]] = {}
    if end is not None:
        cut, before = end - timedelta(days=GROWTH_DAYS), end - timedelta(days=2 * GROWTH_DAYS)
        for theme_id, now, then in db.execute(
            "SELECT m.theme_id, sum(d > ?), sum(d > ? AND d <= ?) FROM theme_members m "
            "JOIN (SELECT id, date(coalesce(published_at, collected_at)) AS d FROM comments) c "
            "ON c.id = m.comment_id JOIN themes t ON t.id = m.theme_id WHERE t.brand_id = ? "
            "GROUP BY m.theme_id",
            [cut.isoformat(), before.isoformat(), cut.isoformat(), brand["id"]],
        ):  # fmt: skip
            recent[theme_id] = (now or 0, then or 0)
    history: dict[int, list[int]] = {}
    for theme_id, size in db.execute(
        "SELECT s.theme_id, s.size FROM theme_sizes s JOIN themes t ON t.id = s.theme_id "
        "WHERE t.brand_id = ? ORDER BY s.run_id", [brand["id"]]
    ):  # fmt: skip
        history.setdefault(theme_id, []).append(size)
    unclaimed = runs["done"]["comments"] if runs and runs["done"] else 0
    themes, promoted = [], []
    for row in db.query(
        "SELECT * FROM themes WHERE brand_id = ? AND status != 'gone' ORDER BY size DESC, id", [brand["id"]]
    ):
        now, then = recent.get(row["id"], (0, 0))
        theme = {
            "id": row["id"], "label": row["label"], "terms": json.loads(row["terms"]), "size": row["size"],
            "share": round(row["size"] / unclaimed, 4) if unclaimed else None,
            "recent": now, "before": then, "growth": round(now / then - 1, 4) if then else None,
            "new": then == 0 and now > 0, "sizes": history.get(row["id"], []),
            "quotes": _quotes(db, json.loads(row["quotes"])), "status": row["status"],
            "attribute": row["attribute"], "first_run": row["first_run"],
        }  # fmt: skip
        (promoted if row["status"] == "promoted" else themes).append(theme)
    if order == "growth":
        themes.sort(key=_growth_key)
    if end is not None:
        window = {"from": (end - timedelta(days=GROWTH_DAYS - 1)).isoformat(), "to": end.isoformat()}
    else:
        window = None
    return {"brand": brand["name"], "order": order, "runs": runs, "unclaimed": unclaimed,
            "growth_days": GROWTH_DAYS, "recent_window": window, "themes": themes,
            "promoted": promoted}  # fmt: skip


def get_theme(db: Database, theme_id: int) -> dict:
    rows = list(db.query("SELECT t.*, b.name AS brand FROM themes t JOIN brands b ON b.id = t.brand_id "
                         "WHERE t.id = ?", [theme_id]))  # fmt: skip
    if not rows:
        raise NotFound(f"no theme {theme_id}")
    row = rows[0]
    return {**row, "terms": json.loads(row["terms"]), "quotes": _quotes(db, json.loads(row["quotes"]))}
