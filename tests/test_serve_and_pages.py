"""The real service: `gapwatch serve` (waitress) on 127.0.0.1, driven over HTTP and in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

GAPWATCH = Path(sys.executable).with_name("gapwatch")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "pages"


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


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A demo workspace served by `gapwatch serve`, as `make run` does."""
    # The scheduler (tested in test_scheduler) would tag the demo in the background meanwhile.
    env = {
        **os.environ,
        "GAPWATCH_DB": str(tmp_path_factory.mktemp("srv") / "demo.db"),
        "GAPWATCH_SCHEDULER": "0",
    }
    subprocess.run([GAPWATCH, "demo"], env=env, check=True, capture_output=True)
    subprocess.run([GAPWATCH, "classify"], env=env, check=True, capture_output=True)  # as `make run` does
    port = free_port()
    proc = subprocess.Popen(
        [GAPWATCH, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/api/health", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"gapwatch serve did not start: {proc.stdout.read()}")
            time.sleep(0.2)
    yield base, env
    proc.terminate()
    proc.wait(timeout=10)


def test_serve_uses_the_production_server_and_answers(server):
    base, _env = server
    with urllib.request.urlopen(base + "/api/health") as response:
        assert response.headers["Server"] == "gapwatch"  # waitress' ident, not Werkzeug
        health = json.load(response)
    assert health["status"] == "ok" and health["comments"] >= 600
    with urllib.request.urlopen(base + "/api/brands") as response:
        assert json.load(response)["ours"] == "Lumio"


def test_clip_over_http_with_a_token_made_by_the_cli(server):
    base, env = server
    token = subprocess.run(
        [GAPWATCH, "tokens", "create", "--name", "http"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    body = json.dumps({"text": "Clipped over real HTTP", "url": "https://a.example.com/"}).encode()
    request = urllib.request.Request(
        base + "/api/clips",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 201 and json.load(response)["duplicate"] is False


@pytest.mark.browser
def test_person_browses_and_searches_the_demo(server):
    from playwright.sync_api import expect, sync_playwright

    base, _env = server
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page()
        page.goto(base + "/")
        expect(page.locator("table.brands")).to_contain_text("Lumio")
        expect(page.locator("table.brands")).to_contain_text("competitor")
        assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "1120px"
        page.get_by_role("link", name="Comments").click()
        page.get_by_label("Search").fill("support")
        page.get_by_label("Brand").select_option("Lumio")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_test_id("result-count")).to_contain_text("comments")
        quotes = page.locator("li.comment blockquote").all_inner_texts()
        assert quotes and all("support" in q.lower() for q in quotes)
        assert all(b == "Lumio" for b in page.locator("li.comment .brand").all_inner_texts())
        page.get_by_role("link", name="older →").click()
        expect(page.locator("nav.pages")).to_contain_text("page 2 of")
        page.get_by_label("From", exact=True).fill("2030-01-01")
        page.get_by_label("To", exact=True).fill("")
        page.get_by_role("button", name="Filter").click()
        expect(page.get_by_test_id("result-count")).to_have_text("0 comments")
        browser.close()


@pytest.mark.browser
def test_the_overview_shows_the_gap_and_leads_to_the_quotes(server):
    from playwright.sync_api import expect, sync_playwright

    base, _env = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/")
        page.get_by_role("link", name="Overview").click()
        reading = page.get_by_test_id("reading").inner_text()
        assert (
            reading.startswith("Customers talk about reliability")
            and "innovation is 45% of your positioning" in reading
        )
        assert page.get_by_test_id("gap-score").inner_text().endswith("]")  # a value with its interval
        rows = page.locator("table.gap tbody tr")
        assert rows.count() == 8
        innovation = page.locator("tr[data-attribute=innovation]")
        assert innovation.get_by_test_id("declared").inner_text() == "45 %"
        # the bars are drawn with the figures: declared 45 wide, perceived as the perceived share
        assert innovation.locator("rect.declared").get_attribute("width") == "45.0"
        perceived = float(innovation.get_by_test_id("perceived").inner_text().split(" %")[0])
        assert abs(float(innovation.locator("rect.perceived").get_attribute("width")) - perceived) < 0.6
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
        page.locator("tr[data-attribute=reliability]").get_by_role("link", name="quotes").click()
        expect(page.get_by_test_id("result-count")).to_contain_text("comments")
        assert page.get_by_label("Attribute").input_value() == "reliability"
        assert all(b == "Lumio" for b in page.locator("li.comment .brand").all_inner_texts())
        browser.close()


@pytest.mark.browser
def test_trends_draw_the_api_figures_and_a_point_leads_to_its_quotes(server):
    from playwright.sync_api import sync_playwright

    base, _env = server
    with urllib.request.urlopen(base + "/api/brands/Lumio/trends?interval=month") as response:
        api = json.load(response)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        external = []
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(base) else None)
        page.goto(base + "/trends?brand=Lumio&interval=month")
        page.wait_for_selector("#trends[data-ready=true]", timeout=20000)
        assert external == []  # plotly.js and the data come from the service itself
        drawn = page.evaluate(
            "() => document.getElementById('shares').data.filter(t => t.name === 'reliability')[0].y"
        )
        assert drawn == [p_["attributes"]["reliability"]["share"]["value"] for p_ in api["periods"]]
        declared = page.evaluate(
            "() => document.getElementById('shares').data.find(t => t.name === 'innovation (declared)').y"
        )
        assert declared == [0.45, 0.45]
        status = page.get_by_test_id("chart-status").inner_text()
        assert status.startswith(f"{len(api['periods'])} periods, 420 comments.")
        errors = page.evaluate(
            "() => document.getElementById('shares').data.find(t => t.name === 'reliability').error_y"
        )
        reliability = [p_["attributes"]["reliability"]["share"] for p_ in api["periods"]]
        assert errors["array"] == [
            None if f["value"] is None else f["high"] - f["value"] for f in reliability
        ]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "trends.png"), full_page=True)
        # click the last reliability point that has a value: its month's reliability quotes open
        index = max(i for i, v in enumerate(drawn) if v is not None)
        x, y = page.evaluate(
            """index => {
                const gd = document.getElementById('shares');
                const trace = gd.data.find(t => t.name === 'reliability');
                const layout = gd._fullLayout, box = gd.getBoundingClientRect();
                return [box.left + layout._size.l + layout.xaxis.d2p(trace.x[index]),
                        box.top + layout._size.t + layout.yaxis.d2p(trace.y[index])];
            }""",
            index,
        )
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.wait_for_url("**/comments?**")
        assert page.get_by_label("Attribute").input_value() == "reliability"
        start = api["periods"][index]["start"]
        assert page.get_by_label("From", exact=True).input_value() == start
        assert page.locator("li.comment").count() > 0
        browser.close()
