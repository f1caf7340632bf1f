"""The shipped sentiment model (``classifiers.sentiment``), with the real embedded encoder: it is
what tags every comment, so its known failures are tested here as behaviour."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from classifiers.encoder import Encoder
from classifiers.errors import ModelError
from classifiers.model_files import resolve
from classifiers.sentiment import SHIPPED, load_delta
from classifiers.taxonomy import parse_taxonomy
from classifiers.training import taxonomy_tagger
from server.classify.taxonomy import DEFAULT_TAXONOMY


@pytest.fixture(scope="module")
def tagger():
    return taxonomy_tagger(Encoder(resolve(None), backend="torch"), parse_taxonomy(DEFAULT_TAXONOMY))


def test_the_shipped_model_is_small_checked_and_sits_on_the_published_encoder():
    delta = load_delta()
    assert delta is not None, "classifiers/data/sentiment is missing: run `make sentiment-model`"
    size = sum(f.stat().st_size for f in SHIPPED.iterdir())
    assert size < 25 * 1024 * 1024
    assert delta.meta["base_sha256"].startswith("53aa51172d14")
    assert (SHIPPED / "MODEL_CARD.md").read_text().count("citation") >= 1
    assert delta.weights.shape == (384, 3)


def test_a_damaged_sentiment_file_is_refused(tmp_path: Path):
    copy = tmp_path / "sentiment"
    shutil.copytree(SHIPPED, copy)
    data = bytearray((copy / "head.npz").read_bytes())
    data[-20] ^= 0xFF
    (copy / "head.npz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="does not match its manifest"):
        load_delta(copy)


# The misreadings issue 17 quoted (negated complaints such as "never lost a file", slow service
# stated as a fact): the shipped model reads them right since it learned from the project's own
# sentences (classifiers/written.py), none of which shares four words in a row with a demo comment.


@pytest.mark.parametrize(
    ("text", "attribute", "feeling"),
    [
        ("In two years Lumio has never lost a file.", "reliability", "positive"),
        ("It never breaks.", "reliability", "positive"),
        ("It just works, every single day.", "reliability", "positive"),
        ("Support answered quickly and fixed it.", "support", "positive"),
        ("Support answered quickly and fixed it, ticket 3.", "support", "positive"),
        ("The app crashed again and lost my files.", "reliability", "negative"),
        ("Support took nine days to answer a simple billing question.", "support", "negative"),
        ("Too expensive for what it does.", "price", "negative"),
    ],
)
def test_the_wrong_tags_of_the_demo_come_out_right(tagger, text, attribute, feeling):
    tag = tagger.predict(text)
    assert tag.sentiment == feeling, (text, tag)
    assert tagger.polarity(text, attribute) == [feeling]


def test_each_attribute_gets_the_sentiment_of_its_own_clause(tagger):
    tag = tagger.predict(
        "Support answered quickly and fixed it, but the price went up again and we are looking elsewhere."
    )
    assert tag.attribute_sentiment.get("support") == "positive", tag
    assert tag.attribute_sentiment.get("price") == "negative", tag


def test_neutral_is_a_real_class(tagger):
    said = [t.sentiment for t in tagger.predict([
        "The update is scheduled for Tuesday.",
        "Is there a way to export a folder as a zip file?",
        "We moved our files over in March.",
    ])]  # fmt: skip
    assert said.count("neutral") >= 2, said


@pytest.mark.slow
def test_onnx_int8_and_torch_agree():
    texts = ["In two years Lumio has never lost a file.", "Support took nine days to answer.",
             "The update is scheduled for Tuesday.",
             "Setup took five minutes, but sync broke twice."]  # fmt: skip
    taxonomy = parse_taxonomy(DEFAULT_TAXONOMY)
    cache = Path(os.environ["GAPWATCH_ONNX_CACHE"])  # the tests' shared compiled encoders (conftest)
    fast = taxonomy_tagger(Encoder(resolve(None), backend="onnx-int8", cache_dir=cache), taxonomy)
    exact = taxonomy_tagger(Encoder(resolve(None), backend="torch"), taxonomy)
    assert [t.sentiment for t in fast.predict(texts)] == [t.sentiment for t in exact.predict(texts)]
    a = np.array([t.sentiment_score for t in fast.predict(texts)])
    b = np.array([t.sentiment_score for t in exact.predict(texts)])
    assert np.abs(a - b).max() < 0.15
    assert fast.model_id == exact.model_id and "+sentiment@" in fast.model_id


def test_without_the_delta_the_encoder_keeps_its_own_head():
    plain = Encoder(resolve(None), sentiment=False)
    tagger = taxonomy_tagger(plain, parse_taxonomy(DEFAULT_TAXONOMY))
    assert not plain.has_sentiment and "+sentiment@" not in tagger.model_id
    assert tagger.predict("It works.").sentiment in ("negative", "neutral", "positive")
