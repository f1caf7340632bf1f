"""The Positioning editor (weights that sum to 100 % and the statement) and the Taxonomy editor
(attributes, definitions, example phrases). Each save is a new version; earlier ones are listed."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server.classify.taxonomy import (
    current_attributes,
    current_version,
    get_positioning,
    positioning_history,
    save_taxonomy,
    set_positioning,
    taxonomy_versions,
)
from server.errors import Invalid, NotFound
from server.params import whole_number
from server.request_db import get_db
from server.store.brands import list_brands
from server.web import _who, bp, default_brand, empty_state

NEW_ROWS = 2  # blank attributes offered by the taxonomy editor


def _brand_name(db) -> str | None:
    name = request.values.get("brand")
    if name:
        return name
    return default_brand(list_brands(db, counts=False))


def _percent(name: str, raw: str) -> float:
    raw = raw.strip().replace(",", ".").rstrip("%").strip()
    if not raw:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise Invalid(f"the weight of {name} must be a number of percent, not {raw[:20]!r}") from None
    if not 0 <= value <= 100:
        raise Invalid(f"the weight of {name} must be between 0 and 100 %, not {raw[:20]}")
    return value


@bp.route("/positioning", methods=["GET", "POST"])
@empty_state("Positioning", comments=False)
def positioning():
    """the declared positioning of a brand: a weight per attribute in percent with a running total (it must
    be 100 %), the statement, a note; each save is a new version, listed with who saved it"""
    db = get_db()
    brand = _brand_name(db)
    attributes = current_attributes(db)
    error, status = None, 200
    form = request.form if request.method == "POST" else None
    if brand is None:
        return render_template(
            "error.html", message="no brand yet: add one with `gapwatch brands add NAME`"
        ), 404
    if form is not None:
        try:
            percents = {a["key"]: _percent(a["name"], form.get(f"weight-{a['key']}", "")) for a in attributes}
            total = sum(percents.values())
            if abs(total - 100) > 0.05:
                raise Invalid(f"the weights must sum to 100 %, not {total:g} %")
            statement = form.get("statement", "").strip() or None
            note = form.get("note", "").strip() or None
            weights = {k: v / 100 for k, v in percents.items() if v > 0}
            version = set_positioning(db, brand, weights, statement, note=note, by=_who())
        except (Invalid, NotFound) as exc:
            error, status = f"Not saved: {exc}", 400
        else:
            flash(f"Positioning of {brand} saved as version {version}; the figures use it now.", "ok")
            return redirect(url_for("web.positioning", brand=brand), code=303)
    try:
        weights = get_positioning(db, brand)
        history = positioning_history(db, brand)
    except NotFound as exc:
        return render_template("error.html", message=str(exc)), 404
    brands = list_brands(db, counts=False)
    brand_row = next(b for b in brands if b["name"].lower() == brand.lower())
    return render_template(
        "positioning.html", brand=brand_row, brands=brands, attributes=attributes, weights=weights,
        history=history, form=form, error=error, names={a["key"]: a["name"] for a in attributes},
    ), status  # fmt: skip


def _taxonomy_from_form(form) -> list[dict]:
    rows = []
    count = whole_number(form.get("count")) or 0
    for i in range(min(count, 200)):
        if form.get(f"remove-{i}") == "on":
            continue
        row = {
            "key": form.get(f"key-{i}", "").strip(),
            "name": form.get(f"name-{i}", "").strip(),
            "definition": form.get(f"definition-{i}", "").strip(),
            "examples": [line.strip() for line in form.get(f"examples-{i}", "").splitlines() if line.strip()],
        }
        if not any((row["key"], row["name"], row["definition"], row["examples"])):
            continue  # a blank new row
        rows.append({k: v for k, v in row.items() if v or k == "examples"})
    return rows


@bp.route("/taxonomy", methods=["GET", "POST"])
@empty_state("Taxonomy", comments=False)
def taxonomy():
    """the shared vocabulary: each attribute's name, definition and example phrases, plus new ones; each
    save is a new version and re-tags in the background"""
    db = get_db()
    error, status = None, 200
    attributes = current_attributes(db)
    if request.method == "POST":
        try:
            version = save_taxonomy(db, _taxonomy_from_form(request.form),
                                    request.form.get("note", "").strip() or None, by=_who())  # fmt: skip
        except Invalid as exc:
            error, status = f"Not saved: {exc}", 400
        else:
            flash(f"Taxonomy version {version} saved; comments are re-tagged in the background.", "ok")
            return redirect(url_for("web.taxonomy"), code=303)
    rows = [{**a, "existing": True} for a in attributes]
    rows += [{"key": "", "name": "", "definition": "", "examples": [], "existing": False}] * NEW_ROWS
    return render_template(
        "taxonomy.html", rows=rows, version=current_version(db), versions=taxonomy_versions(db), error=error,
    ), status  # fmt: skip
