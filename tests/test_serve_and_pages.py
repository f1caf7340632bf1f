"""The real service: `gapwatch serve` (waitress) on 127.0.0.1, driven over HTTP and in Chromium: the
service, clips, browsing, the overview, trends, competitors and evidence. The demo server is the
session's (``server`` in conftest), shared in order with ``test_serve_and_pages_editing.py`` and
``test_serve_and_pages_themes_and_cases.py``."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request

import pytest

from server.jobs.demo_data import COUNTS, PLANTED
from tests.served import (
    ARTIFACTS,
    GAPWATCH,
    USER,
    Pages,
    _api,
    _get,
    _page,
)


def test_serve_uses_the_production_server_and_answers(server):
    base, _env = server
    with urllib.request.urlopen(base + "/api/health") as response:
        assert response.headers["Server"] == "gapwatch"  # waitress' ident, not Werkzeug
        health = json.load(response)
    assert health["status"] == "ok" and health["comments"] >= 600
    with _get(base + "/api/brands") as response:
        assert json.load(response)["ours"] == "Lumio"


def test_the_demo_as_make_run_tags_it_has_a_supported_case_and_one_not(server, tmp_path):
    """On a copy of the served workspace (tagged by `gapwatch classify`), `make run`'s step 4."""
    from server.store.backup import backup
    from server.store.db import open_db
    from server.tell.alerts import evaluate
    from server.tell.cases import list_cases
    from server.tell.enemies import list_enemies

    _base, env = server
    backup(env["GAPWATCH_DB"], tmp_path / "demo.db")  # as `gapwatch backup` copies a served workspace
    db = open_db(tmp_path / "demo.db")
    raised = evaluate(db)
    found = {c["claim"]: c for c in list_cases(db)}
    reliability = found["Customers choose Lumio for reliability, not for innovation"]
    innovation = found["Customers see Lumio as the innovation leader we say we are"]
    assert (reliability["verdict"], innovation["verdict"]) == ("supported", "not supported")
    assert reliability["state"] == innovation["state"] == "tested"
    assert reliability["result"]["quotes"]["for"] and innovation["result"]["quotes"]["against"]
    assert not [a for a in raised if a["kind"] == "case"]  # a first verdict is no change: no alert
    (enemy,) = list_enemies(db)
    assert (enemy["name"], enemy["attribute"], enemy["met"]) == (
        "Slow sync on big folders",
        "performance",
        False,
    )
    assert enemy["current"]["value"] > enemy["target"] and {
        enemy["commercial_owner"],
        enemy["technical_owner"],
    } == {"maria", "sam"}


def test_clip_over_http_with_a_token_made_by_the_cli(server):
    base, env = server
    token = subprocess.run(
        [GAPWATCH, "tokens", "create", "--name", "http", "--user", USER],
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
def test_person_browses_and_searches_the_demo(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    with Pages(chromium) as browser:
        page = _page(browser, base)
        page.goto(base + "/")
        expect(page.locator("table.brands")).to_contain_text("Lumio")
        expect(page.locator("table.brands")).to_contain_text("competitor")
        assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "1120px"
        page.get_by_role("link", name="Evidence", exact=True).click()
        page.get_by_label("Search").fill("support")
        page.locator("select[name=brand]").select_option("Lumio")
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
def test_the_overview_shows_the_gap_and_leads_to_the_quotes(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 900})
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
def test_trends_draw_the_api_figures_and_a_point_leads_to_its_quotes(server, chromium):
    base, _env = server
    with _get(base + "/api/brands/Lumio/trends?interval=month") as response:
        api = json.load(response)
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 1100})
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
        assert status.startswith(
            f"{len(api['periods'])} periods, {COUNTS['Lumio'] + PLANTED['count']} comments."
        )
        band = page.evaluate(
            "() => ['high', 'low'].map(edge => document.getElementById('shares').data"
            ".find(t => t.name === 'reliability 95 % ' + edge).y)"
        )
        reliability = [p_["attributes"]["reliability"]["share"] for p_ in api["periods"]]
        assert band == [
            [None if f["value"] is None else f[edge] for f in reliability] for edge in ("high", "low")
        ]
        _small_multiples_in_order_of_their_gaps(page, api)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "trends.png"), full_page=True)
        # click the last reliability point that has a value: its month's reliability quotes open
        index = max(i for i, v in enumerate(drawn) if v is not None)
        x, y = _point_of(page, "reliability", index)
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.wait_for_url("**/comments?**")
        assert page.get_by_label("Attribute").input_value() == "reliability"
        start = api["periods"][index]["start"]
        assert page.get_by_label("From", exact=True).input_value() == start
        assert page.locator("li.comment").count() > 0
        browser.close()


def _small_multiples_in_order_of_their_gaps(page, api: dict) -> None:
    """One panel per attribute, on one scale, the largest gap first, the gap score on top."""
    panels = page.evaluate(
        """() => { const gd = document.getElementById('shares');
            const lines = gd.data.filter(t => t.mode === 'lines+markers');
            return {names: lines.map(t => t.name), axes: lines.map(t => t.yaxis || 'y'),
                    ranges: lines.map(t =>
                        gd._fullLayout[(t.yaxis || 'y').replace('y', 'yaxis')].range)}; }"""
    )
    assert len(set(panels["axes"])) == len(panels["names"]) == len(api["periods"][0]["attributes"])
    assert all(r == panels["ranges"][0] for r in panels["ranges"])

    def mean_gap(name: str) -> float:
        values = [p_["attributes"][name]["share"]["value"] for p_ in api["periods"]]
        values = [v for v in values if v is not None]
        declared = api["declared"].get(name, 0)
        return sum(abs(v - declared) for v in values) / len(values) if values else -1

    gaps = [mean_gap(n) for n in panels["names"]]
    assert gaps == sorted(gaps, reverse=True)
    assert page.evaluate(
        "() => document.getElementById('gap').getBoundingClientRect().top"
        " < document.getElementById('shares').getBoundingClientRect().top"
    )


