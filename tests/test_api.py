import pytest

from server import create_app
from server.people.tokens import revoke_token

from .conftest import count


def post(client, path, body, auth=None, **kwargs):
    return client.post(path, json=body, headers=auth or {}, **kwargs)


@pytest.mark.parametrize("path", ["/api/comments", "/api/clips"])
def test_writes_without_a_token_are_401_json(client, anon, db, path):
    response = post(anon, path, [{"text": "x", "brand": "Acme"}])
    assert response.status_code == 401
    assert "send an API token" in response.get_json()["error"]
    response = post(client, path, [{"text": "x", "brand": "Acme"}])  # logged in, but no token
    assert response.status_code == 401
    assert "the API takes changes with an API token, not a login cookie" in response.get_json()["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    bad = post(client, path, {"text": "x"}, {"Authorization": "Bearer gw_not-a-real-token"})
    assert bad.status_code == 401 and bad.get_json()["error"] == "unknown API token"
    assert count(db) == 0


def test_revoked_token_is_refused(client, db, token, auth):
    assert post(client, "/api/clips", {"text": "a", "url": "https://a.com/"}, auth).status_code == 201
    revoke_token(db, "tests")
    response = post(client, "/api/clips", {"text": "b", "url": "https://a.com/"}, auth)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["error"]
    assert count(db) == 1


def test_post_comments_answers_per_item_outcomes(client, db, auth):
    body = [
        {"text": "Rock solid", "brand": "Acme"},
        {"text": "Rock   solid", "brand": "Acme"},
        {"text": "", "brand": "Acme"},
    ]
    response = post(client, "/api/comments", body, auth)
    assert response.status_code == 200
    data = response.get_json()
    assert data["counts"] == {"new": 1, "duplicate": 1, "rejected": 1}
    assert [r["status"] for r in data["results"]] == ["new", "duplicate", "rejected"]
    assert data["results"][1]["id"] == data["results"][0]["id"]
    assert data["results"][2]["reason"] == "text is empty"
    assert db["comments"].get(data["results"][0]["id"])["origin"] == "api"


def test_post_comments_all_rejected_is_422(client, db, auth):
    response = post(client, "/api/comments", [{"text": "x", "brand": "Ghost"}], auth)
    assert response.status_code == 422
    assert response.get_json()["results"][0]["reason"] == "unknown brand 'Ghost'"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "x"}, "must be a JSON list"),
        ([], "empty"),
        ("hello", "must be a JSON list"),
    ],
)
def test_post_comments_bad_envelopes(client, auth, body, message):
    response = post(client, "/api/comments", body, auth)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_more_than_the_batch_limit_is_refused_whole(db, db_path, auth):
    client = create_app({"DB": str(db_path), "MAX_BATCH": 3}).test_client()
    body = [{"text": f"c{i}", "brand": "Acme"} for i in range(4)]
    response = post(client, "/api/comments", body, auth)
    assert response.status_code == 400 and "at most 3" in response.get_json()["error"]
    assert count(db) == 0


