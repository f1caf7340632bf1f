"""The scheduler at work: schedules firing and surviving restarts, one scheduler per workspace, and
the jobs it runs (re-tagging, themes, alerts after crawls, retraining); helpers from
``test_scheduler.py``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
import urllib.request
from datetime import datetime, timedelta
from http.server import ThreadingHTTPServer

import pytest

from server.collect.crawls import add_source, finish_run, list_runs, request_run, start_run
from server.jobs import scheduler as scheduler_module
from server.jobs.scheduler import Scheduler
from tests.crawling import FAST, fast_crawls  # noqa: F401
from tests.fixture_site import Answer, Site
from tests.served import GAPWATCH, free_port
from tests.test_scheduler import config, finished_runs, wait_for
from tests.test_spiders import review_page

pytestmark = pytest.mark.usefixtures("fast_crawls")


@pytest.fixture
def quick_schedules(monkeypatch):
    """Schedules every 3 s (the product's shortest is 10 s), so that a test waits less for them."""
    from server.collect import schedules

    monkeypatch.setattr(schedules, "MIN_SECONDS", 1)


# --- the scheduler ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_schedule_fires_and_new_comments_get_tagged(db, db_path, quick_schedules):
    with Site() as site:
        site.paths["/r"] = Answer(review_page([("1", "The lamp broke after two days, very unreliable.")]))
        add_source(db, {"kind": "schemaorg", "url": site.url("/r"), "brand": "Acme", "schedule": "every 3s"})
        scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=3600))
        assert scheduler.start()
        try:
            jobs = scheduler._scheduler.get_jobs()
            assert all(job.max_instances == 1 and job.coalesce for job in jobs)
            wait_for(lambda: len(finished_runs(db)) >= 2, 40, "two scheduled runs")
            tagged = wait_for(lambda: db.execute("SELECT count(*) FROM tags").fetchone()[0], 60, "tags")
        finally:
            scheduler.stop()
    runs = finished_runs(db)
    assert {r["trigger"] for r in runs} == {"schedule"} and runs[-1]["new_count"] == 1
    assert runs[0]["new_count"] == 0  # the second run found nothing new
    assert tagged == 1
    assert db.execute("SELECT a.attribute FROM comment_attributes a").fetchall() == [("reliability",)]


def test_classify_every_0_turns_the_background_classifier_off(db, db_path):
    from server.collect.ingest import Context, ingest

    ingest(db, [{"text": "The lamp broke after two days.", "brand": "Acme"}], Context(origin="api"))
    scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=0))
    assert scheduler.start()
    try:
        assert "classify" not in scheduler.jobs() and "sync" in scheduler.jobs()
        scheduler.wake_classifier()  # a page's "classify now", or a crawl with new comments: nothing
        time.sleep(1)
    finally:
        scheduler.stop()
    assert db.execute("SELECT count(*) FROM tags").fetchone()[0] == 0


def test_schedules_survive_a_restart(db, db_path):
    with Site() as site:
        site.paths["/r"] = Answer(review_page([("1", "Nice.")]))
        source = add_source(
            db, {"kind": "schemaorg", "url": site.url("/r"), "brand": "Acme", "schedule": "every 1h"}
        )
        first = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=3600))
        first.start()
        wait_for(lambda: finished_runs(db), 30, "the first run")
        first.stop()
        second = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=3600))
        second.start()
        try:
            next_run = wait_for(
                lambda: second.jobs().get(f"source-{source['id']}"), 10, "the schedule to load"
            )
            started = datetime.fromisoformat(finished_runs(db)[0]["started_at"].replace("Z", "+00:00"))
            assert abs((next_run - (started + timedelta(hours=1))).total_seconds()) < 2
            time.sleep(2)
            assert len(list_runs(db)) == 1  # not run again on restart
        finally:
            second.stop()


