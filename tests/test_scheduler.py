"""The scheduler: schedules fire, never overlap, survive a restart; one scheduler per workspace;
a killed crawl leaves its run failed and the store consistent; new comments get tagged."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from server import settings
from server.collect.crawls import add_source, fail_orphans, get_run, list_runs, run_source, start_run
from server.collect.schedules import first_run, parse_schedule
from server.errors import Conflict, Invalid
from server.jobs.scheduler import crawl_job
from tests.conftest import count
from tests.crawling import FAST, fast_crawls  # noqa: F401
from tests.fixture_site import Answer, Site
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
