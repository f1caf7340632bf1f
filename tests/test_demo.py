from collections import Counter
from datetime import datetime

from server.classify.taxonomy import get_positioning
from server.jobs import demo
from server.store.db import open_db
from server.tell.cases import list_cases


def test_demo_data_is_deterministic_and_large_enough():
    first, second = demo.customer_comments(), demo.customer_comments()
    assert first == second
    assert len(first) >= 600
    assert len({c["text"] for c in first}) == len(first)
    assert len({c["channel"] for c in first}) >= 5
    dates = sorted(datetime.fromisoformat(c["published_at"]) for c in first)
    assert (dates[-1] - dates[0]).days >= 500  # about 18 months


def test_demo_tells_the_story():
    """Lumio claims innovation; its customers speak of reliability and support instead."""
    said = Counter(
        attribute
        for item, truth in demo.labelled_customer_comments()
        if item["brand"] == "Lumio"
        for attribute in truth["attributes"]
    )
    assert said["reliability"] > 4 * said["innovation"]
    assert said["support"] > 3 * said["innovation"]
    assert said.most_common(1)[0][0] == "reliability"
    emitted = [c["text"].lower() for c in demo.emitted_content() if c["brand"] == "Lumio"]
    assert sum("ai" in t.replace(",", " ").split() or "next-generation" in t for t in emitted) >= 7


def test_no_attribute_is_spoken_of_mostly_in_one_sentence():
    """Real reviews do not repeat a stock sentence: for every attribute of the default taxonomy,
    no one sentence of the demo carries more than a fifth of the comments written about it."""
    from server.classify.taxonomy import DEFAULT_TAXONOMY
    from server.jobs.demo_data import PHRASES

    assert set(PHRASES) == {a["key"] for a in DEFAULT_TAXONOMY}  # the demo speaks of every attribute
    carried: dict[str, Counter] = {a: Counter() for a in PHRASES}
    for item, truth in demo.labelled_customer_comments():
        for attribute in truth["attributes"]:
            for feeling in ("positive", "negative"):
                for sentence in PHRASES[attribute][feeling]:
                    if sentence.format(b=item["brand"]) in item["text"]:
                        carried[attribute][sentence] += 1
    for attribute, sentences in carried.items():
        total = sum(sentences.values())
        assert total >= 20, attribute
        sentence, most = sentences.most_common(1)[0]
        assert most / total <= 0.2, (attribute, sentence, most, total)


def test_loaded_demo_has_brands_positioning_and_comments(tmp_path):
    db = open_db(tmp_path / "d.db")
    counts = demo.load_demo(db)
    assert counts["rejected"] == 0 and counts["new"] >= 600
    kinds = Counter(r["kind"] for r in db.query("SELECT kind FROM comments"))
    assert kinds["emitted"] >= 10
    assert get_positioning(db, "Lumio")["innovation"] == 0.45
    assert abs(sum(get_positioning(db, "Driftbox").values()) - 1) < 1e-9
    # its cases are tested once the comments are tagged (test_serve_and_pages.py)
    assert [c["verdict"] for c in list_cases(db)] == [None, None]