def test_body_that_is_not_json(client, auth):
    response = client.post(
        "/api/comments", data="{nope", headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.get_json()["error"]
    response = client.post("/api/comments", data="text=x", headers=auth)
    assert response.status_code == 415
    nan = client.post(
        "/api/comments",
        data='[{"text":"x","brand":"Acme","rating":NaN}]',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert nan.status_code == 400


def test_request_over_the_size_limit_is_413_json(db, db_path, auth):
    client = create_app({"DB": str(db_path), "MAX_REQUEST_BYTES": 1000}).test_client()
    body = [{"text": "x" * 2000, "brand": "Acme"}]
    response = post(client, "/api/comments", body, auth)
    assert response.status_code == 413
    assert "larger than the limit of 1000 bytes" in response.get_json()["error"]
    assert count(db) == 0


def test_clip_new_then_duplicate_and_defaults_to_our_brand(client, db, auth):
    clip = {
        "text": "Support fixed it in minutes",
        "url": "https://forum.example.com/t/1#p4",
        "title": "Thread",
        "context": "Long thread text around the selection",
        "author": "sam",
        "published_at": "2025-06-01",
    }
    first = post(client, "/api/clips", clip, auth)
    assert first.status_code == 201
    assert first.get_json() == {"id": first.get_json()["id"], "duplicate": False}
    second = post(client, "/api/clips", {**clip, "text": " Support  fixed it in minutes "}, auth)
    assert second.status_code == 200
    assert second.get_json() == {"id": first.get_json()["id"], "duplicate": True}
    row = db["comments"].get(first.get_json()["id"])
    assert row["brand_id"] == 1 and row["origin"] == "clip" and row["context"].startswith("Long")
    rival = post(client, "/api/clips", {**clip, "brand": "Rival"}, auth)
    assert rival.status_code == 201


@pytest.mark.parametrize(
    ("clip", "message"),
    [
        ({"text": "x"}, "url is required"),
        ({"text": "x", "url": "file:///etc/passwd"}, "http(s) address"),
        ({"text": " ", "url": "https://a.com/"}, "text is empty"),
        ({"text": "x", "url": "https://a.com/", "brand": "Ghost"}, "unknown brand"),
        ({"text": "x", "url": "https://a.com/", "tags": ["price"]}, "unknown field 'tags'"),
        ({"text": "x", "url": "https://a.com/", "published_at": "soon"}, "not a date"),
        ([{"text": "x"}], "must be a JSON object"),
    ],
)
def test_bad_clips_are_400_with_a_reason(client, db, auth, clip, message):
    response = post(client, "/api/clips", clip, auth)
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert count(db) == 0


def test_clip_without_our_brand_explains(tmp_path, auth):
    from server.people.accounts import add_user
    from server.people.tokens import create_token
    from server.store.db import open_db

    path = tmp_path / "empty.db"
    add_user(open_db(path), "solo", "a long enough password", "editor")
    _rec, value = create_token(open_db(path), "t", "solo")
    client = create_app({"DB": str(path)}).test_client()
    response = post(
        client,
        "/api/clips",
        {"text": "x", "url": "https://a.com/"},
        {"Authorization": f"Bearer {value}"},
    )
    assert response.status_code == 400 and "no brand of its own" in response.get_json()["error"]


def seed(client, auth):
    body = [
        {"text": "Support answered fast", "brand": "Acme", "published_at": "2025-01-10"},
        {"text": "Support was slow", "brand": "Rival", "published_at": "2025-02-10"},
        {"text": "Cheap and cheerful", "brand": "Acme", "published_at": "2025-03-10"},
        {
            "text": "Our AI platform",
            "brand": "Acme",
            "kind": "emitted",
            "published_at": "2025-03-11",
        },
    ]
    assert post(client, "/api/comments", body, auth).status_code == 200


def test_get_comments_filters_searches_and_pages(client, db, auth):
    seed(client, auth)
    data = client.get("/api/comments").get_json()
    assert data["total"] == 4 and data["page"] == 1
    assert [c["text"] for c in data["comments"]][0] == "Our AI platform"  # newest first

    def texts(**q):
        found = client.get("/api/comments", query_string=q).get_json()["comments"]
        return [c["text"] for c in found]

    assert texts(q="support") == ["Support was slow", "Support answered fast"]
    assert texts(q="support", brand="acme") == ["Support answered fast"]
    assert texts(kind="emitted") == ["Our AI platform"]
    assert texts(**{"from": "2025-02-01", "to": "2025-03-10"}) == [
        "Cheap and cheerful",
        "Support was slow",
    ]
    assert texts(q='"unbalanced AND (') == []  # FTS syntax is taken literally
    paged = client.get("/api/comments?per_page=3&page=2").get_json()
    assert paged["pages"] == 2 and len(paged["comments"]) == 1


def test_get_comments_by_attribute_uses_tags_and_corrections(client, db, auth):
    seed(client, auth)
    ids = [r["id"] for r in db.query("SELECT id FROM comments ORDER BY id")]
    db["tags"].insert({"comment_id": ids[0], "model": "m", "taxonomy_version": 1, "created_at": "x"})
    db["tag_attributes"].insert({"comment_id": ids[0], "attribute": "support", "score": 0.9, "assigned": 1})
    db["tags"].insert({"comment_id": ids[1], "model": "m", "taxonomy_version": 1, "created_at": "x"})
    db["tag_attributes"].insert({"comment_id": ids[1], "attribute": "support", "score": 0.8, "assigned": 1})
    db["corrections"].insert({"comment_id": ids[1], "attributes": '["price"]', "created_at": "x"})
    db.conn.commit()
    data = client.get("/api/comments?attribute=support").get_json()
    assert [c["id"] for c in data["comments"]] == [ids[0]]
    assert data["comments"][0]["attributes"] == ["support"]
    assert [c["id"] for c in client.get("/api/comments?attribute=price").get_json()["comments"]] == [ids[1]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("page=0", "page must be"),
        ("per_page=1000", "per_page must be"),
        ("from=yesterday", "from must be a date"),
        ("brand=Ghost", "unknown brand"),
        ("attribute=vibes", "unknown attribute"),
        ("kind=tweet", "kind must be"),
        ("sort=asc", "sort must be one of newest"),
        ("order=asc", "unknown parameter"),
    ],
)
def test_get_comments_bad_parameters_are_400(client, query, message):
    response = client.get(f"/api/comments?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_brands_and_health(client, auth):
    brands = client.get("/api/brands").get_json()
    assert brands["ours"] == "Acme"
    assert [(b["name"], b["is_ours"]) for b in brands["brands"]] == [
        ("Acme", True),
        ("Rival", False),
    ]
    health = client.get("/api/health")
    assert health.status_code == 200
    assert health.get_json()["status"] == "ok" and health.get_json()["schema"]["pending"] == []


def test_unknown_api_paths_and_methods_answer_json(client):
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404 and "error" in missing.get_json()
    wrong = client.delete("/api/brands")
    assert wrong.status_code == 405 and "error" in wrong.get_json()


def test_unexpected_errors_are_json_500_without_traceback(client, auth, monkeypatch, caplog):
    import server.api.comments as module

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(module, "ingest", broken)
    response = post(client, "/api/comments", [{"text": "x", "brand": "Acme"}], auth)
    assert response.status_code == 500
    body = response.get_json()
    rid = response.headers["X-Request-Id"]
    assert body == {"error": f"internal error; the server log has the details under request id {rid}",
                    "request_id": rid}  # fmt: skip
    assert "secret internals" not in response.get_data(as_text=True)
    logged = [r for r in caplog.records if rid in r.getMessage()]
    assert logged and logged[0].exc_info and "secret internals" in str(logged[0].exc_info[1])


def test_clips_carry_who_clipped_when_and_the_permalink(client, auth, db):
    response = client.post(
        "/api/clips",
        json={
            "text": "Sync lost my files twice.",
            "url": "https://forum.example/t/42",
            "permalink": "https://forum.example/t/42/7",
            "clipped_at": "2026-01-05T10:00:00Z",
            "note": "seen twice",
        },
        headers=auth,
    )
    assert response.status_code == 201
    row = db.execute("SELECT url, collected_at, collected_by, note, origin FROM comments").fetchone()
    assert row == ("https://forum.example/t/42/7", "2026-01-05T10:00:00Z", "tests", "seen twice", "clip")
    bad = client.post(
        "/api/clips", json={"text": "x", "url": "https://a.example/", "clipped_at": "soon"}, headers=auth
    )
    assert bad.status_code == 400 and "clipped_at is not a date" in bad.get_json()["error"]


def test_cors_answers_extension_origins_only(client, auth):
    for origin in ("chrome-extension://abcdefghijklmnop", "moz-extension://1234-5678"):
        preflight = client.options(
            "/api/clips", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        assert preflight.headers["Access-Control-Allow-Origin"] == origin
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    page = client.get("/api/brands", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_me_names_the_token_or_says_what_is_wrong(client, auth):
    me = client.get("/api/me", headers=auth).get_json()
    assert me == {"service": "gapwatch", "token": "tests", "user": "ed", "role": "editor",
                  "rights": ["clip", "read", "write"]}  # fmt: skip
    bad = client.get("/api/me", headers={"Authorization": "Bearer gw_nope"})
    assert bad.status_code == 401 and bad.get_json()["error"] == "unknown API token"


def test_a_search_with_control_characters_is_not_an_error(client, db):
    response = client.get("/api/comments", query_string={"q": "sync\x00lost"})
    assert response.status_code == 200 and response.get_json()["total"] == 0
