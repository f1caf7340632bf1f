"""`gapwatch crawl`, `gapwatch sources …` and `gapwatch runs list`, in-process, against a loopback site."""

from __future__ import annotations

import json

import pytest

from tests.conftest import count
from tests.crawling import fast_crawls  # noqa: F401
from tests.fixture_site import Answer, Site
from tests.test_spiders import review_page

pytestmark = pytest.mark.usefixtures("fast_crawls")


def test_crawl_prints_a_json_summary_and_refuses_loopback_without_the_flag(db, run):
    with Site() as site:
        site.paths["/r"] = Answer(review_page([("1", "Bright lamp."), ("2", "Broke in a week.")]))
        refused = run("crawl", "--kind", "schemaorg", "--url", site.url("/r"), "--brand", "Acme")
        done = run(
            "crawl",
            "--kind",
            "schemaorg",
            "--url",
            site.url("/r"),
            "--brand",
            "Acme",
            "--allow-private-networks",
        )
    assert refused.exit_code == 1 and "private or local address" in refused.stdout
    summary = json.loads(done.stdout)
    assert {k: summary[k] for k in ("status", "pages", "new", "duplicates", "rejected", "errors")} == {
        "status": "ok",
        "pages": 1,
        "new": 2,
        "duplicates": 0,
        "rejected": 0,
        "errors": [],
    }
    assert count(db) == 2
    assert "No sources yet" in run("sources", "list").stdout  # one-off crawls are not scheduled sources


def test_sources_add_list_run_disable_enable_and_runs(db, run):
    with Site() as site:
        site.paths["/r"] = Answer(review_page([("1", "Bright lamp.")]))
        added = run(
            "sources",
            "add",
            "--kind",
            "schemaorg",
            "--url",
            site.url("/r"),
            "--brand",
            "Acme",
            "--schedule",
            "every 6h",
            "--name",
            "Lamp reviews",
        )
        assert added.exit_code == 0 and "Added source 1: Lamp reviews (schedule: every 6h)" in added.stdout
        ran = run("sources", "run", "1", "--allow-private-networks")
    assert json.loads(ran.stdout)["new"] == 1
    listed = json.loads(run("sources", "list", "--json").stdout)
    assert [(s["name"], s["schedule"], s["enabled"]) for s in listed] == [("Lamp reviews", "every 6h", True)]
    assert run("sources", "disable", "1").stdout.strip() == "Source 1 disabled."
    assert json.loads(run("sources", "list", "--json").stdout)[0]["enabled"] is False
    assert run("sources", "enable", "1").stdout.strip() == "Source 1 enabled."
    runs = json.loads(run("runs", "list", "--json").stdout)
    assert [(r["source_id"], r["status"], r["new_count"], r["trigger"]) for r in runs] == [
        (1, "ok", 1, "cli")
    ]


def test_bad_sources_get_a_clear_error(db, run):
    bad = run(
        "sources",
        "add",
        "--kind",
        "schemaorg",
        "--url",
        "https://x.example/",
        "--brand",
        "Acme",
        "--schedule",
        "now and then",
    )
    assert bad.exit_code == 1 and "not understood: write for example 'daily at 07:00'" in bad.output
    assert run("sources", "run", "7").exit_code == 1
    assert "no source 7" in run("sources", "disable", "7").output
    assert run("crawl", "--kind", "ftp", "--url", "https://x.example/", "--brand", "Acme").exit_code == 2
    assert count(db, "sources") == 0
