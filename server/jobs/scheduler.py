"""The background work of a workspace: crawl schedules and the classifier job, in one process.

``gapwatch serve`` starts a ``Scheduler``; it runs APScheduler only if it takes the workspace's
lock file (``<db>.scheduler.lock``, released by the OS when the process ends), so several
server processes on one workspace still give exactly one scheduler; the others stand by and
take over when the holder goes away. Schedules live in the ``sources`` table: the scheduler
reads them every few seconds (``sync``), so a source added through the CLI, the API or another
process is picked up, and a restart loses nothing. Jobs have fixed ids, ``max_instances=1``
and ``coalesce=True``; a crawl runs in a child process (``server.collect.crawls.run_source``); the job
functions are plain functions, tested without the scheduler.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from server.classify.themes import take_requests as take_theme_requests
from server.collect import crawlqueue, crawls
from server.collect.schedules import first_run, parse_schedule
from server.errors import Conflict
from server.jobs import training
from server.store import job_requests
from server.store.db import open_db, utcnow, write_transaction
from server.tell.notify import WEEKDAYS

log = logging.getLogger(__name__)

SYNC_EVERY = 5  # seconds between reads of the sources table
SETTLE_EVERY = 2  # seconds between looks at the workers' queue (with GAPWATCH_REDIS_URL)
STANDBY_POLL = 5  # seconds between attempts of a standby process to take the lock
HEARTBEAT_KEY = "scheduler_heartbeat"
ALERTS_EVERY = 3600  # seconds between evaluations of the alert rules besides those after each batch
ALERTS_FIRST = 30  # seconds after the scheduler starts before the first evaluation


# --- the jobs: plain functions ----------------------------------------------------------------


def crawl_job(
    db_path: str, source_id: int, trigger: str, config: dict, stop: Callable[[], bool] | None = None
) -> dict | None:
    """Crawl one source now, or with ``REDIS_URL`` put it on the workers' queue; ``None`` when it
    is already being crawled (never twice at once). When ``stop`` answers true the crawl is
    stopped (``run_source``)."""
    db = open_db(db_path, migrate=False)
    try:
        if config.get("REDIS_URL"):
            run = crawlqueue.start(db, source_id, trigger, config["REDIS_URL"])
            log.info("crawl run %s of source %s queued for the workers", run["id"], source_id)
            return None  # its outcome comes when the workers are done (settle_job)
        run = crawls.run_source(
            db,
            source_id,
            trigger=trigger,
            allow_private=bool(config["CRAWL_ALLOW_PRIVATE_NETWORKS"]),
            time_limit=config["CRAWL_RUN_LIMIT"],
            stop=stop,
        )
    except Conflict as exc:
        log.info("skipped a crawl: %s", exc)
        return None
    finally:
        db.conn.close()
    log.info("crawl run %s of source %s: %s, %s new", run["id"], source_id, run["status"], run["new_count"])
    return run


def settle_job(db_path: str, config: dict) -> list[int]:
    """Finish the workers' runs that are done, give back a dead worker's requests (see
    ``server.collect.crawlqueue.settle``)."""
    db = open_db(db_path, migrate=False)
    try:
        finished = crawlqueue.settle(db, config["REDIS_URL"])
    finally:
        db.conn.close()
    if finished:
        log.info("crawl runs %s finished on the workers' queue", finished)
    return finished


def classify_job(db_path: str, config: dict, stop: Callable[[], bool] | None = None) -> int:
    """Tag what is pending (new comments, or all of them after a taxonomy or model change); when
    ``stop`` answers true, end after the batch being tagged."""
    from server.classify.tagging import encoder_options  # the model loads once per process
    from server.jobs.classifier import classify_pending

    db = open_db(db_path, migrate=False)
    try:
        return classify_pending(db, options=encoder_options(config), stop=stop).tagged
    finally:
        db.conn.close()


def training_job(db_path: str, config: dict, run_id: int) -> dict:
    """A retraining asked for from the audit page (``server.jobs.training``); it activates nothing."""
    from server.classify.tagging import encoder_options
    from server.jobs.training import run

    db = open_db(db_path, migrate=False)
    try:
        result = run(db, db_path, run_id, options=encoder_options(config))
    finally:
        db.conn.close()
    log.info("training run %s: %s", run_id, result["status"])
    return result


def themes_job(db_path: str, config: dict, brands: list[str] | None = None, trigger: str = "schedule") -> int:
    """Find themes again for ``brands`` (default: every brand whose unclaimed comments changed)."""
    from server.classify.tagging import encoder_options, theme_encoder
    from server.classify.themes import run_themes
    from server.store.brands import list_brands

    db = open_db(db_path, migrate=False)
    try:
        encoder = theme_encoder(db, encoder_options(config))
        names = brands or [b["name"] for b in list_brands(db, counts=False)]
        runs = [run_themes(db, name, encoder, trigger=trigger, only_if_changed=brands is None)
                for name in names]  # fmt: skip
    finally:
        db.conn.close()
    done = [r for r in runs if not r.skipped]
    for run in done:
        log.info("themes of %s: %s in %s comments (%.1f s)", run.brand, run.themes, run.comments, run.seconds)
    return len(done)


def alerts_job(db_path: str, config: dict) -> int:
    """Evaluate the alert rules, then deliver what is due (new alerts, and failed deliveries
    again); answer how many alerts were raised."""
    from server.tell.alerts import evaluate
    from server.tell.notify import deliver

    db = open_db(db_path, migrate=False)
    try:
        raised = evaluate(db)
        delivered = deliver(db, config)
    finally:
        db.conn.close()
    if raised or any(delivered.values()):
        log.info("alerts: %s raised, delivered %s", len(raised), delivered)
    return len(raised)


def digest_job(db_path: str, config: dict) -> dict:
    """Send the weekly digest (once per ISO week)."""
    from server.tell.notify import send_digest

    db = open_db(db_path, migrate=False)
    try:
        return send_digest(db, config)
    finally:
        db.conn.close()


# --- the scheduler ----------------------------------------------------------------------------


class Scheduler:
    def __init__(self, db_path: str, config: dict) -> None:
        self.db_path = str(db_path)
        self.config = config
        self.lock_path = Path(f"{self.db_path}.scheduler.lock")
        self._lock_file: Any = None
        self._scheduler: BackgroundScheduler | None = None
        self._started = False  # APScheduler's start has returned (its thread runs)
        self._life = threading.Lock()  # starting and stopping APScheduler, never at once
        self._stop = threading.Event()
        self._standby: threading.Thread | None = None
        self._schedules: dict[int, str] = {}  # source id -> schedule text, as scheduled
        self._wake_lock = threading.Lock()
        self._syncing = False  # a sync is running
        self._woken = False  # woken since the running sync began: it goes round once more

    @property
    def active(self) -> bool:
        # APScheduler says "running" before its thread has started; stopping it then fails
        return self._started and self._scheduler is not None and self._scheduler.running

    def start(self) -> bool:
        """Run the scheduler here if no other process does; otherwise stand by. Answer ``active``."""
        with self._life:
            taken = self._take_lock()
            if taken:
                self._run()
        if not taken:
            self._standby = threading.Thread(target=self._wait_for_lock, name="scheduler-standby",
                                             daemon=True)  # fmt: skip
            self._standby.start()
        return self.active

    def stop(self) -> None:
        """Stop: the tagging job ends after its batch, a crawl is stopped (the run says so), and
        the lock is released once every running job has ended (a standby must not start the same
        work beside a job still writing)."""
        self._stop.set()
        with self._life:  # a standby taking over now either has started, or will not start
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=True)
            self._started = False
            if self._lock_file is not None:
                self._lock_file.close()  # releases the lock
                self._lock_file = None

    def jobs(self) -> dict[str, datetime | None]:
        """Job id -> next run time (UTC), for tests and status."""
        if not self.active:
            return {}
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    def wake(self) -> None:
        """Take the job requests now (a "run now" made in this process) rather than at the next
        sync, at most ``SYNC_EVERY`` seconds away. A sync that is running when woken goes round
        once more as it ends (the scheduler would skip a second one beside it)."""
        if not self.active:
            return
        with self._wake_lock:
            self._woken = True
            if self._syncing:
                return
        self._scheduler.modify_job("sync", next_run_time=datetime.now(UTC))

    def wake_classifier(self) -> None:
        """Run the classifier job now (nothing when ``CLASSIFY_EVERY`` is 0: it is off here)."""
        if self.active and self._scheduler.get_job("classify") is not None:
            self._scheduler.modify_job("classify", next_run_time=datetime.now(UTC))

    # --- internals ------------------------------------------------------------------------------

    def _take_lock(self) -> bool:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_path, "a+")  # noqa: SIM115 - held for the life of the process
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle
        return True

    def _wait_for_lock(self) -> None:
        while not self._stop.wait(STANDBY_POLL):
            with self._life:
                if self._stop.is_set():
                    return
                if self._take_lock():
                    self._run()
                    return

    def _run(self) -> None:
        db = open_db(self.db_path)
        try:
            orphans = crawls.fail_orphans(db)
            if not self.config.get("REDIS_URL"):  # runs left on a queue this service no longer reads
                orphans += crawlqueue.fail_unqueued(db)
            stale_training = training.fail_stale(db)
        finally:
            db.conn.close()
        if stale_training:
            log.warning("training runs %s were cut short when the service stopped: failed", stale_training)
        if orphans:
            log.warning("crawl runs %s had no live process and are marked failed", orphans)
        scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=UTC,
        )
        scheduler.add_job(
            self._sync, "interval", seconds=SYNC_EVERY, id="sync", next_run_time=datetime.now(UTC)
        )
        if self.config["CLASSIFY_EVERY"] > 0:
            scheduler.add_job(self._classify, "interval", seconds=self.config["CLASSIFY_EVERY"],
                              id="classify", next_run_time=datetime.now(UTC))  # fmt: skip
        if self.config.get("REDIS_URL"):
            scheduler.add_job(self._settle, "interval", seconds=SETTLE_EVERY, id="settle",
                              next_run_time=datetime.now(UTC))  # fmt: skip
        scheduler.add_job(alerts_job, "interval", seconds=ALERTS_EVERY, id="alerts",
                          args=[self.db_path, self.config],
                          next_run_time=datetime.now(UTC) + timedelta(seconds=ALERTS_FIRST))  # fmt: skip
        weekday = str(self.config.get("DIGEST_WEEKDAY", "mon")).lower()
        if weekday in WEEKDAYS:
            scheduler.add_job(digest_job, "cron", day_of_week=weekday, hour=self.config["DIGEST_HOUR"],
                              id="digest", args=[self.db_path, self.config])  # fmt: skip
        if self.config["THEMES_EVERY"] > 0:
            scheduler.add_job(themes_job, "interval", seconds=self.config["THEMES_EVERY"], id="themes",
                              args=[self.db_path, self.config])  # fmt: skip
        self._scheduler = scheduler  # before it starts: its first sync runs at once, in its own thread
        scheduler.start()
        self._started = True

    def _sync(self) -> None:
        """One sync, and one more for each wake that came while it ran (see ``wake``)."""
        with self._wake_lock:
            self._syncing = True
        try:
            while True:
                with self._wake_lock:
                    self._woken = False
                self._sync_once()
                with self._wake_lock:  # no wake can fall between this look and the end of the sync
                    if not self._woken or self._stop.is_set():
                        self._syncing = False
                        return
        finally:
            with self._wake_lock:
                self._syncing = False

    def _sync_once(self) -> None:
        """Bring the crawl jobs in line with the sources table; start what was asked for
        (``server.store.job_requests``: crawls now, themes, tagging now; and queued retrainings);
        heartbeat."""
        db = open_db(self.db_path, migrate=False)
        try:
            wanted = {s["id"]: s for s in crawls.scheduled_sources(db)}
            requested = crawls.take_run_requests(db)
            themes_wanted = take_theme_requests(db)
            training_wanted = training.queued(db)
            classify_wanted = job_requests.take(db, "classify")
            with write_transaction(db):
                db["meta"].upsert({"key": HEARTBEAT_KEY, "value": f"{utcnow()} pid {os.getpid()}"}, pk="key")
        finally:
            db.conn.close()
        now = datetime.now(UTC)
        for source_id in set(self._schedules) - set(wanted):
            self._scheduler.remove_job(f"source-{source_id}")
            del self._schedules[source_id]
        for source_id, source in wanted.items():
            if self._schedules.get(source_id) == source["schedule"]:
                continue
            trigger = parse_schedule(source["schedule"])
            self._scheduler.add_job(
                self._crawl,
                trigger,
                id=f"source-{source_id}",
                args=[source_id, "schedule"],
                replace_existing=True,
                next_run_time=first_run(trigger, source["last_run_at"], now),
            )
            self._schedules[source_id] = source["schedule"]
        if themes_wanted:
            self._scheduler.add_job(
                themes_job, id=f"themes-now-{'-'.join(themes_wanted)}",
                args=[self.db_path, self.config, themes_wanted, "manual"], replace_existing=True,
            )  # fmt: skip
        for run_id in training_wanted:
            self._scheduler.add_job(
                training_job, id=f"train-{run_id}", args=[self.db_path, self.config, run_id],
                replace_existing=True,
            )  # fmt: skip
        for source_id in requested:
            self._scheduler.add_job(
                self._crawl, id=f"run-now-{source_id}", args=[source_id, "manual"], replace_existing=True
            )
        if classify_wanted:  # asked for by a page of this process or of another (a standby server)
            self.wake_classifier()

    def _crawl(self, source_id: int, trigger: str) -> None:
        run = crawl_job(self.db_path, source_id, trigger, self.config, stop=self._stop.is_set)
        if run is not None and run["new_count"]:
            self.wake_classifier()
        elif run is not None:  # nothing to tag: the alerts (a failing source) are checked now
            alerts_job(self.db_path, self.config)

    def _settle(self) -> None:
        if settle_job(self.db_path, self.config):  # comments arrived through the API meanwhile
            self.wake_classifier()

    def _classify(self) -> None:
        tagged = classify_job(self.db_path, self.config, stop=self._stop.is_set)
        if tagged:  # a batch was tagged: the figures moved
            alerts_job(self.db_path, self.config)


def heartbeat(db: Any) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [HEARTBEAT_KEY]).fetchone()
    return row[0] if row else None


def state_here(app: Any) -> str:
    """'active' (this process runs the schedules), 'standby' (another one does) or 'off'."""
    scheduler = app.extensions.get("gapwatch_scheduler")
    if scheduler is None:
        return "off"
    return "active" if scheduler.active else "standby"
