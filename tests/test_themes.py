"""Themes nobody declared (``server.classify.themes``): the clustering on vectors worked out by hand, then
the whole run on a workspace with the real embedded encoder, its stability, promotion to an
attribute, and the API's answers to bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from server.classify.tagging import current_tagger, pending_count, theme_encoder
from server.classify.taxonomy import current_attributes, current_version
from server.classify.themes import (
    JOIN_SIMILARITY,
    class_terms,
    cluster,
    draft_attribute,
    list_themes,
    match_identities,
    representatives,
    run_themes,
    unclaimed_comments,
)
from server.classify.themes.cluster import _distinct
from server.collect.ingest import Context, ingest
from server.jobs.classifier import classify_pending
from tests.conftest import count

# --- the clustering, on vectors made by hand ---------------------------------------------------


def _blobs(seed: int = 1, sizes=(40, 25, 15), noise: int = 6, spread: float = 0.05):
    """Unit vectors around three orthogonal directions, plus scattered noise."""
    rng = np.random.default_rng(seed)
    dim = 32
    parts, truth = [], []
    for k, size in enumerate(sizes):
        centre = np.zeros(dim)
        centre[k] = 1
        parts.append(centre + rng.normal(scale=spread, size=(size, dim)))
        truth += [k] * size
    parts.append(rng.normal(size=(noise, dim)))
    truth += [-1] * noise
    vectors = np.vstack(parts).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), np.array(truth)


def test_cluster_finds_the_groups_numbers_them_by_size_and_leaves_noise_out():
    vectors, truth = _blobs()
    found = cluster(vectors, list(range(len(vectors))))
    labels, similarity = found.labels, found.similarity
    assert 0 <= found.hdbscan_outliers < 0.2
    for k in range(3):  # each true group is one theme, the largest first
        assert set(labels[truth == k]) == {k}
    assert (labels[truth == -1] == -1).mean() >= 0.5  # random directions mostly join nothing
    assert (similarity[truth >= 0] > 0.9).all() and (similarity[labels == -1] == 0).all()
    assert (similarity[labels >= 0] >= JOIN_SIMILARITY).all()  # nothing far from its centre is in


def test_cluster_is_reproducible_and_ignores_too_few_comments():
    vectors, _truth = _blobs()
    first = cluster(vectors, list(range(len(vectors))))
    again = cluster(vectors.copy(), list(range(len(vectors))))
    assert (first.labels == again.labels).all() and np.allclose(first.similarity, again.similarity)
    assert (cluster(vectors[:9], list(range(9))).labels == -1).all()


def test_cluster_above_the_sample_places_the_rest_by_their_nearest_theme():
    vectors, truth = _blobs(sizes=(60, 50, 40), noise=0)
    labels = cluster(vectors, list(range(len(vectors))), sample=75).labels
    for k in range(3):
        assert len(set(labels[truth == k])) == 1 and labels[truth == k][0] >= 0
    assert len(set(labels)) == 3


def test_class_terms_pick_what_sets_a_theme_apart():
    texts = [
        "please add a dark mode to the app", "dark mode at night please", "the app needs dark mode",
        "screen reader support is missing in the app", "no screen reader works with the app",
        "the app is great",
    ]  # fmt: skip
    labels = np.array([0, 0, 0, 1, 1, -1])
    terms = class_terms(texts, labels, ignore=["Acme"])
    assert terms[0][0] == "dark mode" and terms[1][0] == "screen reader"
    assert "app" not in terms[0][:2]  # said in every class: it weighs little


def test_distinct_terms_say_something_new():
    assert _distinct(["carbon footprint", "footprint like", "like vendors"], [3, 3, 3], 3) == [
        "carbon footprint", "like vendors"]  # fmt: skip
    assert _distinct(["dark", "dark mode", "night"], [4, 4, 2], 3) == ["dark mode", "night"]
    assert _distinct(["dark", "dark mode", "night"], [5, 4, 2], 3) == ["dark", "night"]
    assert _distinct(["reader", "reader support", "screen", "screen reader"], [2, 1, 2, 2], 3) == [
        "screen reader"]  # fmt: skip
    assert _distinct(["app dark", "dark mode"], [2, 7], 2) == ["dark mode"]


def test_identities_follow_shared_members_then_close_centres():
    old = {10: {1, 2, 3, 4}, 11: {5, 6, 7}, 12: {8, 9}}
    old_centres = {10: np.array([1.0, 0]), 11: np.array([0, 1.0]), 12: np.array([0.6, 0.8])}
    new = [{1, 2, 3, 4, 20}, {30, 31}, {5, 6}]
    new_centres = np.array([[1.0, 0], [0.6, 0.8], [0, 1.0]])
    assert match_identities(new, new_centres, old, old_centres) == {0: 10, 1: 12, 2: 11}
    far = np.array([[1.0, 0], [-1.0, 0], [0, 1.0]])  # theme 1 is nowhere near theme 12
    assert match_identities(new, far, old, old_centres) == {0: 10, 2: 11}


# --- a workspace with the real encoder --------------------------------------------------------

NAMES = ["Ana", "Ben", "Chen", "Dara", "Eli", "Femi", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea", "Mo", "Nia"]
DARK = [
    "Please add a dark mode, {n} works late and the white screen hurts.",
    "Still no dark theme in the app, {n} asks every week.",
    "{n} wants a dark mode for the desktop app.",
]
ACCESS = [
    "The app does not work with a screen reader, so {n} cannot use it.",
    "{n} is blind and the screen reader skips every button.",
    "Keyboard navigation is missing, {n} cannot use a mouse.",
]
CLAIMED = [
    "Support answered {n} within minutes and fixed the problem.",
    "The price went up again for {n}, far too expensive.",
    "It crashed and lost all of {n}'s files.",
]


def _comments(templates, names, day="2026-03-01"):
    return [{"text": t.format(n=n), "published_at": day} for t in templates for n in names]


def _workspace(db, names=NAMES):
    ingest(db, _comments(DARK + ACCESS + CLAIMED, names), Context(origin="api", brand="Acme"))
    classify_pending(db)


@pytest.fixture
def encoder(db):
    return theme_encoder(db)


def test_unclaimed_comments_follow_the_tags_and_the_corrections(db, encoder):
    _workspace(db, NAMES[:4])
    rows = unclaimed_comments(db, 1)
    texts = [r[1] for r in rows]
    assert any("dark" in t for t in texts) and any("screen reader" in t for t in texts)
    claimed = {row[0] for row in db.execute("SELECT DISTINCT comment_id FROM comment_attributes")}
    assert not {r[0] for r in rows} & claimed
    first = rows[0][0]
    db.execute("INSERT INTO corrections (comment_id, attributes, created_at) VALUES (?, ?, 'now')",
               [first, json.dumps(["support"])])  # fmt: skip
    db.conn.commit()
    assert first not in {r[0] for r in unclaimed_comments(db, 1)}
    support = next(iter(claimed))
    db.execute("INSERT INTO corrections (comment_id, attributes, created_at) VALUES (?, '[]', 'x')",
               [support])  # fmt: skip
    db.conn.commit()
    assert support in {r[0] for r in unclaimed_comments(db, 1)}


def test_a_run_finds_the_undeclared_themes_with_terms_and_quotes(db, encoder):
    _workspace(db)
    run = run_themes(db, "Acme", encoder)
    assert run.themes >= 2 and run.comments >= 40
    found = list_themes(db, "Acme")
    assert found["runs"]["done"]["themes"] == run.themes
    dark = [t for t in found["themes"] if any("dark" in term for term in t["terms"][:3])]
    access = [t for t in found["themes"] if {"screen reader", "screen", "reader", "blind", "keyboard"}
              & {w for term in t["terms"][:4] for w in [term, *term.split()]}]  # fmt: skip
    assert dark and access and dark[0]["id"] != access[0]["id"]
    assert len(dark[0]["quotes"]) == 3 and all("dark" in q["text"].lower() for q in dark[0]["quotes"])
    assert dark[0]["size"] >= 12 and dark[0]["new"]  # every comment is within the last 90 days
    # the evidence list narrows to a theme's comments
    members = {r[0] for r in db.execute("SELECT comment_id FROM theme_members WHERE theme_id = ?",
                                        [dark[0]["id"]])}  # fmt: skip
    assert len(members) == dark[0]["size"]


def test_runs_are_reproducible_and_keep_identities_when_comments_are_added(db, encoder):
    _workspace(db, NAMES[:10])
    run_themes(db, "Acme", encoder)
    first = {t["id"]: set(t["terms"]) for t in list_themes(db, "Acme")["themes"]}
    members = set(db.execute("SELECT theme_id, comment_id FROM theme_members").fetchall())
    run_themes(db, "Acme", encoder)
    assert {t["id"]: set(t["terms"]) for t in list_themes(db, "Acme")["themes"]} == first
    assert set(db.execute("SELECT theme_id, comment_id FROM theme_members").fetchall()) == members
    assert run_themes(db, "Acme", encoder, only_if_changed=True).skipped
    _workspace(db, NAMES[10:11])  # about 10 % more comments
    run_themes(db, "Acme", encoder, only_if_changed=True)
    after = {t["id"]: t for t in list_themes(db, "Acme")["themes"]}
    assert set(first) <= set(after)  # every theme is still there under its number (a new one may join)
    now = set(db.execute("SELECT theme_id, comment_id FROM theme_members").fetchall())
    for k in first:  # most of a theme's comments are still in it
        before_k = {c for t, c in members if t == k}
        assert len(before_k & {c for t, c in now if t == k}) >= 0.5 * len(before_k)
    assert all(len(after[k]["sizes"]) == 3 for k in first)  # a size per run, so a theme can be followed
    assert all(k > max(first) for k in set(after) - set(first))


def test_a_theme_promoted_to_an_attribute_retags_everything(db, encoder, client, auth):
    _workspace(db)
    run_themes(db, "Acme", encoder)
    dark = next(t for t in list_themes(db, "Acme")["themes"] if any("dark" in x for x in t["terms"][:3]))
    draft = draft_attribute(db, dark["id"])
    assert draft["key"] not in {a["key"] for a in current_attributes(db)}
    assert draft["examples"] and all(len(e) <= 200 for e in draft["examples"])
    assert client.get(f"/api/themes/{dark['id']}/draft", headers=auth).get_json() == draft
    version = current_version(db)
    body = {"key": "dark_mode", "name": "Dark mode", "definition": "A dark colour scheme for the apps.",
            "examples": ["please add a dark mode", "a dark theme for night work"]}  # fmt: skip
    response = client.post(f"/api/themes/{dark['id']}/promote", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    assert response.get_json() == {"taxonomy_version": version + 1, "attribute": "dark_mode",
                                   "theme": dark["id"]}  # fmt: skip
    assert "dark_mode" in {a["key"] for a in current_attributes(db)}
    promoted = list_themes(db, "Acme")["promoted"]
    assert [t["id"] for t in promoted] == [dark["id"]] and promoted[0]["attribute"] == "dark_mode"
    tagger, new_version = current_tagger(db)
    assert pending_count(db, tagger.model_id, new_version) == count(db)  # all re-tagged for v+1
    classify_pending(db)
    tagged = db.execute(
        "SELECT count(*) FROM comment_attributes a JOIN comments c ON c.id = a.comment_id "
        "WHERE a.attribute = 'dark_mode' AND c.text LIKE '%dark%'"
    ).fetchone()[0]
    assert tagged >= 10  # the new attribute now claims the dark-mode comments
    again = client.post(f"/api/themes/{dark['id']}/promote", json={**body, "key": "dark2"}, headers=auth)
    assert again.status_code == 409 and "already promoted" in again.get_json()["error"]


def test_theme_api_bad_input_is_a_clear_error_and_writes_nothing(db, encoder, client, auth):
    _workspace(db, NAMES[:6])
    run_themes(db, "Acme", encoder)
    theme = list_themes(db, "Acme")["themes"][0]["id"]
    promoted = "SELECT count(*) FROM themes WHERE status = 'promoted'"
    before = (current_version(db), db.execute(promoted).fetchone())
    url = f"/api/themes/{theme}/promote"
    cases = [
        ({"key": "support", "name": "Support", "definition": "x"}, 400, "already has an attribute"),
        ({"name": "Dark", "definition": "x", "colour": "red"}, 400, "unknown field"),
        ({"name": "Dark"}, 400, "definition"),
        ({"name": "Dark", "definition": "x", "examples": "not a list"}, 400, "examples"),
        ({"name": "Dark", "definition": "x", "note": 5}, 400, "note"),
    ]
    for body, status, words in cases:
        response = client.post(url, json=body, headers=auth)
        error = response.get_json()["error"]
        assert response.status_code == status and words in error, (body, error)
    as_json = {**auth, "Content-Type": "application/json"}
    assert client.post(url, data="[]", headers=as_json).status_code == 400
    assert client.post(url, data="{", headers=as_json).status_code == 400
    missing = client.post("/api/themes/999/promote", json={"name": "x", "definition": "y"}, headers=auth)
    assert missing.status_code == 404
    assert client.get("/api/themes/999/draft", headers=auth).status_code == 404
    assert client.get("/api/brands/Nobody/themes", headers=auth).status_code == 404
    assert client.post(url, json={"name": "Dark", "definition": "x"}).status_code == 401  # a login alone
    after = (current_version(db), db.execute(promoted).fetchone())
    assert after == before
    # the evidence list's theme filter
    assert client.get(f"/api/comments?theme={theme}", headers=auth).get_json()["total"] > 0
    for bad in ("999", "x", "²", "-1"):
        response = client.get(f"/api/comments?theme={bad}", headers=auth)
        assert response.status_code == 400 and "theme" in response.get_json()["error"]


def test_the_cli_finds_and_lists_themes(db, run):
    _workspace(db, NAMES[:6])
    result = run("themes", "--brand", "Acme")
    assert result.exit_code == 0, result.output
    assert "Acme:" in result.output and "unclaimed comments" in result.output
    listed = json.loads(run("themes", "--brand", "Acme", "--list", "--json").stdout)
    assert listed[0]["brand"] == "Acme" and listed[0]["themes"]
    skipped = run("themes", "--brand", "Acme", "--if-changed")
    assert "skipped" in skipped.output
    assert run("themes", "--brand", "Nobody").exit_code == 1


def test_themes_can_be_ordered_by_growth(db, encoder, client, auth):
    early = [{**c, "published_at": "2025-06-01"} for c in _comments(DARK, NAMES)]
    late = _comments(ACCESS, NAMES, day="2026-03-01")
    ingest(db, early + late, Context(origin="api", brand="Acme"))
    classify_pending(db)
    run_themes(db, "Acme", encoder)
    by_size = client.get("/api/brands/Acme/themes", headers=auth).get_json()["themes"]
    by_growth = client.get("/api/brands/Acme/themes?order=growth", headers=auth).get_json()["themes"]
    assert [t["size"] for t in by_size] == sorted((t["size"] for t in by_size), reverse=True)
    assert sorted(t["id"] for t in by_growth) == sorted(t["id"] for t in by_size)
    assert by_growth[0]["new"]  # the accessibility talk is all recent; the dark-mode talk is old
    assert by_growth[-1]["recent"] == 0
    response = client.get("/api/brands/Acme/themes?order=loudest", headers=auth)
    assert response.status_code == 400 and "order" in response.get_json()["error"]


def test_quotes_are_near_the_centre_and_say_it_differently():
    texts = ["dark mode please", "dark mode please!", "Dark mode please", "a dark theme at night", "other"]
    vectors = np.array([[1, 0], [0.999, 0.045], [1, 0], [0.8, 0.6], [0, 1]], dtype=np.float32)
    labels = np.array([0, 0, 0, 0, -1])
    similarity = np.array([1.0, 0.99, 1.0, 0.8, 0])
    assert representatives(texts, labels, similarity, 0, count=2) == [0, 1]  # the same text once
    assert representatives(texts, labels, similarity, 0, vectors, count=2) == [0, 3]  # and not alike
    assert representatives(texts, labels, similarity, 0, vectors, count=3) == [0, 3, 1]  # if too few
