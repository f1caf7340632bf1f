"""SPEC §4 metrics against values worked out by hand, and their edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from server.classify.taxonomy import set_positioning
from server.collect.ingest import Context, ingest
from server.jobs.classifier import classify_pending
from server.measure.metrics import (
    Question,
    Sample,
    attribute_figures,
    gap_figures,
    leaders,
    load_sample,
    message_gap,
    ownership,
    series,
    share_of_voice,
)

ATTRS = ["reliability", "innovation", "price", "support"]
EXACT = Question("test", draws=200, min_comments=1)

# Four comments: c1 praises reliability; c2 complains about reliability and price; c3 praises
# innovation; c4 speaks of nothing in the taxonomy.
FOUR = Sample.build(
    ATTRS,
    [
        {"reliability": "positive"},
        {"reliability": "negative", "price": "negative"},
        {"innovation": "positive"},
        {},
    ],
    ["2026-01-05", "2026-01-06", "2026-01-20", "2026-02-02"],
)
DECLARED = {"innovation": 0.5, "reliability": 0.25, "support": 0.25}


def values(figures: dict) -> dict:
    return {a: (None if f.value is None else round(f.value, 6)) for a, f in figures.items()}


def test_mention_rate_profile_and_net_sentiment_by_hand():
    got = attribute_figures(FOUR, EXACT)
    # mention rate: comments tagged a / 4 comments
    assert values({a: got[a]["mention_rate"] for a in ATTRS}) == {
        "reliability": 0.5,
        "innovation": 0.25,
        "price": 0.25,
        "support": 0.0,
    }
    # profile: 4 mentions in all (2 reliability, 1 innovation, 1 price)
    assert values({a: got[a]["share"] for a in ATTRS}) == {
        "reliability": 0.5,
        "innovation": 0.25,
        "price": 0.25,
        "support": 0.0,
    }
    # net sentiment: reliability (1 − 1)/2 = 0; price (0 − 1)/1 = −1; innovation 1; support: no mentions
    assert values({a: got[a]["net_sentiment"] for a in ATTRS}) == {
        "reliability": 0.0,
        "innovation": 1.0,
        "price": -1.0,
        "support": None,
    }
    assert got["support"]["net_sentiment"].note == "too few comments (0 < 1)"
    assert got["reliability"]["net_sentiment"].n == 2 and got["reliability"]["share"].n == 4


def test_gap_and_gap_score_by_hand():
    score, gaps = gap_figures(FOUR, DECLARED, EXACT)
    # q = (rel .5, inn .25, price .25, support 0); w = (.25, .5, 0, .25)
    assert values(gaps) == {"reliability": 0.25, "innovation": -0.25, "price": 0.25, "support": -0.25}
    assert score.value == pytest.approx(0.5)  # ½ (.25 + .25 + .25 + .25)
    assert score.low <= score.value <= score.high and score.low >= 0 and score.high <= 1


def test_the_gap_score_is_zero_when_customers_say_what_you_claim_and_one_when_nothing_matches():
    same = Sample.build(
        ["a", "b", "c"], [{"a": "positive"}, {"a": "neutral"}, {"b": "negative"}, {"b": "positive"}]
    )
    assert gap_figures(same, {"a": 0.5, "b": 0.5}, EXACT)[0].value == pytest.approx(0.0)
    assert gap_figures(same, {"c": 1.0}, EXACT)[0].value == pytest.approx(1.0)


def test_message_gap_uses_the_emitted_profile():
    emitted = Sample.build(
        ATTRS, [{"innovation": "positive"}, {"innovation": "positive"}, {"support": "neutral"}]
    )
    # emitted q = (0, 2/3, 0, 1/3) vs w = (.25, .5, 0, .25): ½(.25 + 1/6 + 0 + 1/12) = 0.25
    assert message_gap(emitted, DECLARED, EXACT).value == pytest.approx(0.25)


def test_ownership_by_hand():
    ours = Sample.build(["reliability"], [{"reliability": "positive"}] * 3 + [{}])
    theirs = Sample.build(["reliability"], [{"reliability": "negative"}, {}])
    got = ownership({"Acme": ours, "Rival": theirs}, EXACT)["reliability"]
    # mention rates 3/4 and 1/2: ownership 0.75 / 1.25 and 0.5 / 1.25
    assert (got["Acme"].value, got["Rival"].value) == pytest.approx((0.6, 0.4))
    assert got["Acme"].n == 4 and got["Rival"].n == 2
    voice = share_of_voice({"Acme": ours, "Rival": theirs}, EXACT)["reliability"]
    assert (voice["Acme"].value, voice["Rival"].value) == (0.75, 0.25)  # 3 of the 4 mentions


def test_ownership_follows_perception_not_collection_volume():
    """1,000 comments of Big, 10 % about innovation; 100 of Small, 28 %: Small's customers talk
    about it far more, so Small owns it and leads, though Big has most of the mentions."""
    big = Sample.build(["innovation"], [{"innovation": "positive"}] * 100 + [{}] * 900)
    small = Sample.build(["innovation"], [{"innovation": "positive"}] * 28 + [{}] * 72)
    question = Question("volume", draws=300)
    owned = ownership({"Big": big, "Small": small}, question)
    assert owned["innovation"]["Small"].value == pytest.approx(0.28 / 0.38)
    assert owned["innovation"]["Big"].value == pytest.approx(0.10 / 0.38)
    voice = share_of_voice({"Big": big, "Small": small}, question)
    assert voice["innovation"]["Big"].value == pytest.approx(100 / 128)  # volume, shown apart
    assert leaders(owned) == {"innovation": "Small"}
    # with overlapping intervals nobody leads
    close = Sample.build(["innovation"], [{"innovation": "positive"}] * 26 + [{}] * 74)
    assert leaders(ownership({"Small": small, "Close": close}, question)) == {}


def test_edge_cases_no_comments_one_attribute_no_positioning_too_few():
    empty = Sample.build(ATTRS, [])
    figures = attribute_figures(empty, Question("e", draws=50, min_comments=1))
    assert all(f.value is None and f.n == 0 for a in ATTRS for f in figures[a].values())
    assert gap_figures(empty, DECLARED, EXACT)[0].value is None
    one = Sample.build(["price"], [{"price": "negative"}, {"price": "positive"}, {"price": "negative"}])
    assert attribute_figures(one, EXACT)["price"]["share"].value == 1.0
    assert attribute_figures(one, EXACT)["price"]["net_sentiment"].value == pytest.approx(-1 / 3)
    score, gaps = gap_figures(FOUR, {}, EXACT)
    assert score.value is None and score.note == "no declared positioning" and gaps["price"].value is None
    few = attribute_figures(FOUR, Question("f", draws=50, min_comments=30))
    assert few["reliability"]["share"].value is None
    assert few["reliability"]["share"].note == "too few comments (4 < 30)"


def test_intervals_are_seeded_by_the_question_and_cover_the_value():
    big = Sample.build(["a", "b"], [{"a": "positive"}] * 60 + [{"b": "negative"}] * 40)
    first = attribute_figures(big, Question("Acme|2026-01", min_comments=30))["a"]["share"]
    again = attribute_figures(big, Question("Acme|2026-01", min_comments=30))["a"]["share"]
    assert first == again  # a reload shows the same numbers
    assert first.low < 0.6 < first.high
    # the binomial standard error of 0.6 over 100 comments is 0.049: the interval is about ±0.096
    assert 0.15 < first.high - first.low < 0.25


def test_monthly_and_weekly_series():
    months = series(FOUR, "month", lambda s, start: s.n)
    assert months == [("2026-01-01", 3), ("2026-02-01", 1)]
    weeks = series(FOUR, "week", lambda s, start: attribute_figures(s, EXACT)["reliability"]["share"])
    assert [(start, f.value and round(f.value, 3), f.n) for start, f in weeks] == [
        ("2026-01-05", 0.667, 2),  # 2 reliability mentions of 3
        ("2026-01-19", 0.0, 1),
        ("2026-02-02", None, 1),  # a week whose one comment mentions nothing
    ]


def test_load_sample_reads_tags_and_lets_corrections_win(db):
    texts = [
        "The app crashed and lost my files again.",
        "Support answered within minutes, very helpful.",
        "Nice weather for a picnic today.",
    ]
    outcomes = ingest(db, [{"text": t} for t in texts], Context(origin="api", brand="Acme"))
    classify_pending(db)
    db.execute(
        "INSERT INTO corrections (comment_id, attributes, sentiment, created_at) VALUES (?, ?, ?, ?)",
        [outcomes[2].id, '["price"]', "negative", "2026-01-01T00:00:00Z"],
    )
    db.conn.commit()
    sample = load_sample(db, 1, ATTRS)
    assert sample.n == 3
    rows = [
        {a: sample.sentiment[i, j] for j, a in enumerate(ATTRS) if sample.mentions[i, j]}
        for i in range(len(sample.counts))
    ]
    assert list(sample.counts) == [1, 1, 1]
    assert {"reliability": -1.0} in rows
    assert {"support": 1.0} in rows
    assert {"price": -1.0} in rows  # the correction, not the model
    assert {} not in rows  # the picnic comment counts as price, as corrected
    set_positioning(db, "Acme", {"reliability": 1.0})
    assert load_sample(db, 1, ATTRS, start="2099-01-01").n == 0


def test_large_samples_draw_the_resampled_sums_from_their_normal_limit(monkeypatch):
    from server.measure.metrics import bootstrap  # where the bootstrap reads its thresholds

    rng = np.random.default_rng(4)
    feelings = ["positive", "neutral", "negative"]
    rows = [
        {a: feelings[rng.integers(3)] for a in ATTRS if rng.random() < (0.5 if a == "reliability" else 0.2)}
        for _ in range(3000)
    ]
    sample = Sample.build(ATTRS, rows)
    assert sample.n >= bootstrap.EXACT_COMMENTS and sample.mentions.shape[0] > bootstrap.EXACT_ROWS
    approx = attribute_figures(sample, Question("big"))  # the normal path
    monkeypatch.setattr(bootstrap, "EXACT_ROWS", 10_000)
    exact = attribute_figures(Sample.build(ATTRS, rows), Question("big"))
    for a in ATTRS:
        for name in ("share", "mention_rate", "net_sentiment"):
            f, g = approx[a][name], exact[a][name]
            assert f.value == g.value
            width = g.high - g.low
            assert abs(f.low - g.low) < 0.15 * width and abs(f.high - g.high) < 0.15 * width, (a, name)


def test_intervals_match_numpy_percentiles_and_skip_undefined_resamples():
    from server.measure.metrics.bootstrap import _intervals

    rng = np.random.default_rng(0)
    values = rng.random((500, 3))
    values[:100, 1] = np.nan  # undefined in 100 resamples
    values[:, 2] = np.nan  # never defined
    lows, highs = _intervals(values)
    assert lows[0] == pytest.approx(np.percentile(values[:, 0], 2.5))
    assert highs[0] == pytest.approx(np.percentile(values[:, 0], 97.5))
    assert lows[1] == pytest.approx(np.percentile(values[100:, 1], 2.5))
    assert np.isnan(lows[2]) and np.isnan(highs[2])
