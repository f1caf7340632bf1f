"""Pages: the customers' biggest problems (``/problems``) and the shared enemies (``/enemies``)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.errors import Conflict, Invalid
from server.params import whole_number
from server.people.accounts import editors
from server.request_db import get_db
from server.store.brands import list_brands
from server.tell.enemies import SORTS, get_enemy, list_enemies, name_enemy, problems, retire
from server.tell.report import trend_geometry
from server.web import _who, bp, default_brand, empty_state


def curve_geometry(enemy: dict) -> dict | None:
    """The shared enemy's monthly rate as a line with its band, and its target as a level."""
    points = [{"start": p["month"], "rate": p} for p in enemy.get("curve") or []]
    highs = [p["high"] or p["value"] or 0 for p in enemy.get("curve") or [] if p["value"] is not None]
    top = max([*highs, enemy["target"], 0.02]) * 1.15
    return trend_geometry(points, "rate", top=top, target=enemy["target"])


@bp.get("/problems")
@empty_state("Problems")
def problems_page():
    """**The customers' biggest problems** for a brand (`?brand=&sort=size|negativity|growth`): per
    attribute and per theme nobody tracks, the complaints of the latest 90 days, their share of the
    customer comments with its interval, the change on the 90 days before, the monthly trend, the
    competitors' rate and the strongest complaints; editors "Name it a shared enemy" (`/enemies/new`,
    which posts to itself: a name, a target, a commercial and a technical owner) or test a claim about it"""
    db = get_db()
    brands = list_brands(db, counts=False)
    found = problems(db, request.args.get("brand") or default_brand(brands), request.args.get("sort", "size"))
    named = {(e["attribute"], e["theme_id"]): e for e in list_enemies(db) if e["brand"] == found["brand"]}
    return render_template("problems.html", data=found, brands=brands, sorts=SORTS, named=named)


@bp.get("/enemies")
def enemies():
    """**Shared enemies**: each with its number now against its target and its two owners (`?all=1` with the
    retired); `/enemies/<id>`: its monthly curve with the 95 % band, the target and the month it was named,
    the comments behind it, and for editors "Retire" with a reason (`/enemies/<id>/retire`). The active ones
    show at the top of `/overview`"""
    db = get_db()
    shown = list_enemies(db, active=request.args.get("all") != "1")
    return render_template("enemies.html", enemies=shown, everything=request.args.get("all") == "1")


def _form(values: dict, error: str | None = None, status: int = 200):
    db = get_db()
    return render_template("enemy_new.html", values=values, error=error, editors=editors(db),
                           brands=list_brands(db, counts=False)), status  # fmt: skip


FIELDS = ("name", "brand", "attribute", "theme", "target", "commercial_owner", "technical_owner", "label")


@bp.get("/enemies/new")
def enemy_new():
    """(editors) Name a shared enemy: its attribute or theme, its target and its two owners."""
    values = {name: request.args.get(name, "") for name in FIELDS}
    values["name"] = values["name"] or (f"Complaints about {values['label']}" if values["label"] else "")
    return _form(values)


@bp.post("/enemies/new")
def enemy_name():
    form = request.form
    values = {name: form.get(name, "") for name in FIELDS}
    try:
        target = form.get("target", "").strip().rstrip("%").strip()
        try:
            share = float(target) / 100
        except ValueError:
            raise Invalid(f"the target is a percentage of comments, e.g. 5, not {target[:20]!r}") from None
        theme = (form.get("theme") or "").strip()
        body = {"name": form.get("name", ""), "brand": form.get("brand") or None,
                "attribute": form.get("attribute") or None, "target": share,
                "theme": whole_number(theme) if theme else None,
                "commercial_owner": form.get("commercial_owner", ""),
                "technical_owner": form.get("technical_owner", "")}  # fmt: skip
        if theme and body["theme"] is None:
            raise Invalid(f"theme must be a number, not {theme[:20]!r}")
        enemy = name_enemy(get_db(), body, by=_who())
    except (Invalid, Conflict) as exc:
        return _form(values, str(exc), 400 if isinstance(exc, Invalid) else 409)
    flash(f"“{enemy['name']}” is now a shared enemy: it shows at the top of the overview.", "ok")
    return redirect(url_for("web.enemy_page", enemy_id=enemy["id"]), code=303)


@bp.get("/enemies/<int:enemy_id>")
def enemy_page(enemy_id: int):
    """One shared enemy: its monthly curve with the 95 % band, the target and the complaints behind it."""
    enemy = get_enemy(get_db(), enemy_id)
    return render_template("enemy.html", enemy=enemy, curve=curve_geometry(enemy))


@bp.post("/enemies/<int:enemy_id>/retire")
def enemy_retire(enemy_id: int):
    try:
        enemy = retire(get_db(), enemy_id, request.form.get("reason", ""), by=_who())
    except (Invalid, Conflict) as exc:
        flash(str(exc), "error")
    else:
        flash(f"“{enemy['name']}” is retired.", "ok")
    return redirect(url_for("web.enemy_page", enemy_id=enemy_id), code=303)
