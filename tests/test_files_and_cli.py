import json

from click.testing import CliRunner

from server.cli import main

from .conftest import count


def test_import_jsonl_with_good_and_bad_lines(db, run, tmp_path):
    lines = [
        json.dumps({"text": "Never lost a file", "published_at": "2025-01-02"}),
        "{not json",
        json.dumps({"text": "", "author": "x"}),
        "",
        json.dumps({"text": "Never  lost a file"}),
        json.dumps({"text": "Cheap", "brand": "Rival", "rating": 4}),
        json.dumps({"text": "x", "url": "mailto:a@b.c"}),
        json.dumps(["a list"]),
    ]
    path = tmp_path / "comments.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("import", str(path), "--brand", "Acme")
    assert result.exit_code == 1
    assert "2 new, 1 duplicate, 4 rejected" in result.output
    assert "line 2: not valid JSON" in result.output
    assert "line 3: text is empty" in result.output
    assert "line 7: url must be an http(s) address" in result.output
    assert "line 8: a comment must be a JSON object" in result.output
    assert count(db) == 2
    assert {r["origin"] for r in db["comments"].rows} == {"import"}


def test_import_csv_with_good_and_bad_lines(db, run, tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text(
        "text,author,published_at,rating\n"
        '"Support answered, twice",Ann,2025-01-01,5\n'
        ",Bob,2025-01-01,1\n"
        '"Multi\nline review",Cy,not a date,3\n'
        "Great price,Dee,2025-02-01,five\n"
        "Works,Eve,2025-02-01,4\n",
        encoding="utf-8-sig",
    )
    result = run("import", str(path), "--brand", "acme")
    assert "2 new, 0 duplicate, 3 rejected" in result.output
    assert "line 3: text is empty" in result.output
    assert "line 4: published_at is not a date" in result.output
    assert "line 6: rating must be a number" in result.output
    assert count(db) == 2


def test_import_csv_with_unknown_columns_imports_nothing(db, run, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,stars\nnice,5\n", encoding="utf-8")
    result = run("import", str(path), "--brand", "Acme")
    assert result.exit_code == 1
    assert "unknown column(s) 'stars'" in result.output and "Nothing was imported" in result.output
    assert count(db) == 0


def test_import_refuses_unknown_default_brand_and_unknown_format(db, run, tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"text": "x"}\n', encoding="utf-8")
    result = run("import", str(path), "--brand", "Ghost")
    assert result.exit_code == 1 and "unknown brand 'Ghost'" in result.output
    odd = tmp_path / "c.txt"
    odd.write_text("x", encoding="utf-8")
    assert "cannot tell the format" in run("import", str(odd)).output
    assert count(db) == 0


def test_duplicates_are_found_across_api_import_and_clips(db, client, auth, run, tmp_path):
    text = "The sync never failed once"
    api = client.post("/api/comments", json=[{"text": text, "brand": "Acme"}], headers=auth)
    first_id = api.get_json()["results"][0]["id"]
    clip = client.post("/api/clips", json={"text": f"<p>{text}</p>", "url": "https://a.com/"}, headers=auth)
    assert clip.status_code == 200 and clip.get_json() == {"id": first_id, "duplicate": True}
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": f"  {text}  "}) + "\n", encoding="utf-8")
    assert "0 new, 1 duplicate, 0 rejected" in run("import", str(path), "--brand", "Acme").output
    assert count(db) == 1
    assert db["comments"].get(first_id)["duplicates"] == 2


def test_export_jsonl_and_csv_with_tags(db, client, auth, run, tmp_path):
    client.post(
        "/api/comments",
        json=[{"text": "Support, fast", "brand": "Acme"}, {"text": "Cheap", "brand": "Rival"}],
        headers=auth,
    )
    cid = next(db.query("SELECT id FROM comments WHERE text = 'Support, fast'"))["id"]
    db["tags"].insert(
        {
            "comment_id": cid,
            "model": "m1",
            "taxonomy_version": 1,
            "sentiment": "positive",
            "created_at": "x",
        }
    )
    db["tag_attributes"].insert({"comment_id": cid, "attribute": "support", "score": 0.9, "assigned": 1})
    db.conn.commit()
    out = run("export", "--brand", "Acme")
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 1
    assert rows[0]["attributes"] == ["support"] and rows[0]["sentiment"] == "positive"
    assert rows[0]["model"] == "m1"
    target = tmp_path / "all.csv"
    run("export", "--format", "csv", "-o", str(target))
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,brand,kind")
    assert '"Support, fast"' in text and ",support,positive," in text


def test_brands_commands(tmp_path, run, db_path):
    from server.classify.taxonomy import current_version
    from server.store.db import open_db

    assert "your own brand" in run("brands", "add", "Lumio").output
    assert current_version(open_db(db_path)) == 1  # the classifier job has a taxonomy to tag with
    assert "a competitor" in run("brands", "add", "Driftbox", "--competitor").output
    second = run("brands", "add", "Other")
    assert second.exit_code == 1 and "already this workspace's own brand" in second.output
    dup = run("brands", "add", "lumio", "--competitor")
    assert dup.exit_code == 1 and "already exists" in dup.output
    listed = json.loads(run("brands", "list", "--json").output)
    assert [(b["name"], b["is_ours"]) for b in listed] == [("Lumio", True), ("Driftbox", False)]
    from server.tell.alerts import DEFAULTS, list_rules

    rules = list_rules(open_db(db_path))  # each brand came with its alert rules, ours on
    assert sorted((r["brand"], r["kind"], r["enabled"]) for r in rules) == sorted(
        (b, k, b == "Lumio") for b in ("Lumio", "Driftbox") for k in DEFAULTS
    )


def test_tokens_create_list_revoke(client, run):
    assert run("tokens", "create", "--name", "x").exit_code == 2  # --user is required
    assert "no user 'nobody'" in run("tokens", "create", "--name", "x", "--user", "nobody").output
    created = run("tokens", "create", "--name", "extension", "--user", "ed", "--scope", "clip")
    token = created.stdout.strip()
    assert token.startswith("gw_") and "\n" not in token
    assert (
        client.post(
            "/api/clips",
            json={"text": "a", "url": "https://a.com/"},
            headers={"Authorization": f"Bearer {token}"},
        ).status_code
        == 201
    )
    listing = run("tokens", "list").output
    assert "extension" in listing and "active" in listing and token not in listing
    assert " ed " in listing and " clip " in listing
    assert "Revoked" in run("tokens", "revoke", "extension").output
    assert "revoked" in run("tokens", "list").output
    assert (
        client.post(
            "/api/clips",
            json={"text": "b", "url": "https://a.com/"},
            headers={"Authorization": f"Bearer {token}"},
        ).status_code
        == 401
    )
    assert run("tokens", "revoke", "nobody").exit_code == 1


def test_init_and_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("GAPWATCH_DB", str(tmp_path / "demo.db"))
    runner = CliRunner()
    assert "taxonomy version 1" in runner.invoke(main, ["init"]).output
    loaded = runner.invoke(main, ["demo"])
    assert loaded.exit_code == 0, loaded.output
    assert "0 rejected" in loaded.output
    again = runner.invoke(main, ["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output


def test_demo_refuses_a_workspace_with_other_brands(db, run):
    result = run("demo")
    assert result.exit_code == 1 and "already has brands" in result.output


def test_serve_refuses_public_address_without_secret(run, monkeypatch):
    monkeypatch.delenv("GAPWATCH_SECRET_KEY", raising=False)
    result = run("serve", "--host", "0.0.0.0")
    assert result.exit_code == 1 and "GAPWATCH_SECRET_KEY" in result.output
