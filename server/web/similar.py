"""Page: apply a correction to the comments most like it (``/comments/<id>/similar``), over
``server.classify.similar``: the neighbours are shown with their current tags and ticked; only the ticked
ones are corrected, in one go."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from server.classify.similar import apply, parse_n, similar
from server.classify.tagging import encoder_options, theme_encoder
from server.errors import Invalid, NotFound
from server.params import whole_number
from server.request_db import get_db
from server.web import _who, bp


@bp.get("/comments/<int:comment_id>/similar")
def similar_page(comment_id: int):
    """(editors) The uncorrected comments most like a corrected one, shown before anything is saved, to
    give them the same correction."""
    db = get_db()
    try:
        n = parse_n(request.values.get("n"))
        found = similar(db, comment_id, theme_encoder(db, encoder_options(current_app.config)), n=n)
    except NotFound as exc:
        return render_template("error.html", message=str(exc)), 404
    except Invalid as exc:
        return render_template("similar.html", error=str(exc), comment_id=comment_id, found=None, n=10), 400
    return render_template("similar.html", found=found, comment_id=comment_id, n=n, error=None)


@bp.post("/comments/<int:comment_id>/similar")
def similar_apply(comment_id: int):
    db = get_db()
    raw = request.form.getlist("id")
    try:
        ids = [whole_number(value) for value in raw]
        if None in ids:
            raise Invalid("every ticked comment must be an id")
        if not ids:
            raise Invalid("tick at least one comment to correct")
        done = apply(db, comment_id, ids, by=_who())
    except (Invalid, NotFound) as exc:
        flash(f"Nothing was corrected: {exc}.", "error")
        back = url_for("web.similar_page", comment_id=comment_id)
        return redirect(back, code=303)
    count = done["applied"]
    flash(f"Corrected {count} comment{'s' if count != 1 else ''} like comment {comment_id}; the figures and "
          "the next training use them.", "ok")  # fmt: skip
    return redirect(url_for("web.comments") + f"#comment-{comment_id}", code=303)