def test_run_now_in_the_process_of_the_scheduler_starts_without_waiting_for_its_sync(
    db, db_path, app, client, auth, monkeypatch
):
    from server.jobs import scheduler as scheduling

    monkeypatch.setattr(scheduling, "SYNC_EVERY", 3600)  # after the first, no sync in this test
    with Site() as site:
        site.paths["/r"] = Answer(review_page([("1", "Nice.")]))
        site.paths["/s"] = Answer(review_page([("2", "Solid.")]))
        by_page = add_source(db, {"kind": "schemaorg", "url": site.url("/r"), "brand": "Acme"})
        by_api = add_source(db, {"kind": "schemaorg", "url": site.url("/s"), "brand": "Acme"})
        scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=0))
        assert scheduler.start()
        app.extensions["gapwatch_scheduler"] = scheduler  # as `gapwatch serve` does
        try:
            wait_for(lambda: scheduling.heartbeat(db), 10, "the first sync")
            form = client.get(f"/sources/{by_page['id']}").get_data(as_text=True)
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            assert client.post(f"/sources/{by_page['id']}/run", data={"csrf_token": csrf}).status_code == 303
            assert client.post(f"/api/sources/{by_api['id']}/run", headers=auth).status_code == 202
            wait_for(lambda: len(finished_runs(db)) == 2, 30, "both runs")
        finally:
            scheduler.stop()
    runs = finished_runs(db)
    assert {r["source_id"] for r in runs} == {by_page["id"], by_api["id"]}
    assert {r["trigger"] for r in runs} == {"manual"} and all(r["status"] == "ok" for r in runs)


def test_a_wake_while_the_sync_runs_makes_it_go_round_once_more(db, db_path, monkeypatch):
    """A "run now" asked for while a sync runs: the scheduler skips a second sync beside the
    running one, so the request used to wait for the next sync (an hour here)."""
    from server.jobs import scheduler as scheduling

    monkeypatch.setattr(scheduling, "SYNC_EVERY", 3600)
    scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=0))
    passes: list[int] = []
    inside, release = threading.Event(), threading.Event()
    sync_once = scheduler._sync_once

    def slow_sync_once():
        passes.append(len(passes) + 1)
        if len(passes) == 2:  # the sync the first wake started: it holds until the second wake
            inside.set()
            release.wait(10)
        sync_once()

    monkeypatch.setattr(scheduler, "_sync_once", slow_sync_once)
    assert scheduler.start()
    try:
        wait_for(lambda: scheduling.heartbeat(db), 10, "the first sync")
        scheduler.wake()
        assert inside.wait(10), "the wake started no sync"
        scheduler.wake()  # while that sync runs
        time.sleep(0.5)  # the scheduler's thread takes the wake while the sync still runs
        release.set()
        wait_for(lambda: len(passes) == 3, 10, "the sync after the wake that came while one ran")
    finally:
        release.set()
        scheduler.stop()
    assert passes == [1, 2, 3]


def test_stopping_the_scheduler_stops_a_crawl_and_the_run_says_why(db, db_path, monkeypatch):
    """`gapwatch serve` stopped while a crawl waits for a page: it used to wait for the crawl to
    end (the demo's crawls of its own pages, which the stopped server no longer answered, held
    Ctrl+C for a minute)."""
    monkeypatch.setenv("GAPWATCH_CRAWL_TIMEOUT", "60")  # the crawl would wait for the page
    with Site() as site:
        site.paths["/r"] = Answer(review_page([("1", "Nice.")]), delay=30)  # far past a stop
        source = add_source(db, {"kind": "schemaorg", "url": site.url("/r"), "brand": "Acme"})
        scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=0))
        assert scheduler.start()
        try:
            request_run(db, source["id"])
            scheduler.wake()
            wait_for(lambda: site.hits.count("/r"), 15, "the crawl to ask for its page")
        finally:
            scheduler.stop()
    (run,) = list_runs(db)
    assert run["status"] == "failed"
    assert run["errors"] == ["the crawler process was stopped: the service was shut down while it crawled"]


