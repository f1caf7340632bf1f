"""The demo's own fictional sites (``/demo-site/…``), served by the demo workspace so its sources
crawl without the internet (see ``server.jobs.demo.open_demo_site``). Public, as the pages a crawler
reads are; any other workspace answers 404."""

from __future__ import annotations

from flask import abort, send_from_directory

from server.jobs.demo import DEMO_SITE, is_loaded
from server.request_db import get_db
from server.web import bp


@bp.get("/demo-site/<path:name>")
def demo_site(name: str):
    """(public, demo workspace only; 404 elsewhere) the demo's fictional pages (`server/jobs/demo_site/`) that
    its sources crawl: `lumio-reviews.html` (and its page 2), `driftbox-community.xml`"""
    if not is_loaded(get_db()):
        abort(404)
    return send_from_directory(DEMO_SITE, name, max_age=0)
