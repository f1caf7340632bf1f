"""The classifiers with the real embedded model (all-MiniLM-L6-v2, on the CPU, offline)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from classifiers.data import read_jsonl
from classifiers.encoder import Encoder, default_encoder
from classifiers.errors import DataError, ModelError, TaxonomyError
from classifiers.model_files import EMBEDDED_SHA256, ModelSource, embedded_model_dir
from classifiers.taxonomy import parse_taxonomy
from classifiers.training import best_threshold, taxonomy_tagger
from server.classify.taxonomy import DEFAULT_TAXONOMY


@pytest.fixture(scope="module")
def tagger():
    return taxonomy_tagger(default_encoder(), parse_taxonomy(list(DEFAULT_TAXONOMY)))


def test_a_reliability_complaint_is_reliability_and_negative(tagger):
    tag = tagger.predict("The service was down all weekend and we lost a day of work. Unacceptable.")
    assert "reliability" in tag.attributes
    assert tag.sentiment == "negative" and tag.sentiment_score < 0


def test_praise_for_support_is_support_and_positive(tagger):
    tag = tagger.predict("Their support team answered within minutes and fixed everything. Lovely people!")
    assert "support" in tag.attributes
    assert tag.sentiment == "positive"


def test_a_comment_about_nothing_in_the_taxonomy_gets_no_attribute(tagger):
    for text in ("My brother-in-law lives in Leeds.", "We had pasta for dinner yesterday."):
        assert tagger.predict(text).attributes == [], text


FILLERS = ["Small design agency here.", "Honest take:", "Would recommend.", "An easy choice for small teams."]


@pytest.mark.parametrize("text", FILLERS)
def test_a_filler_clause_claims_nothing(tagger, text):
    assert tagger.predict(text).attributes == [], text


def test_a_filler_clause_leaves_the_other_clauses_their_attribute(tagger):
    tag = tagger.predict("Small design agency here. The sync has never failed us. Would recommend.")
    assert tag.attributes == ["reliability"], tag
    tag = tagger.predict("Paralegal here; we have used it for a few weeks. Too expensive for what it does.")
    assert tag.attributes == ["price"], tag
    tag = tagger.predict("Honest take: Uptime has been flawless for our whole team.")  # issue 17's example
    assert tag.attributes == ["reliability"], tag


@pytest.mark.parametrize(
    "first, second",
    [
        ("Sharing a folder is two clicks.", "The smart folders feel like the future of file management."),
        (
            "Light on battery and memory compared with the others.",
            "An easy choice for anyone with client files.",
        ),
    ],
)
def test_a_comment_of_several_clauses_speaks_only_of_what_its_clauses_say(tagger, first, second):
    # the pooled vector of the whole comment lies between its clauses' topics: before, it claimed
    # a third attribute (security, reliability) that neither clause speaks of
    whole = tagger.predict(f"{first} {second}")
    alone = set(tagger.predict(first).attributes) | set(tagger.predict(second).attributes)
    assert set(whole.attributes) <= alone, (whole.attributes, alone)


def test_predict_answers_in_kind_and_keeps_order(tagger):
    texts = ["Way too expensive for what it does.", "Setup took five minutes, very intuitive."]
    tags = tagger.predict(texts)
    assert isinstance(tags, list) and len(tags) == 2
    assert "price" in tags[0].attributes and "ease_of_use" in tags[1].attributes
    assert set(tags[0].scores) == {a["key"] for a in DEFAULT_TAXONOMY}


def test_each_attribute_gets_the_sentiment_of_its_own_clause(tagger):
    tag = tagger.predict("Support was wonderful and answered at once, but the price is outrageous.")
    assert {"support", "price"} <= set(tag.attributes)
    assert tag.attribute_sentiment["support"] == "positive"
    assert tag.attribute_sentiment["price"] == "negative"


def test_a_20000_character_text_is_truncated_not_crashed(tagger):
    text = "The app crashes every time I open it. " * 530
    assert len(text) >= 20_000
    tag = tagger.predict(text[:20_000])
    assert "reliability" in tag.attributes


def test_embeddings_are_unit_vectors_and_order_independent():
    encoder = default_encoder()
    texts = ["short", "a much longer sentence about syncing files between laptops", "mid length"]
    forward, backward = encoder.embed(texts), encoder.embed(texts[::-1])[::-1]
    assert forward.shape == (3, 384)
    assert abs(float((forward**2).sum(axis=1).min()) - 1) < 1e-4
    assert abs(forward - backward).max() < 1e-4


def test_a_tampered_weights_file_is_refused(tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(embedded_model_dir(), folder)
    with (folder / "model.safetensors").open("r+b") as stream:
        stream.seek(4096)
        byte = stream.read(1)
        stream.seek(4096)
        stream.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="does not match its published SHA-256"):
        Encoder(ModelSource(str(folder), "tampered", True, EMBEDDED_SHA256))


def test_a_hub_id_is_not_fetched_unless_allowed():
    from classifiers.model_files import resolve

    source = resolve("someone/some-model")
    assert source.local_only is True
    with pytest.raises(ModelError, match="GAPWATCH_MODEL_DOWNLOAD"):
        Encoder(source)


@pytest.mark.parametrize(
    ("taxonomy", "message"),
    [
        ({"attributes": []}, "empty"),
        ([], "empty"),
        ({"attributes": [{"name": "Price"}]}, "'Price' has no definition"),
        ({"attributes": [{"definition": "x"}]}, "no name"),
        ({"attributes": [{"name": "A", "definition": "x", "examples": "oops"}]}, "list of strings"),
        ({"nothing": 1}, "a taxonomy is"),
    ],
)
def test_bad_taxonomies_are_refused_with_a_reason(taxonomy, message):
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(taxonomy)


def test_a_malformed_eval_file_names_the_line(tmp_path):
    path = tmp_path / "test.jsonl"
    path.write_text('{"text": "ok", "attributes": []}\n\n{"text": 5}\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 3"):
        read_jsonl(path)
    path.write_text('{"text": "ok", "attributes": ["vibes"]}\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 1: attribute.*vibes"):
        read_jsonl(path, {"price"})


def test_best_threshold_separates_what_it_can():
    import numpy as np

    scores = np.array([0.9, 0.8, 0.7, 0.4, 0.3, 0.1])
    truth = np.array([True, True, True, False, False, False])
    cut = best_threshold(scores, truth)
    assert 0.4 < cut < 0.7


def test_a_held_out_share_keeps_each_review_whole():
    import random

    from classifiers.data import Example
    from classifiers.training import held_out_split

    examples = [Example(f"sentence {n} of review {n // 4}") for n in range(200)]
    groups = [f"review-{n // 4}" for n in range(200)]
    held, trained = held_out_split(examples, 0.15, random.Random(3), groups)
    held_reviews = {e.text.rsplit(" ", 1)[1] for e in held}
    trained_reviews = {e.text.rsplit(" ", 1)[1] for e in trained}
    assert not held_reviews & trained_reviews and len(held) + len(trained) == 200
    assert 30 <= len(held) <= 36 and len(held) % 4 == 0
    assert held_out_split(examples[:30], 0.15, random.Random(3), groups[:30]) == ([], examples[:30])


def test_a_trained_head_reads_each_text_whole_as_it_learnt_it():
    """Logistic and fine-tuned heads learn from whole texts; asked about a text cut into clauses
    they would read vectors unlike any they learnt from."""
    import numpy as np

    from classifiers.data import Example
    from classifiers.training import logistic_tagger

    attributes = parse_taxonomy([
        {"name": "Battery", "definition": "How long the battery lasts.", "examples": ["battery life"]},
        {"name": "Screen", "definition": "The display.", "examples": ["the screen"]},
    ])  # fmt: skip
    examples = [Example(f"The battery lasts {n} hours.", ("battery",)) for n in range(2, 9)]
    examples += [Example(f"The screen is bright at {n}00 nits.", ("screen",)) for n in range(2, 9)]
    encoder = default_encoder()
    tagger = logistic_tagger(encoder, attributes, examples)
    text = "The battery lasts a day, but the screen is dim."
    whole = tagger.attributes.scores(encoder.embed([text]))[0]
    said = tagger.predict(text)
    assert np.allclose([said.scores["battery"], said.scores["screen"]], whole, atol=1e-3)
    taxonomy = taxonomy_tagger(encoder, attributes)  # the taxonomy's phrases still meet clauses alone
    assert taxonomy.predict(text).attributes == ["battery", "screen"]
    assert set(said.attribute_sentiment) == set(said.attributes)
    assert "+whole" in tagger.model_id and "+whole" not in taxonomy.model_id  # tags from before: again


@pytest.mark.slow
def test_eval_command_with_the_taxonomy_alone(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from server.cli import main

    taxonomy = tmp_path / "taxonomy.json"
    taxonomy.write_text(json.dumps({"attributes": list(DEFAULT_TAXONOMY)}), encoding="utf-8")
    test = tmp_path / "test.jsonl"
    rows = [
        {"text": "Crashes every single day, I lost my work twice.", "attributes": ["reliability"],
         "polarity": {"reliability": "negative"}},
        {"text": "Way too expensive for what you get.", "attributes": ["price"],
         "polarity": {"price": "negative"}},
        {"text": "We had lunch by the river.", "attributes": [], "polarity": {}},
    ]  # fmt: skip
    test.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "--taxonomy", str(taxonomy), str(test), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"micro_f1", "macro_f1", "per_attribute", "polarity_accuracy", "comments_per_second"}
    assert data["micro_f1"] == 1.0 and data["polarity_accuracy"] == 1.0
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\nnot json\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "--taxonomy", str(taxonomy), str(bad)])
    assert result.exit_code == 1 and "line 2" in result.output


def test_a_fine_tuned_model_saves_and_loads_with_the_same_predictions(tmp_path):
    import numpy as np

    from classifiers.data import Example
    from classifiers.model import Tagger
    from classifiers.training import choose_mode, contrastive_tagger

    attributes = parse_taxonomy([
        {"name": "Battery", "definition": "How long the battery lasts.",
         "examples": ["battery lasts all day", "the battery died in an hour", "great battery life"]},
        {"name": "Screen", "definition": "The display.",
         "examples": ["the screen is bright", "a dim washed out display", "sharp colourful screen"]},
    ])  # fmt: skip
    examples = [
        Example("Battery life is superb", ("battery",)),
        Example("The display is gorgeous", ("screen",)),
    ]
    tagger = contrastive_tagger(default_encoder(), attributes, examples, pairs_per_example=2)
    assert tagger.info.kind == "finetuned"
    probe = ["It runs for ten hours on one charge.", "The panel is very bright."]
    before = tagger.predict(probe)
    loaded = Tagger.load(tagger.save(tmp_path / "model"))
    after = loaded.predict(probe)
    for b, a in zip(before, after, strict=True):
        assert b.attributes == a.attributes and b.sentiment == a.sentiment
        assert np.allclose(list(b.scores.values()), list(a.scores.values()), atol=1e-4)
    assert (choose_mode(10), choose_mode(100), choose_mode(5000)) == ("logistic", "setfit", "endtoend")


def test_a_local_model_folder_can_replace_the_embedded_one(tmp_path):
    from classifiers.model_files import resolve

    folder = tmp_path / "my-model"
    shutil.copytree(embedded_model_dir(), folder)
    source = resolve(str(folder))
    assert source.local_only and source.model_id == "local:my-model" and source.expected is None
    encoder = Encoder(source)
    reference = default_encoder().embed(["It never went down."])
    assert abs(encoder.embed(["It never went down."]) - reference).max() < 1e-5
    with pytest.raises(ModelError, match="not a model folder"):
        resolve(str(tmp_path))


def test_end_to_end_fine_tuning_learns_the_labelled_attributes():
    from classifiers.data import Example
    from classifiers.training import finetune_tagger

    attributes = parse_taxonomy([
        {"name": "Battery", "definition": "How long the battery lasts.", "examples": ["battery life"]},
        {"name": "Screen", "definition": "The display.", "examples": ["the screen"]},
    ])  # fmt: skip
    battery = [
        "The battery lasts {} hours.",
        "After {} hours the battery is flat.",
        "It charges to full in {} minutes.",
    ]
    screen = [
        "The screen is bright at {} nits.",
        "The {} inch display is sharp.",
        "Colours on the panel look great, {} out of 10.",
    ]
    examples = [
        Example(t.format(n), ("battery",), {"battery": "positive"}, "positive")
        for t in battery
        for n in range(2, 9)
    ]
    examples += [
        Example(t.format(n), ("screen",), {"screen": "positive"}, "positive")
        for t in screen
        for n in range(2, 9)
    ]
    tagger = finetune_tagger(default_encoder(), attributes, examples, epochs=1)
    assert tagger.info.kind == "finetuned" and tagger.model_id.startswith("finetuned:")
    assert all(0 < t < 1 for t in tagger.attributes.thresholds)
    tags = tagger.predict(["My battery died after a single hour.", "The display is dim and blurry."])
    assert "battery" in tags[0].attributes and "screen" not in tags[0].attributes
    assert "screen" in tags[1].attributes and "battery" not in tags[1].attributes


def test_int8_onnx_inference_stays_close_to_float32():
    from classifiers.model_files import resolve

    texts = ["It never went down in two years.", "Support took a week to answer.", "Too expensive."]
    cache = Path(os.environ["GAPWATCH_ONNX_CACHE"])  # the tests' shared one (conftest): compiled once
    fast = Encoder(resolve(None), backend="onnx-int8", cache_dir=cache)
    exact = Encoder(resolve(None), backend="torch")
    a, b = fast.embed(texts), exact.embed(texts)
    assert (a * b).sum(axis=1).min() > 0.97
    assert list(cache.glob("encoder-*-int8-v*.onnx"))  # compiled into the folder, read from it after
    with pytest.raises(ModelError, match="backend"):
        Encoder(resolve(None), backend="gpu")


def test_compiled_encoders_on_disk_are_used_without_loading_the_torch_model(tmp_path, monkeypatch):
    """A process that tags with the published encoder, compiled by an earlier one, never loads
    its torch weights (seconds per process); one that took the model to change it hashes them."""
    from classifiers import onnx_int8
    from classifiers.model_files import resolve

    cache = Path(os.environ.get("GAPWATCH_ONNX_CACHE") or tmp_path)  # the tests' shared one: compiled once
    texts = ["It never went down in two years.", "Support took a week to answer."]
    vectors, _parts, feelings, _sp = Encoder(resolve(None), cache_dir=cache).embed_both(texts, [[], []])
    later = Encoder(resolve(None), cache_dir=cache)
    again, _parts, feelings_again, _sp = later.embed_both(texts, [[], []])
    assert later._model is None  # found by the verified weights file's hash
    assert (vectors == again).all() and (feelings == feelings_again).all()

    compiled: list[str] = []

    def export(model, tokenizer, path, *args):
        compiled.append(path.name)
        raise ModelError("not compiled in this test")

    monkeypatch.setattr(onnx_int8, "export", export)
    taken = Encoder(resolve(None), cache_dir=cache)
    taken.model.embeddings.word_embeddings.weight.data.mul_(0.5)  # as training would change it
    taken.weights_changed()
    with pytest.raises(ModelError, match="not compiled"):
        taken.embed(texts)  # the changed weights are compiled afresh, under their own hash
    assert len(compiled) == 1 and not (cache / compiled[0]).exists()


def _export_slowly(target, log):
    """In a forked process: `onnx_int8.export` with a stand-in compile that says it ran."""
    import time

    from classifiers import onnx_int8

    def compile_(model, tokenizer, path, module, outputs):
        with open(log, "a") as handle:
            handle.write(f"compiled {path.name}\n")
        time.sleep(0.5)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"onnx")
        return path

    onnx_int8._export = compile_
    onnx_int8.export(None, None, target)


def test_processes_that_share_the_compiled_encoders_compile_each_file_once(tmp_path):
    import multiprocessing

    target, log = tmp_path / "onnx" / "encoder-0123-int8-v4.onnx", tmp_path / "compiled.log"
    forked = multiprocessing.get_context("fork")
    processes = [forked.Process(target=_export_slowly, args=(target, log)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert log.read_text() == f"compiled {target.name}\n" and target.read_bytes() == b"onnx"


def test_an_end_to_end_model_keeps_float32_inference_after_loading(tmp_path):
    from classifiers.data import Example
    from classifiers.model import Tagger
    from classifiers.training import finetune_tagger

    attributes = parse_taxonomy([{"name": "Battery", "definition": "Battery life.", "examples": ["battery"]}])
    examples = [Example(f"The battery lasts {n} hours.", ("battery",)) for n in range(2, 12)]
    tagger = finetune_tagger(default_encoder(), attributes, examples, epochs=1)
    assert tagger.encoder.backend == "torch"
    assert Tagger.load(tagger.save(tmp_path / "m")).encoder.backend == "torch"