def test_one_scheduler_per_workspace_and_a_standby_takes_over(db, db_path, monkeypatch):
    monkeypatch.setattr(scheduler_module, "STANDBY_POLL", 0.2)  # the product's 5 s: waiting only
    first = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=0))
    second = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=0))
    assert first.start() is True
    assert second.start() is False
    first.stop()
    wait_for(lambda: second.active, 15, "the standby to take over")
    second.stop()


def test_a_standby_stopped_while_it_takes_over_stops_cleanly(db, db_path, monkeypatch):
    """APScheduler says it runs before its thread has started; a stop that came in that moment
    failed ("cannot join thread before it is started", CI of stop 32). Here that moment is made
    one second long: the stop waits for the start, then stops, and releases the workspace."""
    starting, real_start = threading.Event(), threading.Thread.start

    def slow_start(thread):
        if thread.name == "APScheduler" and threading.current_thread().name == "scheduler-standby":
            starting.set()
            time.sleep(1)
        real_start(thread)

    monkeypatch.setattr(threading.Thread, "start", slow_start)
    monkeypatch.setattr(scheduler_module, "STANDBY_POLL", 0.2)
    first = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=0))
    second = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=0))
    assert first.start() is True
    assert second.start() is False
    first.stop()
    assert starting.wait(15), "the standby did not take over"
    second.stop()
    assert not second.active
    third = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=0))
    assert third.start() is True, "the stopped standby kept the workspace's lock"
    third.stop()


def test_several_server_processes_run_exactly_one_scheduler(db, db_path):
    env = {**os.environ, "GAPWATCH_DB": str(db_path), "GAPWATCH_CLASSIFY_EVERY": "3600"}
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [GAPWATCH, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        states = [
            wait_for(lambda p=port: health(p), 30, "the servers")["scheduler"]["here"] for port in ports
        ]
        assert sorted(states) == ["active", "standby"]
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as response:
            return json.load(response)
    except OSError:
        return None


@pytest.mark.slow
def test_a_taxonomy_edit_is_re_tagged_in_the_background(db, db_path):
    from server.classify.taxonomy import current_attributes, save_taxonomy
    from server.collect.ingest import Context, ingest

    ingest(
        db, [{"text": "We had a picnic and a long walk in the park."}], Context(origin="api", brand="Acme")
    )
    scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=3))  # re-tagged at its next run
    scheduler.start()
    try:
        wait_for(lambda: db.execute("SELECT count(*) FROM tags").fetchone()[0], 60, "the first tags")
        outdoors = {
            "key": "outdoors",
            "name": "Outdoors",
            "definition": "Parks, picnics, walks and nature.",
            "examples": ["a walk in the park", "we had a picnic", "hiking in the hills"],
        }
        version = save_taxonomy(db, [*current_attributes(db), outdoors], note="add outdoors")
        wait_for(
            lambda: db.execute("SELECT taxonomy_version FROM tags").fetchone()[0] == version,
            30,
            "the re-tagging",
        )
    finally:
        scheduler.stop()
    assert db.execute("SELECT attribute FROM comment_attributes").fetchall() == [("outdoors",)]


