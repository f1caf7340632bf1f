"""Server-rendered pages: they use the same query functions as the API."""

from server.jobs.demo import load_demo
from tests.conftest import PASSWORD, add_test_users, log_in


def test_home_lists_brands_and_the_vocabulary(client):
    page = client.get("/").get_data(as_text=True)
    assert "Acme" in page and "Rival" in page and "Reliability" in page
    css = page.split('rel="stylesheet" href="')[1].split('"')[0]
    response = client.get(css)
    assert response.status_code == 200 and b"--accent" in response.data


def test_empty_workspace_says_what_to_do(tmp_path):
    from server import create_app
    from server.people.accounts import add_user
    from server.store.db import open_db

    client = create_app({"DB": str(tmp_path / "e.db")}).test_client()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/"
    page = client.get("/login").get_data(as_text=True)  # nobody can log in yet: it says how
    assert "Create the first admin and log in" in page and "gapwatch demo" in page
    add_user(open_db(tmp_path / "e.db"), "first", PASSWORD, "admin")
    add_user(open_db(tmp_path / "e.db"), "reader", PASSWORD, "viewer")
    assert log_in(client, "first").status_code == 303
    assert client.get("/").headers["Location"] == "/setup"  # editors are sent to the setup
    viewer = create_app({"DB": str(tmp_path / "e.db")}).test_client()
    log_in(viewer, "reader")
    page = viewer.get("/").get_data(as_text=True)
    assert "This workspace is empty" in page and "Set up" in page


def test_comments_page_filters_like_the_api(tmp_path):
    from server import create_app
    from server.store.db import open_db

    path = tmp_path / "demo.db"
    load_demo(open_db(path))
    add_test_users(open_db(path))
    client = create_app({"DB": str(path)}).test_client()
    log_in(client, "vi")  # a viewer reads everything
    query = {"q": "support", "brand": "Lumio", "per_page": "200"}
    api = client.get("/api/comments", query_string=query).get_json()
    page = client.get("/comments", query_string=query).get_data(as_text=True)
    assert f"{api['total']} comments" in page
    assert page.count('<li class="comment" id="comment-') == len(api["comments"]) == api["total"]


def test_comments_page_shows_a_bad_filter_as_a_message(client):
    response = client.get("/comments?from=someday")
    assert response.status_code == 400
    assert "from must be a date" in response.get_data(as_text=True)


def test_comment_text_is_escaped(client, auth):
    client.post(
        "/api/clips",
        json={"text": "<img src=x onerror=alert(1)> &lt;b&gt;", "url": "https://a.com/"},
        headers=auth,
    )
    page = client.get("/comments").get_data(as_text=True)
    assert "<img" not in page  # ingestion turned the markup into text…
    assert "<blockquote>&lt;b&gt;</blockquote>" in page  # …and the page escapes what remains


def test_plotly_style_rules_are_served_as_a_stylesheet(client, db):
    from server.collect.ingest import Context, ingest

    ingest(db, [{"text": "Sync never fails.", "brand": "Acme"}], Context(origin="import"))  # a chart to draw
    response = client.get("/vendor/plotly.css")
    assert response.status_code == 200 and response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    # the rule that stacks the chart's layers, without which clicks never reach a point
    assert ".js-plotly-plot .plotly .main-svg{position:absolute;" in css
    assert "X" not in css.replace(".js-plotly-plot", "")  # placeholders expanded
    page = client.get("/trends").get_data(as_text=True)
    assert (
        'id="plotly.js-style-global" class="no-inline-styles" rel="stylesheet" href="/vendor/plotly.css"'
        in page
    )


def test_the_menu_is_grouped_by_task_and_reaches_review_and_the_evidence_pack(app, db):
    import re

    admin, viewer = app.test_client(), app.test_client()
    log_in(admin, "admin")
    log_in(viewer, "vi")
    page = admin.get("/overview").get_data(as_text=True)
    nav = page.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    groups = re.findall(r'role="group" aria-label="([^"]+)"', nav)
    assert groups == ["See", "Evidence", "Improve", "Collect", "Admin"]
    links = dict((name, href) for href, name in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)', nav))
    assert {"Review", "Evidence pack", "Overview", "Sources", "Users"} <= set(links)
    for name in ("Review", "Evidence", "How sure?", "Sources"):
        assert admin.get(links[name]).status_code == 200, name
    pack = admin.get(links["Evidence pack"])  # no comment in this workspace yet: it says what to do
    assert pack.status_code == 200 and "No customer comments yet" in pack.get_data(as_text=True)
    viewer_nav = viewer.get("/overview").get_data(as_text=True).split("</nav>")[0]
    assert 'aria-label="Admin"' not in viewer_nav and "Users" not in viewer_nav
