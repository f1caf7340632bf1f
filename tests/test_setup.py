"""First run in the browser: the first admin (from the server's own machine), then the setup."""

from __future__ import annotations

import html
import re

from server import create_app
from server.store.brands import list_brands
from server.store.db import open_db
from server.tell.alerts import DEFAULTS, list_rules


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _steps(page: str) -> dict:
    return dict(re.findall(r'<li data-step="(\w+)" class="(done|todo)"', page))


def test_an_empty_workspace_is_set_up_from_the_browser(tmp_path):
    path = tmp_path / "new.db"
    client = create_app({"DB": str(path), "TESTING": True}).test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Create the first admin and log in" in page
    made = client.post("/login", data={"csrf_token": _csrf(page), "first_admin": "1", "username": "maria",
                                       "password": "a long enough password", "next": "/"})  # fmt: skip
    assert made.status_code == 303 and made.headers["Location"] == "/setup"
    assert client.get("/overview").headers["Location"] == "/setup"  # nothing to see yet: set it up
    setup = client.get("/setup").get_data(as_text=True)
    assert _steps(setup) == dict.fromkeys(("brands", "taxonomy", "positioning", "sources", "alerts"), "todo")
    form = {"csrf_token": _csrf(setup), "brand": "Lumio", "competitors": "Driftbox\n\nNimbus Vault\n"}
    saved = client.post("/setup/brands", data=form, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "Saved: Lumio, Driftbox, Nimbus Vault." in html.unescape(page)
    assert _steps(page) == {"brands": "done", "taxonomy": "done", "positioning": "todo", "sources": "todo",
                            "alerts": "todo"}  # fmt: skip
    assert 'href="/positioning"' in page and 'href="/sources"' in page and 'href="/notifications"' in page
    brands = {b["name"]: b["is_ours"] for b in list_brands(open_db(path), counts=False)}
    assert brands == {"Lumio": 1, "Driftbox": 0, "Nimbus Vault": 0}
    rules = list_rules(open_db(path))  # each brand came with its alert rules, ours on
    assert {(r["brand"], r["enabled"]) for r in rules} == {
        ("Lumio", True),
        ("Driftbox", False),
        ("Nimbus Vault", False),
    }
    assert len(rules) == 3 * len(DEFAULTS)
    assert client.get("/overview").status_code == 200  # set up: the overview opens
    # the first-admin form is gone once someone can log in
    assert "Create the first admin" not in create_app({"DB": str(path)}).test_client().get("/login").get_data(
        as_text=True
    )


def test_setup_refuses_bad_brands_whole_and_the_first_admin_only_locally(tmp_path):
    path = tmp_path / "new.db"
    client = create_app({"DB": str(path), "TESTING": True}).test_client()
    page = client.get("/login", headers={"X-Forwarded-For": "203.0.113.9"}).get_data(as_text=True)
    assert "Create the first admin" not in page and "gapwatch users add NAME --role admin" in page
    refused = client.post("/login", data={"csrf_token": _csrf(page), "first_admin": "1", "username": "x",
                                          "password": "a long enough password"},
                          headers={"X-Forwarded-For": "203.0.113.9"})  # fmt: skip
    assert refused.status_code == 403
    page = client.get("/login").get_data(as_text=True)
    short = client.post("/login", data={"csrf_token": _csrf(page), "first_admin": "1", "username": "maria",
                                        "password": "short"})  # fmt: skip
    assert short.status_code == 400 and "Not made:" in short.get_data(as_text=True)
    client.post("/login", data={"csrf_token": _csrf(page), "first_admin": "1", "username": "maria",
                                "password": "a long enough password"})  # fmt: skip
    setup = client.get("/setup").get_data(as_text=True)
    for form, said in (
        ({"brand": "", "competitors": "Driftbox"}, "give your brand"),
        ({"brand": "Lumio", "competitors": "Driftbox\ndriftbox"}, "named twice"),
        ({"brand": "Lumio", "competitors": "\n".join(f"Rival {i}" for i in range(21))}, "at most 20"),
    ):
        answer = client.post(
            "/setup/brands", data={"csrf_token": _csrf(setup), **form}, follow_redirects=True
        )
        assert said in html.unescape(answer.get_data(as_text=True)), form
    assert list_brands(open_db(path), counts=False) == []  # all or nothing


PAGES = ("/overview", "/trends", "/competitors", "/language", "/themes", "/comments", "/report", "/review",
         "/audit", "/taxonomy", "/positioning")  # fmt: skip


def test_every_empty_page_says_what_to_do_next(tmp_path):
    """Before the brand: set it up (editors get the link, viewers who to ask); before the first
    customer comment: add a source or import a file. Never an error, never a command line."""
    from server.classify.taxonomy import ensure_taxonomy
    from server.collect.ingest import Context, ingest
    from server.store.brands import add_brand
    from tests.conftest import add_test_users, log_in

    db = open_db(tmp_path / "empty.db")
    add_test_users(db)
    app = create_app({"DB": str(tmp_path / "empty.db"), "TESTING": True})

    viewer, editor = app.test_client(), app.test_client()
    log_in(viewer, "vi"), log_in(editor, "ed")

    def next_step(client, path: str) -> str:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        page = answer.get_data(as_text=True)
        found = re.search(r'data-testid="next-step"[^>]*>(.*?)</(section|li)>', page, re.S)
        assert found, path
        assert "gapwatch " not in found.group(1), path  # no command line
        return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))))

    for path in PAGES:
        assert "an editor sets it up on the Set up page" in next_step(viewer, path)
        if path != "/overview":  # the overview takes an editor to the setup
            assert "Set up the workspace" in next_step(editor, path), path
    assert editor.get("/overview").headers["Location"] == "/setup"
    add_brand(db, "Acme")
    ensure_taxonomy(db)
    for path in PAGES:
        if path in ("/taxonomy", "/positioning"):
            assert (
                viewer.get(path).status_code == 200 and 'data-testid="next-step"' not in viewer.get(path).text
            )
            continue
        said = next_step(editor, path).lower()
        assert "add a source" in said and "import a file" in said, path
        assert "an editor adds sources or imports a file" in next_step(viewer, path), path
    (comment,) = ingest(db, [{"text": "Sync never fails.", "brand": "Acme"}], Context(origin="import"))
    assert "clear them" in next_step(viewer, "/comments?q=nothing-matches-this")
