"""The real service for the page tests: `gapwatch serve` (waitress) on 127.0.0.1 over a demo
workspace, and what the tests use to reach it over HTTP and in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

GAPWATCH = Path(sys.executable).with_name("gapwatch")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "pages"
USER, PASSWORD = "tester", "a long test password"
TOKEN: dict[str, str] = {}  # the API token of USER, made by the server fixture


def _get(url: str):
    """GET with the test user's API token (every endpoint but /api/health needs one or a login)."""
    headers = {"Authorization": f"Bearer {TOKEN['value']}"}
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers))


_LOGINS: dict[str, dict] = {}  # server address -> USER's saved login (cookies), for the next pages


def _page(browser, base: str, **options):
    """A new browser page (in a context of its own), logged in as USER on the home page: through
    the login form the first time, then with the login it saved."""
    saved = _LOGINS.get(base)
    page = browser.new_page(**options, **({"storage_state": saved} if saved else {}))
    if saved is None:
        page.goto(base + "/login")
        page.get_by_label("User name").fill(USER)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        _LOGINS[base] = page.context.storage_state()
    else:
        page.goto(base + "/")
    page.wait_for_selector("[data-testid=who]")
    return page


class Pages:
    """The module's Chromium as a test sees it: each new page in a context of its own (its own
    cookies, as a browser of its own had), all closed when the test's ``with`` block ends."""

    def __init__(self, browser) -> None:
        self._browser = browser
        self._contexts: list = []

    def new_page(self, **options):
        context = self._browser.new_context(**options)
        self._contexts.append(context)
        return context.new_page()

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self._contexts.clear()

    def __enter__(self) -> Pages:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def launch_chromium():
    """Playwright and one Chromium for a module's page tests (the ``chromium`` fixture): answers both."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    return playwright, _browser(playwright)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chromium_path() -> str:
    configured = os.environ.get("GAPWATCH_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("no Chromium found: run `make test` (it installs one) or set GAPWATCH_CHROMIUM")


def serve(env: dict) -> tuple[subprocess.Popen, str]:
    """Start `gapwatch serve` on a free loopback port with ``env``; answer it and its address once
    it answers /api/health (the caller terminates it)."""
    port = free_port()
    proc = subprocess.Popen([GAPWATCH, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/api/health", timeout=2)
            return proc, base
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"gapwatch serve did not start: {proc.stdout.read()}")
            time.sleep(0.2)


# what a test's Chromium does without: a GPU (there is none), updates, sync, first-run pages
QUIET = ("--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run")  # fmt: skip


def _browser(p):
    return p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", *QUIET])


def _api(base: str, path: str) -> dict:
    with _get(base + path) as response:
        return json.load(response)


def _post(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {TOKEN['value']}"})  # fmt: skip
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def demo_service(tmp_path_factory):
    """A demo workspace served by `gapwatch serve`, as `make run` does (a generator: the
    ``server`` fixture of conftest yields what it yields)."""
    # The scheduler (tested in test_scheduler) would tag the demo in the background meanwhile.
    env = {
        **os.environ,
        "GAPWATCH_DB": str(tmp_path_factory.mktemp("srv") / "demo.db"),
        "GAPWATCH_SCHEDULER": "0",
    }
    subprocess.run([GAPWATCH, "demo"], env=env, check=True, capture_output=True)
    subprocess.run([GAPWATCH, "classify"], env=env, check=True, capture_output=True)  # as `make run` does
    subprocess.run([GAPWATCH, "themes"], env=env, check=True, capture_output=True)  # so does this
    from tests.workspaces import add_person  # the tester, as `gapwatch users add` and `tokens create` do

    TOKEN["value"] = add_person(Path(env["GAPWATCH_DB"]), user=USER, role="admin", password=PASSWORD,
                                token_name="pages")  # fmt: skip
    proc, base = serve(env)
    yield base, env
    proc.terminate()
    proc.wait(timeout=10)
