"""Background work asked for goes through one table (``server.store.job_requests``) that the scheduler
drains, whichever process asked: crawls now, themes, tagging now."""

from __future__ import annotations

import time

import pytest
from sqlite_utils import Database

from server.classify.themes import request_run as request_themes
from server.classify.themes import requested, take_requests
from server.collect.crawls import add_source, get_source, request_run, take_run_requests
from server.errors import Invalid
from server.store import job_requests, migrations
from server.store.brands import add_brand, get_brand
from server.store.db import open_db


def test_one_request_waits_per_kind_and_subject_and_is_taken_once(db):
    first = job_requests.ask(db, "crawl", "7", by="maria")
    assert job_requests.ask(db, "crawl", "7", by="sam") == first  # asked again: the first one waits
    job_requests.ask(db, "crawl", "3")
    job_requests.ask(db, "themes", "1")
    assert job_requests.waiting(db, "crawl", "7") == first
    assert job_requests.take(db, "crawl") == ["7", "3"]  # oldest first
    assert job_requests.take(db, "crawl") == [] and job_requests.waiting(db, "crawl", "7") is None
    assert job_requests.take(db, "themes") == ["1"]  # other kinds are left alone until taken
    with pytest.raises(Invalid, match="kind"):
        job_requests.ask(db, "reboot")


def test_run_now_and_themes_ask_through_the_table(db):
    nimbus = add_brand(db, "Nimbus", competitor=True)["id"]
    acme = get_brand(db, "Acme")["id"]
    source = add_source(db, {"kind": "feed", "url": "https://example.com/feed.xml", "brand": "Acme"})
    assert get_source(db, source["id"])["run_requested_at"] is None
    asked = request_run(db, source["id"], by="maria")
    assert asked["run_requested_at"] is not None  # the API and the page show it as queued
    request_themes(db, "Nimbus")
    request_themes(db, "acme")
    assert requested(db, nimbus) and requested(db, acme)
    assert take_run_requests(db) == [source["id"]] and take_run_requests(db) == []
    assert get_source(db, source["id"])["run_requested_at"] is None
    assert take_requests(db) == ["Nimbus", "Acme"] and not requested(db, acme)
    rows = db.execute("SELECT count(*) FROM job_requests").fetchone()[0]
    assert rows == 0


def test_requests_waiting_in_the_old_places_move_over(tmp_path):
    path = tmp_path / "old.db"
    old = Database(str(path))
    migrations.apply(old, stop_before="m0022_job_requests")
    old.execute("INSERT INTO brands (name, is_ours, created_at) VALUES ('Acme', 1, '2025-01-01')")
    old.execute(
        "INSERT INTO sources (name, kind, url, brand_id, comment_kind, enabled, created_at, "
        "run_requested_at) VALUES ('feed', 'feed', 'https://example.com/feed.xml', 1, 'customer', 1, "
        "'2025-01-01', '2025-02-01')"
    )
    old.execute("INSERT INTO meta (key, value) VALUES ('themes_request:1', '2025-02-02')")
    old.conn.commit()
    old.close()
    db = open_db(path)
    assert take_run_requests(db) == [1]
    assert take_requests(db) == ["Acme"]
    assert "run_requested_at" not in db["sources"].columns_dict
    assert db.execute("SELECT count(*) FROM meta WHERE key LIKE 'themes_request:%'").fetchone()[0] == 0
    db.close()


@pytest.mark.slow
def test_a_standby_servers_page_reaches_the_scheduler_of_another_process(db, db_path):
    """A taxonomy edit on a server that does not run the scheduler asks for re-tagging through the
    table; the scheduler (here in the same test process, its classifier due in an hour) tags
    within a sync or two instead of waiting for its next run."""
    from server.collect.ingest import Context, ingest
    from server.jobs.scheduler import Scheduler
    from tests.test_scheduler import config, wait_for

    def tagged() -> int:
        return db.execute("SELECT count(*) FROM tags").fetchone()[0]

    ingest(db, [{"text": "Support answered within minutes."}], Context(origin="api", brand="Acme"))
    scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=3600))
    assert scheduler.start()
    try:
        wait_for(lambda: tagged() == 1, 60, "the first run, at start")
        time.sleep(2)  # that run is over; the next is due in an hour
        ingest(db, [{"text": "The price went up again."}], Context(origin="api", brand="Acme"))
        job_requests.ask(db, "classify", by="standby page")  # what answers.wake_classifier writes
        wait_for(lambda: tagged() == 2, 30, "the tagging asked for")
    finally:
        scheduler.stop()
    assert job_requests.waiting(db, "classify") is None
