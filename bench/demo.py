"""The demo workspace read by the classifier, against what each comment was written to say.

Tags ``server.jobs.demo.labelled_customer_comments()`` three ways, in the same run:

- ``out_of_the_box``: what ``make run`` shows. The demo is loaded into a new workspace and the
  classifier job runs as it does there (``classify_pending``): the taxonomy tagger with the shipped
  sentiment model, adapted to the demo's star ratings when there are enough of them
  (``server.classify.ratings``); the tags are read back from the workspace;
- ``shipped``: the same tagger without the ratings adaptation;
- ``before``: the sentiment model before the shipped one (a head on the frozen encoder fitted to
  the bundled seed sentences).

Prints:

- comment sentiment: the share of comments whose tag is the sentiment they were written with
  (positive or negative; neutral counts as wrong);
- attributes: micro precision, recall and F1 over (comment, attribute) pairs;
- Lumio's net sentiment per attribute as tagged, next to the one written;
- per attribute, the share of its mentions that come from the most frequent sentence: no
  attribute should be carried by one repeated phrase.

    python bench/demo.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from classifiers.encoder import Encoder
    from classifiers.model_files import resolve
    from classifiers.taxonomy import parse_taxonomy
    from classifiers.training import taxonomy_tagger
    from server.classify.taxonomy import DEFAULT_TAXONOMY
    from server.jobs.demo import labelled_customer_comments

    labelled = labelled_customer_comments()
    texts = [item["text"] for item, _truth in labelled]
    taxonomy = parse_taxonomy(DEFAULT_TAXONOMY)
    source = resolve(None)
    shipped = taxonomy_tagger(Encoder(source), taxonomy)
    before = taxonomy_tagger(Encoder(source, sentiment=False), taxonomy)
    results = {}
    runs = [("out_of_the_box", out_of_the_box(labelled)), ("shipped", shipped.predict(texts)),
            ("before", before.predict(texts))]  # fmt: skip
    for name, tags in runs:
        results[name] = measure(name, tags, labelled, texts)
    print(json.dumps(results, indent=2))


def measure(name: str, tags: list, labelled: list, texts: list[str]) -> dict:
    """One way of tagging the demo against what was written; prints its line."""
    from classifiers.model import clause_spans

    right = sum(t.sentiment == ("positive" if truth["positive"] else "negative")
                for t, (_i, truth) in zip(tags, labelled, strict=True))  # fmt: skip
    confusion = Counter(f"written {'positive' if truth['positive'] else 'negative'}, tagged {t.sentiment}"
                        for t, (_i, truth) in zip(tags, labelled, strict=True))  # fmt: skip
    tp = fp = fn = 0
    for tag, (_item, truth) in zip(tags, labelled, strict=True):
        said, true = set(tag.attributes), set(truth["attributes"])
        tp, fp, fn = tp + len(said & true), fp + len(said - true), fn + len(true - said)
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    net = {}
    for (item, _truth), tag in zip(labelled, tags, strict=True):
        if item["brand"] != "Lumio":
            continue
        for attribute, feeling in tag.attribute_sentiment.items():
            pos, neg, n = net.get(attribute, (0, 0, 0))
            net[attribute] = (pos + (feeling == "positive"), neg + (feeling == "negative"), n + 1)
    written = {}
    for item, truth in labelled:
        if item["brand"] == "Lumio" and truth["attributes"]:
            a = truth["attributes"][0]
            pos, neg, n = written.get(a, (0, 0, 0))
            written[a] = (pos + truth["positive"], neg + (not truth["positive"]), n + 1)
    carried = {}
    for tag, text in zip(tags, texts, strict=True):
        clauses = [text[b:e].strip() for b, e in clause_spans(text)]
        for attribute in tag.attributes:
            carried.setdefault(attribute, Counter()).update(set(clauses))
    mentions = Counter(a for t in tags for a in t.attributes)
    result = {
        "comments": len(texts),
        "sentiment_match": round(right / len(texts), 4),
        "sentiment_confusion": dict(sorted(confusion.items())),
        "attributes": {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "micro_f1": round(f1, 4),
        },
        "lumio_net_sentiment_tagged": {a: round((p - q) / n, 2) for a, (p, q, n) in sorted(net.items())},
        "lumio_net_sentiment_written": {a: round((p - q) / n, 2) for a, (p, q, n) in sorted(written.items())},
        "most_repeated_sentence_share": {
            a: {
                "share": round(c.most_common(1)[0][1] / mentions[a], 3),
                "sentence": c.most_common(1)[0][0],
            }
            for a, c in sorted(carried.items())
        },
    }
    print(f"{name}: sentiment matches {right / len(texts):.1%} of {len(texts)} comments; attributes "
          f"micro-F1 {f1:.1%} (precision {precision:.1%}, recall {recall:.1%}); Lumio reliability net "
          f"{result['lumio_net_sentiment_tagged'].get('reliability')} (written "
          f"{result['lumio_net_sentiment_written'].get('reliability')})", flush=True)  # fmt: skip
    return result


def out_of_the_box(labelled: list) -> list:
    """The demo's customer comments as a fresh demo workspace's classifier job tags them."""
    import tempfile

    from classifiers.model import Tag
    from server.classify.ratings import record
    from server.jobs.classifier import classify_pending
    from server.jobs.demo import load_demo
    from server.store.db import open_db

    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "demo.db")
        load_demo(db)
        classify_pending(db)
        adaptation = record(db)
        print(f"ratings adaptation: {json.dumps(adaptation)}", flush=True)
        rows = db.execute(
            "SELECT c.text, t.sentiment, t.sentiment_score FROM comments c "
            "JOIN tags t ON t.comment_id = c.id WHERE c.kind = 'customer'"
        ).fetchall()
        by_text = {text: (sentiment, score) for text, sentiment, score in rows}
        said: dict[str, dict[str, str]] = {}
        for text, attribute, feeling in db.execute(
            "SELECT c.text, ta.attribute, ta.sentiment FROM comments c "
            "JOIN tag_attributes ta ON ta.comment_id = c.id WHERE ta.assigned = 1 AND c.kind = 'customer'"
        ):
            said.setdefault(text, {})[attribute] = feeling
        db.conn.close()
    tags = []
    for item, _truth in labelled:
        sentiment, score = by_text[item["text"]]
        feelings = said.get(item["text"], {})
        tags.append(Tag(sorted(feelings), {}, sentiment, score, feelings))
    return tags


if __name__ == "__main__":
    main()