def _point_of(page, name: str, index: int) -> tuple[float, float]:
    """Where on the screen the trace ``name``'s point ``index`` is drawn."""
    x, y = page.evaluate(
        """([name, index]) => {
            const gd = document.getElementById('shares');
            const trace = gd.data.find(t => t.name === name);
            const layout = gd._fullLayout, box = gd.getBoundingClientRect();
            const xa = layout[(trace.xaxis || 'x').replace('x', 'xaxis')];
            const ya = layout[(trace.yaxis || 'y').replace('y', 'yaxis')];
            return [box.left + xa._offset + xa.d2p(trace.x[index]),
                    box.top + ya._offset + ya.d2p(trace.y[index])];
        }""",
        [name, index],
    )
    return x, y


@pytest.mark.browser
def test_competitors_show_who_owns_what_and_a_bar_opens_its_quotes(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    api = _api(base, "/api/competitors")
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 900})
        page.goto(base + "/")
        page.get_by_role("link", name="Competitors").click()
        table = page.get_by_test_id("competitors")
        expect(table).to_be_visible()
        assert table.locator("tbody tr").count() == len(api["attributes"])
        led = 0
        for row in api["attributes"]:
            owners = {n: f["ownership"]["value"] for n, f in row["brands"].items() if f["ownership"]["value"]}
            leader = max(owners, key=owners.get)
            cell = page.locator(f"tr[data-attribute={row['attribute']}] td[data-brand='{leader}']")
            figures = {n: f["ownership"] for n, f in row["brands"].items() if f["ownership"]["value"]}
            clear = figures[leader]["low"] > max(f["high"] for n, f in figures.items() if n != leader)
            marks = page.locator(f"tr[data-attribute={row['attribute']}]").get_by_test_id("leader")
            if clear:  # ★ only where the ownership interval lies above every other brand's (SPEC §4)
                assert row["leader"] == leader and cell.get_by_test_id("leader").inner_text() == "★ leads"
                assert marks.count() == 1
                led += 1
            else:
                assert row["leader"] is None and marks.count() == 0, row["attribute"]
            for name, f in row["brands"].items():  # share of voice shown apart, next to ownership
                voice = page.locator(f"tr[data-attribute={row['attribute']}] td[data-brand='{name}']")
                if f["share_of_voice"]["value"] is not None:
                    assert (
                        voice.get_by_test_id("share-of-voice")
                        .inner_text()
                        .startswith(f"{f['share_of_voice']['value'] * 100:.0f} %")
                    )
            drawn = float(cell.locator("rect.owned").get_attribute("width"))
            assert abs(drawn - owners[leader] * 100) < 0.06  # the bar is the API's figure
            shown = cell.get_by_test_id("ownership").inner_text()
            assert shown.startswith(f"{owners[leader] * 100:.0f} %")
        assert led >= 1  # the demo's competitors clearly own some attributes
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "competitors.png"), full_page=True)
        page.locator("tr[data-attribute=price] td[data-brand=Driftbox]").get_by_test_id("bar").click()
        page.wait_for_url("**/comments?**")
        assert page.get_by_label("Attribute").input_value() == "price"
        brands = page.locator("li.comment .brand").all_inner_texts()
        assert brands and set(brands) == {"Driftbox"}
        browser.close()


@pytest.mark.browser
def test_a_bar_opens_its_evidence_where_a_tag_is_corrected_in_place(server, chromium):
    from playwright.sync_api import expect

    base, _env = server
    with Pages(chromium) as browser:
        page = _page(browser, base, viewport={"width": 1280, "height": 900})
        page.goto(base + "/overview")
        page.locator("tr[data-attribute=innovation]").get_by_test_id("bar").click()
        page.wait_for_url("**/comments?**")
        assert page.get_by_label("Attribute").input_value() == "innovation"
        page.get_by_label("Order").select_option("confident")
        page.get_by_role("button", name="Filter").click()
        first = page.locator("li.comment").first
        comment_id = first.get_attribute("data-id")
        text = first.locator("blockquote").inner_text()
        assert "innovation" in first.get_by_test_id("attributes").inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "evidence.png"), full_page=False)
        # a person reads it and decides it is about ease of use, negatively
        first.locator("summary", has_text="Correct").click()
        for box in first.locator("input[name=attribute]").all():  # only ease of use, whatever the model said
            box.uncheck()
        first.get_by_label("Ease of use", exact=True).check()
        first.get_by_label("Sentiment").select_option("negative")
        first.get_by_role("button", name="Save correction").click()
        expect(page.locator("p.flash")).to_contain_text(f"Comment {comment_id} corrected")
        corrected = page.locator(f"#comment-{comment_id}")
        if corrected.count():  # still in the innovation list? it must not be
            raise AssertionError("the corrected comment still counts as innovation")
        page.goto(base + "/comments?" + urllib.parse.urlencode({"q": " ".join(text.split()[:8])}))
        fixed = page.locator(f"#comment-{comment_id}")
        expect(fixed.get_by_test_id("attributes")).to_have_text("ease_of_use")
        expect(fixed.get_by_test_id("sentiment")).to_have_text("negative")
        expect(fixed.get_by_test_id("corrected")).to_contain_text(f"corrected by {USER}")
        browser.close()
    found = _api(base, f"/api/comments/{comment_id}/correction")
    assert found["attributes"] == ["ease_of_use"] and found["sentiment"] == "negative"
