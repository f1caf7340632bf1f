"""The scheduler: schedules fire, never overlap, survive a restart; one scheduler per workspace;
a killed crawl leaves its run failed and the store consistent; new comments get tagged."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from server import settings
from server.crawls import add_source, fail_orphans, finish_run, get_run, list_runs, run_source, start_run
from server.errors import Conflict, Invalid
from server.scheduler import Scheduler, crawl_job
from server.schedules import first_run, parse_schedule
from tests.conftest import count
from tests.crawling import FAST, fast_crawls  # noqa: F401
from tests.fixture_site import Answer, Site
from tests.test_serve_and_pages import GAPWATCH, free_port
from tests.test_spiders import review_page

pytestmark = pytest.mark.usefixtures("fast_crawls")


def config(db_path, **overrides) -> dict:
    values = settings.load({"DB": str(db_path)}, environ={**os.environ, **FAST})
    values["CRAWL_ALLOW_PRIVATE_NETWORKS"] = 1
    values.update(overrides)
    return values


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def finished_runs(db) -> list[dict]:
    return [r for r in list_runs(db) if r["status"] != "running"]


# --- schedules --------------------------------------------------------------------------------


def test_schedule_forms_and_their_errors():
    assert isinstance(parse_schedule("every 6h"), IntervalTrigger)
    assert parse_schedule("every 30m").interval == timedelta(minutes=30)
    assert isinstance(parse_schedule("0 7 * * mon-fri"), CronTrigger)
    with pytest.raises(ValueError, match="too frequent"):
        parse_schedule("every 2s")
    with pytest.raises(ValueError, match="not understood: write for example 'daily at 07:00'"):
        parse_schedule("now and then")
    with pytest.raises(ValueError, match="not a valid crontab"):
        parse_schedule("0 25 * * *")


@pytest.mark.parametrize(
    ("words", "interval"),
    [("hourly", timedelta(hours=1)), ("daily", timedelta(days=1)), ("weekly", timedelta(days=7)),
     ("every 6 hours", timedelta(hours=6)), ("Every 30 minutes", timedelta(minutes=30)),
     ("every 2 days", timedelta(days=2)), ("every hour", timedelta(hours=1))],
)  # fmt: skip
def test_schedules_in_words_at_an_interval(words, interval):
    assert parse_schedule(words).interval == interval


@pytest.mark.parametrize(
    ("words", "crontab"),
    [("daily at 07:00", "0 7 * * *"), ("every day at 7pm", "0 19 * * *"), ("daily at 12am", "0 0 * * *"),
     ("weekdays at 08:30", "30 8 * * mon-fri"), ("weekly on Monday", "0 0 * * mon"),
     ("every Friday at 17:15", "15 17 * * fri"), ("weekly on sundays at 6am", "0 6 * * sun")],
)  # fmt: skip
def test_schedules_in_words_at_times_of_day(words, crontab):
    said = parse_schedule(words)
    expected = CronTrigger.from_crontab(crontab, timezone=UTC)
    start = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    fires, wanted = [], []
    for _ in range(4):
        fires.append(said.get_next_fire_time(None, fires[-1] + timedelta(seconds=1) if fires else start))
        wanted.append(
            expected.get_next_fire_time(None, wanted[-1] + timedelta(seconds=1) if wanted else start)
        )
    assert fires == wanted


@pytest.mark.parametrize(
    "words", ["daily at 25:00", "every day at 13pm", "weekly on Funday", "every 5 seconds"]
)
def test_schedules_in_words_that_cannot_be_refuse_with_a_reason(words):
    with pytest.raises(ValueError, match="not a time of day|not understood|too frequent"):
        parse_schedule(words)


def test_a_restart_neither_loses_nor_repeats_a_schedule():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    hourly = parse_schedule("every 1h")
    assert first_run(hourly, None, now) == now  # never ran: now
    assert first_run(hourly, "2026-01-01T11:30:00Z", now) == datetime(2026, 1, 1, 12, 30, tzinfo=UTC)
    assert first_run(hourly, "2026-01-01T09:00:00Z", now) == now  # missed while down: once, now
    daily = parse_schedule("0 7 * * *")
    assert first_run(daily, "2026-01-01T07:00:00Z", now) == datetime(2026, 1, 2, 7, 0, tzinfo=UTC)
    assert first_run(daily, "2025-12-31T07:00:00Z", now) == now


def test_a_bad_schedule_is_refused_when_the_source_is_added(db):
    with pytest.raises(Invalid, match="not understood"):
        add_source(
            db, {"kind": "feed", "url": "https://b.example/feed", "brand": "Acme", "schedule": "often"}
        )
    with pytest.raises(Invalid, match="kind must be one of"):
        add_source(db, {"kind": "ftp", "url": "https://b.example/feed", "brand": "Acme"})
    assert count(db, "sources") == 0


# --- runs never overlap; a killed crawl ----------------------------------------------------


def test_a_source_is_never_crawled_twice_at_once(db, db_path):
    with Site() as site:
        site.paths["/slow"] = Answer(review_page([("1", "Slow but fine.")]), delay=2)
        source = add_source(db, {"kind": "schemaorg", "url": site.url("/slow"), "brand": "Acme"})
        results = []
        threads = [
            threading.Thread(
                target=lambda: results.append(
                    crawl_job(str(db_path), source["id"], "schedule", config(db_path))
                )
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
            time.sleep(0.5)
        for thread in threads:
            thread.join(60)
    assert sorted(r is None for r in results) == [False, True]  # one ran, one was refused
    assert len(list_runs(db)) == 1 and list_runs(db)[0]["status"] == "ok"
    run_id = start_run(db, source["id"], "manual")  # the store itself refuses a second running run
    with pytest.raises(Conflict, match="already being crawled"):
        start_run(db, source["id"], "manual")
    assert get_run(db, run_id)["status"] == "running"


def test_a_killed_crawl_is_marked_failed_and_the_store_stays_consistent(db):
    with Site() as site:
        for n in range(1, 40):
            reviews = [(f"{n}-{i}", f"Review {i} of page {n}, long enough to be real.") for i in range(25)]
            site.paths[f"/p{n}"] = Answer(review_page(reviews, f"/p{n + 1}"), delay=0.3)
        source = add_source(
            db, {"kind": "schemaorg", "url": site.url("/p1"), "brand": "Acme", "max_pages": 100}
        )
        started = {}
        outcome = {}

        def run():
            outcome["run"] = run_source(
                db,
                source["id"],
                allow_private=True,
                on_start=lambda run_id, pid: started.update(run=run_id, pid=pid),
            )

        thread = threading.Thread(target=run)
        thread.start()
        wait_for(lambda: "run" in started, 10, "the crawl to start")
        wait_for(lambda: count_of_run(db, started["run"]) > 0, 30, "a first batch to be stored")
        os.kill(started["pid"], signal.SIGKILL)
        thread.join(30)
    run = outcome["run"]
    assert run["status"] == "failed" and "killed by SIGKILL" in run["errors"][0]
    assert run["new_count"] == count_of_run(db, run["id"]) > 0
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert count(db, "comments_fts") == count(db)
    assert db.execute("SELECT count(*) FROM crawl_runs WHERE status = 'running'").fetchone() == (0,)


def count_of_run(db, run_id: int) -> int:
    return db.execute("SELECT count(*) FROM comments WHERE run_id = ?", [run_id]).fetchone()[0]


def test_runs_left_running_by_a_dead_process_are_failed_on_start(db):
    source = add_source(db, {"kind": "feed", "url": "https://b.example/feed", "brand": "Acme"})
    run_id = start_run(db, source["id"], "schedule")
    dead = subprocess.Popen(["true"])
    dead.wait()
    db.execute("UPDATE crawl_runs SET pid = ? WHERE id = ?", [dead.pid, run_id])
    db.conn.commit()
    assert fail_orphans(db) == [run_id]
    assert get_run(db, run_id)["status"] == "failed"


# --- the scheduler ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_schedule_fires_and_new_comments_get_tagged(db, db_path):
    with Site() as site:
        site.paths["/r"] = Answer(review_page([("1", "The lamp broke after two days, very unreliable.")]))
        add_source(db, {"kind": "schemaorg", "url": site.url("/r"), "brand": "Acme", "schedule": "every 10s"})
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


def test_one_scheduler_per_workspace_and_a_standby_takes_over(db, db_path):
    first = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=3600))
    second = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=3600))
    assert first.start() is True
    assert second.start() is False
    first.stop()
    wait_for(lambda: second.active, 15, "the standby to take over")
    second.stop()


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
    from server.ingest import Context, ingest
    from server.taxonomy import current_attributes, save_taxonomy

    ingest(
        db, [{"text": "We had a picnic and a long walk in the park."}], Context(origin="api", brand="Acme")
    )
    scheduler = Scheduler(str(db_path), config(db_path, CLASSIFY_EVERY=10))
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
    from server.ingest import Context, ingest
    from server.themes import list_themes, request_run, take_requests

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
def test_after_each_crawl_the_alert_rules_run_and_a_failing_source_reaches_the_webhook(db, db_path):
    """Issue 10: the scheduler evaluates the rules after each crawl; three failed runs of a
    scheduled source raise one alert, delivered to a (local) webhook once."""
    from server.alerts import list_alerts
    from tests.conftest import _Hook

    _Hook.received, _Hook.status = [], 200
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        with Site() as site:
            site.paths["/r"] = Answer(b"down for maintenance", status=503)
            source = add_source(db, {"kind": "schemaorg", "url": site.url("/r"), "brand": "Acme",
                                     "schedule": "every 10s", "name": "Flaky reviews"})  # fmt: skip
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
    from server import training
    from server.classify import active_model_path
    from server.corrections import correct
    from server.ingest import Context, ingest

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
