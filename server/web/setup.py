"""The first-run setup (``/setup``): what a new workspace needs, step by step, in the browser:
your brand and competitors, the attributes you track (the taxonomy, the default to start), the
declared positioning, first sources or an import, and who gets alerts. Each step says whether it
is done and links to the page that does it; an empty workspace sends editors here."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from server.classify.taxonomy import current_version, ensure_taxonomy, get_positioning
from server.errors import GapwatchError, Invalid
from server.request_db import get_db
from server.store.brands import add_brand, list_brands, our_brand
from server.tell.alerts import ensure_rules
from server.tell.notify import all_channels
from server.web import bp

MAX_COMPETITORS = 20


def steps(db) -> list[dict]:
    """The setup's steps, each with ``done`` and what it needs."""
    ours = our_brand(db)
    brands = list_brands(db, counts=False)
    declared = bool(ours and get_positioning(db, ours["name"]))
    sources = db.execute("SELECT count(*) FROM sources WHERE one_off = 0").fetchone()[0]
    comments = db.execute("SELECT count(*) FROM comments").fetchone()[0]
    alerts_to = all_channels(db, current_app.config)
    tracked = current_version(db) is not None
    return [
        {"key": "brands", "title": "Your brand and its competitors", "done": ours is not None,
         "said": f"{ours['name']}, with {len(brands) - 1} competitor(s)" if ours else "not yet"},
        {"key": "taxonomy", "title": "The attributes you track (the taxonomy)", "done": tracked,
         "said": "the default attributes (reliability, innovation, support, price, …): edit them any time"
         if tracked else "made with your brand"},
        {"key": "positioning", "title": "What your brand declares (positioning)", "done": declared,
         "said": "declared" if declared else "not yet: the weight your brand puts on each attribute"},
        {"key": "sources", "title": "Where customers' words come from", "done": bool(sources or comments),
         "said": f"{sources} source(s), {comments} comment(s)"},
        {"key": "alerts", "title": "Who gets alerts", "done": bool(alerts_to),
         "said": f"{len(alerts_to)} channel(s)" if alerts_to else "only in this app so far"},
    ]  # fmt: skip


@bp.get("/setup")
def setup():
    """(editors) **set up a new workspace in the browser**, step by step: your brand and competitors (`POST
    /setup/brands`, one competitor a line, all or none; the default taxonomy comes with the brand), the
    attributes you track (link to `/taxonomy`), the declared positioning (`/positioning`), first sources or
    an import (`/sources`, `/import`), who gets alerts (`/notifications`); each step says whether it is
    done. An empty workspace sends editors here from `/` and `/overview`. Every other page with nothing to
    show says what to do next instead of an error: with no brand yet, set the workspace up (viewers: ask an
    editor); with no customer comment yet, add a source or import a file"""
    db = get_db()
    return render_template("setup.html", steps=steps(db), ours=our_brand(db))


@bp.post("/setup/brands")
def setup_brands():
    """Your brand (when there is none yet) and competitors, one per line: all or none."""
    db = get_db()
    ours = our_brand(db)
    own = (request.form.get("brand") or "").strip()
    rivals = [line.strip() for line in (request.form.get("competitors") or "").splitlines() if line.strip()]
    try:
        if ours is None and not own:
            raise Invalid("give your brand's name")
        if len(rivals) > MAX_COMPETITORS:
            raise Invalid(f"at most {MAX_COMPETITORS} competitors at once")
        names = ([own] if ours is None else []) + rivals
        known = {b["name"].lower() for b in list_brands(db, counts=False)}
        seen: set[str] = set()
        for name in names:
            if name.lower() in known or name.lower() in seen:
                raise Invalid(f"{name[:100]!r} is named twice or already a brand here")
            seen.add(name.lower())
        if ours is None:
            add_brand(db, own)
            ensure_taxonomy(db)
        for name in rivals:
            add_brand(db, name, competitor=True)
        ensure_rules(db)  # their alert rules, with their defaults
    except GapwatchError as exc:
        flash(f"Not saved: {exc}", "error")
        return redirect(url_for("web.setup"), code=303)
    flash(f"Saved: {', '.join(names)}. Next: the attributes you track and what your brand declares.", "ok")
    return redirect(url_for("web.setup"), code=303)
