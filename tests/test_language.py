"""The language gap (weighted log-odds, informative Dirichlet prior) on hand-worked corpora."""

from __future__ import annotations

import math

import pytest

from server.collect.ingest import Context, ingest
from server.measure.language_gap import fightin_words, language_gap


def test_z_scores_match_the_formula_worked_by_hand():
    # one word per text, so there are no two- or three-word phrases to count
    ours, theirs = ["apple", "apple", "banana"], ["banana", "cherry"]
    z = {p.phrase: p for p in fightin_words(ours, theirs, prior=10, min_count=1)}
    # n_a = 3, n_b = 2; α_w = 10 · (y_a + y_b) / 5: apple 4, banana 4, cherry 2
    apple = (math.log(6 / 7) - math.log(4 / 8)) / math.sqrt(1 / 6 + 1 / 4)
    banana = (math.log(5 / 8) - math.log(5 / 7)) / math.sqrt(1 / 5 + 1 / 5)
    cherry = (math.log(2 / 11) - math.log(3 / 9)) / math.sqrt(1 / 2 + 1 / 3)
    assert z["apple"].z == pytest.approx(apple) == pytest.approx(0.8350, abs=1e-4)
    assert z["banana"].z == pytest.approx(banana) == pytest.approx(-0.2111, abs=1e-4)
    assert z["cherry"].z == pytest.approx(cherry) == pytest.approx(-0.6640, abs=1e-4)
    assert [p.phrase for p in fightin_words(ours, theirs, prior=10, min_count=1)] == [
        "apple",
        "banana",
        "cherry",
    ]
    assert (z["apple"].customers, z["apple"].brand) == (2, 0)


def test_phrases_numbers_links_and_stop_words():
    ours = ["It just works, see https://example.com/page for 2 details"] * 3
    theirs = ["AI-powered next generation platform"] * 3
    phrases = {p.phrase for p in fightin_words(ours, theirs)}
    assert {"just works", "works", "ai powered", "generation platform", "ai powered generation"} <= phrases
    assert not any(ch.isdigit() for p in phrases for ch in p)  # numbers left out
    assert not any("https" in p or "example" in p for p in phrases)  # addresses left out
    assert "it" not in phrases and "for" not in phrases  # stop words


def test_only_reliable_differences_show_and_a_shared_phrase_never_does(db):
    customers = [f"sync works every day, support answered ticket {i}" for i in range(60)]
    customers += [f"sync is reliable and it just works, case {i}" for i in range(60)]
    content = [f"sync with our next generation AI platform, launch {i}" for i in range(40)]
    content += [f"sync powered by AI innovation, story {i}" for i in range(40)]
    ingest(db, [{"text": t} for t in customers], Context(origin="api", brand="Acme"))
    ingest(db, [{"text": t} for t in content], Context(origin="api", brand="Acme", kind="emitted"))
    gap = language_gap(db, "Acme")
    theirs = {p["phrase"]: p for p in gap["customers"]}
    yours = {p["phrase"]: p for p in gap["brand_words"]}
    assert "just works" in theirs and "support" in theirs
    assert "ai" in yours and "generation" in yours
    assert "sync" not in theirs and "sync" not in yours  # in every text on both sides: no difference
    assert all(p["z"] >= 1.96 for p in theirs.values()) and all(p["z"] <= -1.96 for p in yours.values())
    zs = [p["z"] for p in gap["customers"]]
    assert zs == sorted(zs, reverse=True)  # most distinctive first
    assert "case" not in theirs or theirs["case"]["z"] >= 1.96
    assert "acme" not in {*theirs, *yours}  # the brand's own name says nothing


def test_nothing_to_compare_says_so(db):
    ingest(db, [{"text": "only customers here"}], Context(origin="api", brand="Acme"))
    gap = language_gap(db, "Acme")
    assert gap["customers"] == [] and gap["brand_words"] == []
    assert gap["note"] == "no content of the brand's own in this period: nothing to compare"


def test_the_api_checks_its_filters(client):
    assert client.get("/api/brands/Acme/language?attribute=vibes").get_json() == {
        "error": "unknown attribute 'vibes' (or 'none': about no attribute)"
    }
    assert client.get("/api/brands/Nobody/language").status_code == 404
    assert client.get("/api/brands/Acme/language?from=soon").status_code == 400
    assert client.get("/api/brands/Acme/language").get_json()["customer_comments"] == 0
