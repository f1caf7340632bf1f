"""Shared fixtures: the app factory over a temporary workspace, a test client, a token."""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from server import create_app
from server.classify.taxonomy import ensure_taxonomy
from server.people.accounts import add_user
from server.people.tokens import create_token
from server.store.brands import add_brand
from server.store.db import open_db
from server.tell.alerts import ensure_rules


def _share_the_cores() -> None:
    """In a pytest-xdist process (`make test` runs 3 on 2 cores), torch computes on this process's
    share of the cores (at least one thread), for it and the `gapwatch` processes it starts. Torch's
    default, a thread per core in every process, makes the idle threads spin for work while the
    other processes wait for a core: ~90 CPU-seconds of the suite's ~720."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 0)
    if workers > 1 and "OMP_NUM_THREADS" not in os.environ:
        threads = max(1, (os.cpu_count() or 1) // workers)
        os.environ["OMP_NUM_THREADS"] = str(threads)
        if "torch" in sys.modules:  # too late for the variable: tell torch itself
            sys.modules["torch"].set_num_threads(threads)


_share_the_cores()
# Every test workspace would compile the int8 encoder again (~6 CPU-seconds each); they share the
# folder the tests' own encoders use (files are named by the weights' hash: nothing stale is read).
os.environ.setdefault("GAPWATCH_ONNX_CACHE", str(Path(tempfile.gettempdir()) / "gapwatch-onnx"))

# `make test-fast` (the edit loop) leaves out what starts a browser or another process, and what is
# marked slow; `make test` runs everything. Tests whose module starts `gapwatch serve`, workers,
# redis-server or node are marked `subprocess` here; those that use a browser fixture, `browser`.
SUBPROCESS_MODULES = frozenset({
    "test_serve_and_pages.py", "test_serve_and_pages_editing.py", "test_serve_and_pages_themes_and_cases.py",
    "test_extension.py", "test_extension_firefox.py", "test_clip_sites.py",
    "test_first_run.py", "test_workers.py", "test_faults.py", "test_extension_extract.py",
})  # fmt: skip
BROWSER_FIXTURES = frozenset({"browser", "playwright", "firefox", "chromium"})
# `make test` spreads the tests over processes (pytest-xdist, `-n 3 --dist loadgroup`); the modules
# that share the served demo workspace (the `server` fixture, started once per process) stay in one.
SERVED_DEMO_MODULES = frozenset({
    "test_serve_and_pages.py", "test_serve_and_pages_editing.py", "test_serve_and_pages_themes_and_cases.py",
})  # fmt: skip
# … and the modules that copy one planted workspace (``from_template``, built once per process)
# stay in one process each, so that it is built once, not once in every process.
TEMPLATE_GROUPS = {
    "test_api_perception.py": "perception", "test_cases.py": "cases", "test_cases_pages_and_api.py": "cases",
    "test_enemies.py": "problems",
}  # fmt: skip


def pytest_collection_modifyitems(config, items) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist process: what starts processes first
        items.sort(key=lambda item: item.path.name not in SUBPROCESS_MODULES)
    for item in items:
        if item.path.name in SUBPROCESS_MODULES:
            item.add_marker(pytest.mark.subprocess)
        if BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` as `make test` needs it: each test on the first free process, except the
    served-demo modules, which run in one process in the order of their files, and the modules of
    one planted workspace (``TEMPLATE_GROUPS``), each group in one process; the served demo goes
    first, then the other modules that start processes, so that the longest work does not start last.

    pytest-xdist 3.8 marks its groups by renaming the tests, which pytest 9.2 no longer reads, so
    the `xdist_group` mark would split the served demo over every process (three starts of ~70 s)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    def module(nodeid: str) -> str:
        return nodeid.split("::", 1)[0].rsplit("/", 1)[-1]

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            name = module(nodeid)
            if name in SERVED_DEMO_MODULES:
                return "served demo"
            return f"template {TEMPLATE_GROUPS[name]}" if name in TEMPLATE_GROUPS else nodeid

    return Scheduling(config, log)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A demo workspace served by `gapwatch serve`, as `make run` does, started once for the page
    tests (``test_serve_and_pages*.py``, which use it in the order of their files)."""
    from tests.served import demo_service

    yield from demo_service(tmp_path_factory)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for a module's page tests (each page opens a context of its own). Not one per
    process: Playwright's synchronous API keeps an event loop running while it is started, and
    the tests that follow in the process may need ``asyncio.run``."""
    from tests.served import launch_chromium

    playwright, browser = launch_chromium()
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(autouse=True)
def cheap_password_hash(request, monkeypatch):
    """Tests only: accounts made in the test process hash passwords with one round of PBKDF2
    instead of scrypt (about 100 ms each), which every ``db`` fixture's three users paid for. The
    product never does this; tests marked ``real_hash`` check the real one, and accounts made by
    `gapwatch` subprocesses keep it."""
    import server.people.accounts as accounts

    accounts._dummy_hash.cache_clear()
    if "real_hash" not in request.keywords:
        monkeypatch.setattr(accounts, "_HASH", "pbkdf2:sha256:1")
    yield
    accounts._dummy_hash.cache_clear()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "workspace.db"


PASSWORD = "correct horse battery"  # every test user's password
USERS = {"admin": "admin", "ed": "editor", "vi": "viewer"}


def add_test_users(database) -> None:
    for name, role in USERS.items():
        add_user(database, name, PASSWORD, role)


def log_in(client, username: str = "admin", password: str = PASSWORD):
    """Log ``client`` in through the login form (with its CSRF token); answer the response."""
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"csrf_token": csrf, "username": username, "password": password})


def _test_workspace(path: Path):
    database = open_db(path)
    ensure_taxonomy(database)
    add_brand(database, "Acme")
    add_brand(database, "Rival", competitor=True)
    ensure_rules(database)  # as the setup page does after adding brands
    add_test_users(database)
    return database


@pytest.fixture
def db(db_path: Path):
    """A workspace with a taxonomy, our brand 'Acme', a competitor 'Rival', and the users of
    ``USERS`` (admin, ed the editor, vi the viewer)."""
    database = _test_workspace(db_path)
    yield database
    database.close()


_TEMPLATES: dict[str, Path] = {}  # name -> a workspace file built once in this test process


@pytest.fixture
def from_template(db, tmp_path_factory):
    """``from_template(name, build)`` fills the test's ``db`` with a copy of a workspace that
    ``build(database)`` made from a ``db`` like it, once per test process. For the workspaces that
    many tests plant the same way: tagging the planted comments with the real model each time took
    most of those tests' time. The copy is SQLite's backup: the test's connection sees it."""
    import sqlite3

    def fill(name: str, build):
        if name not in _TEMPLATES:
            path = tmp_path_factory.mktemp("template") / f"{name}.db"
            template = _test_workspace(path)
            try:
                build(template)
            finally:
                template.close()
            _TEMPLATES[name] = path
        source = sqlite3.connect(_TEMPLATES[name])
        try:
            source.backup(db.conn)
        finally:
            source.close()
        return db

    return fill


@pytest.fixture
def app(db, db_path: Path):
    return create_app({"DB": str(db_path), "TESTING": True})


@pytest.fixture
def client(app):
    """A browser logged in as the admin."""
    test_client = app.test_client()
    assert log_in(test_client).status_code == 303
    return test_client


@pytest.fixture
def anon(app):
    """A client that has not logged in."""
    return app.test_client()


@pytest.fixture
def token(db) -> str:
    """An API token of the editor 'ed', full scope."""
    _record, value = create_token(db, "tests", "ed")
    return value


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def run(db_path, monkeypatch):
    """Run ``gapwatch ARGS`` in-process against the test workspace."""
    from click.testing import CliRunner

    from server.cli import main

    monkeypatch.setenv("GAPWATCH_DB", str(db_path))
    runner = CliRunner()

    def invoke(*args, **kwargs):
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return invoke


def count(db, table: str = "comments") -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# --- receivers for alert deliveries (webhooks, email) ------------------------------------------


class _Hook(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    _Hook.received, _Hook.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", _Hook
    server.shutdown()


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()
