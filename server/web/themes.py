"""Pages: "What customers talk about that you don't track" (``/themes``) and promoting a theme
to an attribute of the taxonomy (``/themes/<id>/promote``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.answers import wake_classifier, wake_scheduler
from server.classify.themes import (
    draft_attribute,
    get_theme,
    list_themes,
    promote_theme,
    request_run,
    requested,
)
from server.errors import Conflict, Invalid, NotFound
from server.request_db import get_db
from server.store.brands import list_brands
from server.web import _who, bp, default_brand, empty_state, render_or_400


@bp.get("/themes")
@empty_state("What customers talk about that you don't track")
def themes():
    """**What customers talk about that you don't track**: for a brand, the themes of its customer comments
    that no attribute claims, largest or fastest growing first: label and distinctive terms, size and share,
    growth over the latest 90 days, size in recent runs, three representative quotes, "All N comments" (the
    evidence list narrowed to the theme) and, for editors, **Promote to attribute** (`/themes/<id>/promote`:
    the drafted name, definition and examples, editable before saving; the new taxonomy version re-tags in
    the background). "Find themes again" queues a run (`/themes/run`)"""
    db = get_db()
    brands = list_brands(db, counts=False)
    ours = default_brand(brands)
    error, data = None, None
    try:
        if ours is not None:
            data = list_themes(db, request.args.get("brand") or ours, request.args.get("order") or "size")
    except (Invalid, NotFound) as exc:
        error = str(exc)
    brand_id = next((b["id"] for b in brands if data and b["name"] == data["brand"]), None)
    return render_or_400(
        "themes.html", error, data=data, brands=brands,
        waiting=brand_id is not None and requested(db, brand_id),
    )  # fmt: skip


@bp.post("/themes/run")
def themes_run():
    brand = request_run(get_db(), request.form.get("brand", ""), by=_who())
    wake_scheduler()
    flash(f"Finding {brand}'s themes again in the background; they show here when ready.", "ok")
    return redirect(url_for("web.themes", brand=brand), code=303)


def _examples(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


@bp.route("/themes/<int:theme_id>/promote", methods=["GET", "POST"])
def theme_promote(theme_id: int):
    """(editors) Make a theme nobody declared an attribute of the taxonomy: its name, definition and
    examples, prefilled from the theme."""
    db = get_db()
    theme = get_theme(db, theme_id)
    draft = draft_attribute(db, theme_id)
    error, status = None, 200
    if request.method == "POST":
        form = request.form
        draft = {
            "key": form.get("key", "").strip(),
            "name": form.get("name", "").strip(),
            "definition": form.get("definition", "").strip(),
            "examples": _examples(form.get("examples", "")),
        }
        try:
            attribute = {k: v for k, v in draft.items() if v or k == "examples"}
            version, key = promote_theme(db, theme_id, attribute, by=_who(),
                                         note=form.get("note", "").strip() or None)  # fmt: skip
        except (Invalid, Conflict) as exc:
            error, status = f"Not saved: {exc}", 400
        else:
            wake_classifier()
            flash(f"Added the attribute {key!r} (taxonomy version {version}); comments are re-tagged in the "
                  "background, then the figures count it.", "ok")  # fmt: skip
            return redirect(url_for("web.themes", brand=theme["brand"]), code=303)
    return render_template("theme_promote.html", theme=theme, draft=draft, error=error), status
