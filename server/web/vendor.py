"""Files of other projects that the pages need, served by Gapwatch itself (no CDN): plotly.js
and the style rules it would otherwise insert inline."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from flask import abort, current_app, send_from_directory

from server.web import bp


@bp.get("/vendor/plotly.min.js")
def plotly_js():
    """plotly.js as the `plotly` Python package ships it, served by Gapwatch itself: the charts work
    offline, with no CDN"""
    folder = _plotly_folder()
    if folder is None:
        abort(404)
    return send_from_directory(folder, "plotly.min.js", max_age=86400)


@bp.get("/vendor/plotly.css")
def plotly_css():
    """plotly.js's own style rules, read out of that `plotly.min.js`: plotly.js would insert them as inline
    CSS, which the Content-Security-Policy refuses"""
    folder = _plotly_folder()
    if folder is None:
        abort(404)
    response = current_app.response_class(_plotly_rules(str(folder / "plotly.min.js")), mimetype="text/css")
    response.cache_control.max_age = 86400
    return response


_RULE = re.compile(r"""\s*"((?:[^"\\]|\\.)*)"\s*:\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*([,}])""")


@functools.lru_cache(maxsize=1)
def _plotly_rules(path: str) -> str:
    """The rules object plotly.js adds at load (selectors with X for the plot and Y for the
    notifier, as plotly.js itself expands them)."""
    source = Path(path).read_text(encoding="utf-8")
    position = source.find('{"X,X div":')
    if position < 0:
        return "/* plotly.js style rules not found in this plotly.js version */\n"
    position += 1
    lines = []
    while True:
        match = _RULE.match(source, position)
        if match is None:
            break
        selector = match.group(1).replace(",", " ,") if match.group(1).startswith(",") else match.group(1)
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        body = match.group(2) if match.group(2) is not None else match.group(3)
        lines.append(f"{selector}{{{body}}}")
        position = match.end()
        if match.group(4) == "}":
            break
    return "\n".join(lines) + "\n"


def _plotly_folder() -> Path | None:
    try:
        import plotly
    except ImportError:
        return None
    folder = Path(plotly.__file__).parent / "package_data"
    return folder if (folder / "plotly.min.js").is_file() else None