@pytest.mark.slow
def test_a_page_asks_for_themes_and_the_scheduler_finds_them(db, db_path):
    from server.classify.themes import list_themes, request_run, take_requests
    from server.collect.ingest import Context, ingest

    names = ("Ana", "Ben", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea")
    wishes = [f"Please add a dark mode, {n} works late and the white screen hurts." for n in names]
    wishes += [f"Still no dark theme in the app, {n} asks every week." for n in names]
    ingest(db, [{"text": t} for t in wishes], Context(origin="api", brand="Acme"))
    request_run(db, "acme")  # the brand's name in any case
    assert take_requests(db) == ["Acme"] and take_requests(db) == []  # taken once
    scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=3600, THEMES_EVERY=0))
    scheduler.start()
    try:
        assert "themes" not in scheduler.jobs()  # THEMES_EVERY=0: only when asked
        wait_for(lambda: db.execute("SELECT count(*) FROM tags").fetchone()[0] == len(wishes), 60, "tags")
        request_run(db, "Acme")
        wait_for(lambda: db.execute("SELECT count(*) FROM theme_runs WHERE status = 'done'").fetchone()[0],
                 60, "the requested themes run")  # fmt: skip
    finally:
        scheduler.stop()
    found = list_themes(db, "Acme")
    assert found["runs"]["done"]["trigger"] == "manual"
    assert found["themes"] and any("dark" in term for term in found["themes"][0]["terms"][:3])


@pytest.mark.slow
def test_after_each_crawl_the_alert_rules_run_and_a_failing_source_reaches_the_webhook(
    db, db_path, quick_schedules
):
    """Issue 10: the scheduler evaluates the rules after each crawl; three failed runs of a
    scheduled source raise one alert, delivered to a (local) webhook once."""
    from server.tell.alerts import list_alerts
    from tests.conftest import _Hook

    _Hook.received, _Hook.status = [], 200
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        with Site() as site:
            site.paths["/r"] = Answer(b"down for maintenance", status=503)
            source = add_source(db, {"kind": "schemaorg", "url": site.url("/r"), "brand": "Acme",
                                     "schedule": "every 3s", "name": "Flaky reviews"})  # fmt: skip
            for _ in range(2):  # it failed twice before; the scheduler's first run is the third
                finish_run(
                    db, start_run(db, source["id"], "manual"), {"status": "failed", "errors": ["HTTP 503"]}
                )
            scheduler = Scheduler(str(db_path), config(
                db_path, CLASSIFY_EVERY=3600, ALERT_WEBHOOK=f"http://127.0.0.1:{hook.server_port}/hook"
            ))  # fmt: skip
            assert scheduler.start()
            try:
                wait_for(lambda: _Hook.received, 30, "the webhook")
                wait_for(lambda: len(finished_runs(db)) >= 4, 30, "a fourth failed run")
            finally:
                scheduler.stop()
    finally:
        hook.shutdown()
    assert all(r["status"] == "failed" for r in finished_runs(db))
    (alert,) = list_alerts(db)["alerts"]  # once, though it kept failing
    assert alert["title"] == "Flaky reviews keeps failing to crawl"
    assert alert["deliveries"]["webhook"]["status"] == "sent"
    assert [p["alert"]["id"] for p in _Hook.received] == [alert["id"]]


@pytest.mark.slow
def test_a_retraining_asked_for_from_the_page_is_run_by_the_scheduler_and_not_activated(db, db_path):
    from server.classify.corrections import correct
    from server.classify.tagging import active_model_path
    from server.collect.ingest import Context, ingest
    from server.jobs import training

    texts = [f"Support answered ticket {i} within the hour." for i in range(6)]
    texts += [f"The price went up {i + 5} percent again." for i in range(6)]
    ingest(db, [{"text": t} for t in texts], Context(origin="api", brand="Acme"))
    for cid, text in db.execute("SELECT id, text FROM comments ORDER BY id").fetchall():
        correct(db, cid, attributes=["support" if "Support" in text else "price"], by="ed")
    run_id = training.request(db, "ed")["id"]
    scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=3600, THEMES_EVERY=0))
    scheduler.start()
    try:
        wait_for(lambda: training.get(db, run_id)["status"] in ("ready", "failed"), 120, "the retraining")
    finally:
        scheduler.stop()
    done = training.get(db, run_id)
    assert done["status"] == "ready", done
    assert done["started_at"] and done["finished_at"] and done["progress"] == 1.0
    assert active_model_path(db) is None  # only an editor activates it
