"""The Sources & crawls page: every source with its schedule, last run, health and errors; add,
edit, enable or disable, and "run now" (queued for the scheduler, as ``POST /api/sources/<id>/run``)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from server.answers import wake_scheduler
from server.collect.crawls import (
    CHOICE_NAMES,
    add_source,
    get_source,
    health,
    in_words,
    kind_name,
    list_sources,
    recognise_choice,
    request_run,
    try_source,
    update_source,
)
from server.errors import Invalid, NotFound
from server.jobs.scheduler import heartbeat, state_here
from server.params import whole_number
from server.request_db import get_db
from server.store.brands import list_brands
from server.web import _who, bp


def _form_source(form, *, adding: bool) -> dict:
    """A source (or a change) from the form, in the API's shape."""
    data: dict = {}
    for name in ("name", "schedule"):
        data[name] = form.get(name, "").strip() or None
    pages = form.get("max_pages", "").strip()
    if pages and whole_number(pages) is None:
        raise Invalid(f"max pages must be a whole number, not {pages[:20]!r}")
    data["max_pages"] = whole_number(pages)
    if adding:
        for name in ("kind", "url", "brand", "comment_kind"):
            data[name] = form.get(name, "").strip() or None
        if data["name"] is None:
            del data["name"]
    else:
        data["enabled"] = form.get("enabled") == "on"
        if data["name"] is None:
            del data["name"]
    return data


def _render(status: int = 200, form=None, error: str | None = None, trial: dict | None = None):
    db = get_db()
    sources = [{**s, "health": health(db, s)} for s in list_sources(db)]
    return render_template(
        "sources.html", sources=sources, brands=list_brands(db, counts=False), kinds=CHOICE_NAMES,
        kind_name=kind_name, form=form or {}, error=error, scheduler=state_here(current_app),
        heartbeat=heartbeat(db), trial=trial,
    ), status  # fmt: skip


@bp.get("/sources")
def sources():
    """sources with their schedule, last run, health (ok, failing with the reason in words, the crawler's
    message folded under "technical detail", partial, never crawled, disabled) and the scheduler's state;
    add a source (its kind named for people: "Trustpilot page", "G2 / Capterra reviews", "App Store app",
    "Reddit thread or subreddit", "Hacker News", "Discourse forum", "RSS / Atom feed", "Any page with review
    markup", GitHub, Stack Exchange, YouTube; or recognised from the address; an address whose site needs
    another kind is refused, naming it), **Try one page** first (crawls the first page now, stores nothing,
    and shows how many comments it found and the first five, or why none; with the kind left to Gapwatch, an
    unknown site's page is recognised by what it holds: review markup, then a feed, then a Discourse forum),
    "Run now"; while a crawl is queued or running the page follows it without a reload (it fetches itself
    every 3 s); `/sources/<id>` edits name, schedule, page limit and enabled, and lists the latest runs with
    their errors"""
    return _render()


@bp.post("/sources")
def sources_add():
    if request.form.get("action") == "try":
        return _try()
    try:
        source = add_source(get_db(), _form_source(request.form, adding=True))
    except Invalid as exc:
        return _render(400, request.form, f"The source was not added: {exc}")
    flash(f"Source {source['name']!r} added.", "ok")
    return redirect(url_for("web.sources") + f"#source-{source['id']}", code=303)


def _try():
    """ "Try one page": crawl it now, store nothing, and show what was found above the form,
    which keeps what was typed (with the kind recognised), ready to be added."""
    data = _form_source(request.form, adding=True)
    data.pop("schedule", None), data.pop("name", None), data.pop("max_pages", None)
    try:
        trial = try_source(
            get_db(), data, allow_private=bool(current_app.config.get("CRAWL_ALLOW_PRIVATE_NETWORKS"))
        )
    except (Invalid, NotFound) as exc:
        return _render(400, request.form, f"Not tried: {exc}")
    chosen = request.form.get("kind", "").strip()
    if chosen in ("", "auto"):  # keep the site's own choice ("Trustpilot page") when it has one
        chosen = recognise_choice(data.get("url") or "") or trial["kind"]
    form = {**request.form.to_dict(), "kind": chosen}
    return _render(200, form, None, trial=trial)


@bp.get("/sources/<int:source_id>")
def source_page(source_id: int):
    """One source: its settings (editors may change them), its schedule and its recent runs with their
    errors."""
    db = get_db()
    try:
        source = get_source(db, source_id)
    except NotFound as exc:
        return render_template("error.html", message=str(exc)), 404
    return render_template("source.html", source=source, health=health(db, source), error=None,
                           scheduler=state_here(current_app), in_words=in_words)  # fmt: skip


@bp.post("/sources/<int:source_id>")
def source_edit(source_id: int):
    db = get_db()
    try:
        source = update_source(db, source_id, _form_source(request.form, adding=False))
    except NotFound as exc:
        return render_template("error.html", message=str(exc)), 404
    except Invalid as exc:
        source = get_source(db, source_id)
        return render_template("source.html", source=source, health=health(db, source),
                               error=f"Not saved: {exc}", scheduler=state_here(current_app),
                               in_words=in_words), 400  # fmt: skip
    flash(f"Source {source['name']!r} saved.", "ok")
    return redirect(url_for("web.source_page", source_id=source_id), code=303)


@bp.post("/sources/<int:source_id>/run")
def source_run(source_id: int):
    try:
        source = request_run(get_db(), source_id, by=_who())
    except NotFound as exc:
        return render_template("error.html", message=str(exc)), 404
    wake_scheduler()
    if state_here(current_app) == "off" and heartbeat(get_db()) is None:
        flash(f"{source['name']!r} is queued, but no scheduler is running: start `gapwatch serve` "
              "with the scheduler on, or run `gapwatch sources run ID`.", "error")  # fmt: skip
    else:
        flash(f"{source['name']!r} is queued; the crawl starts within seconds.", "ok")
    return redirect(url_for("web.sources") + f"#source-{source_id}", code=303)
