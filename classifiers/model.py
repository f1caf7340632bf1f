"""The tagging model: attribute scores, thresholds and sentiment on top of the encoder.

A model is an encoder (the embedded one, or a fine-tuned copy saved with the model) plus small
numpy heads: either *prototypes* (the taxonomy's own phrases, used before any labelled data
exists) or a *linear* head (trained), per-attribute thresholds, and a sentiment head.
``Tagger.predict`` takes a string or a list and answers in kind.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import overload

import numpy as np

from .encoder import INFERENCE_BATCH, Encoder, default_encoder
from .errors import ModelError
from .model_files import ModelSource

SENTIMENTS = ("negative", "neutral", "positive")
_CLAUSE_SPLIT = re.compile(r"(?<=[.!?;:])\s+|\s+(?:but|however|although|though|whereas)\s+", re.I)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class AttributeHead:
    """Scores in [0, 1] per attribute; ``kind`` is "prototype" or "linear"."""

    kind: str
    keys: list[str]
    thresholds: np.ndarray
    weights: np.ndarray  # linear: (d, k); prototype: (m, d) phrase vectors
    bias: np.ndarray  # linear: (k,); prototype: (m,) index of the attribute of each phrase
    nothing: np.ndarray | None = None  # prototype: (n, d) vectors of sentences about no attribute

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        if self.kind == "linear":
            return sigmoid(vectors @ self.weights + self.bias)
        sims = vectors @ self.weights.T  # (n, m) cosine similarities
        out = np.full((len(vectors), len(self.keys)), -1.0, dtype=np.float32)
        for a in range(len(self.keys)):
            out[:, a] = sims[:, self.bias == a].max(axis=1)
        return (out + 1) / 2  # cosine to [0, 1]

    def assigned(self, scores: np.ndarray) -> np.ndarray:
        return scores >= self.thresholds

    def about_nothing(self, vectors: np.ndarray) -> np.ndarray:
        """Prototype heads: each vector's closeness (cosine mapped to [0, 1]) to the nearest
        sentence about no attribute; a clause closer to one of those than to any attribute's
        phrases claims nothing ("Small design agency here.", "Honest take:")."""
        if self.nothing is None or not len(self.nothing) or not len(vectors):
            return np.zeros(len(vectors), dtype=np.float32)
        return ((vectors @ self.nothing.T).max(axis=1) + 1) / 2


@dataclass
class SentimentHead:
    weights: np.ndarray  # (d, 3) in SENTIMENTS order
    bias: np.ndarray

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        return softmax(vectors @ self.weights + self.bias)


@dataclass
class Tag:
    attributes: list[str]
    scores: dict[str, float]
    sentiment: str
    sentiment_score: float  # P(positive) - P(negative), in [-1, 1]
    attribute_sentiment: dict[str, str] = field(default_factory=dict)


@dataclass
class ModelInfo:
    kind: str  # "taxonomy" | "logistic" | "finetuned"
    encoder_id: str
    taxonomy_version: int | None = None
    trained_on: int = 0
    created_at: str = ""
    fingerprint: str = ""  # identifies an unsaved model by what made it (taxonomy taggers)
    notes: dict = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        return f"{self.kind}:{self.encoder_id}:{self.fingerprint or self.created_at or 'unsaved'}"


def clause_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of ``text`` (sentences, and halves around "but" etc.)."""
    spans, begin = [], 0
    for match in _CLAUSE_SPLIT.finditer(text):
        if text[begin : match.start()].strip():
            spans.append((begin, match.start()))
        begin = match.end()
    if text[begin:].strip():
        spans.append((begin, len(text)))
    return spans or [(0, len(text))]


class Tagger:
    """Attributes from the encoder's vectors; sentiment from the shipped sentiment model's
    (``classifiers.sentiment``): from the encoder's sentiment branch where it carries one, or from a second
    encoder that does (``feeler``: a fine-tuned model's attributes come from its own encoder,
    its sentiment from the shipped model). Without either (another encoder named by
    GAPWATCH_MODEL), from ``sentiment``, the head fitted with the model."""

    def __init__(
        self, encoder: Encoder, attributes: AttributeHead, sentiment: SentimentHead, info: ModelInfo
    ) -> None:
        self.encoder = encoder
        self.attributes = attributes
        self.own_sentiment = sentiment
        self.info = info
        self.feeler: Encoder | None = None
        delta = getattr(encoder, "delta", None)
        self.shipped = delta is not None and info.kind != "finetuned"
        self.sentiment = SentimentHead(delta.weights, delta.bias) if self.shipped else sentiment
        self.adaptation: str | None = None  # digest of a head adapted to a workspace's ratings

    def feel_with(self, feeler: Encoder | None) -> Tagger:
        """Take sentiment from ``feeler``'s shipped sentiment model (a second pass) when this
        model's own encoder does not carry it (a fine-tuned encoder)."""
        if not self.shipped and feeler is not None and getattr(feeler, "delta", None) is not None:
            self.feeler = feeler
            self.shipped = True
            self.sentiment = SentimentHead(feeler.delta.weights, feeler.delta.bias)
        return self

    @property
    def model_id(self) -> str:
        """What made the tags: the model, and the shipped sentiment model when it is used (tags
        of another sentiment model are tagged again)."""
        base = self.info.model_id
        if self.attributes.kind != "prototype":  # trained heads read whole texts (tags from before, again)
            base = f"{base}+whole"
        if self.shipped:
            base = f"{base}+sentiment@{(self.feeler or self.encoder).delta.digest}"
        return f"{base}+ratings@{self.adaptation}" if self.adaptation else base

    def adapted(self, head: SentimentHead, digest: str) -> Tagger:
        """A copy of this tagger whose sentiment comes from ``head`` (adapted to a workspace's
        ratings, see ``classifiers.adapt``); this one is left as it is (taggers are cached)."""
        import copy

        twin = copy.copy(self)
        twin.sentiment, twin.adaptation = head, digest
        return twin

    def feel_vectors(self, texts: list[str], batch_size: int = INFERENCE_BATCH) -> np.ndarray:
        """The whole-text vectors the sentiment head reads."""
        _v, _p, feel, _fp = self._embed(texts, [[] for _ in texts], batch_size)  # no clauses needed
        return feel

    def _embed(self, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int = INFERENCE_BATCH):
        """(vectors, clause vectors) for attributes and the same for sentiment."""
        # the taxonomy's phrases are short: a clause is compared with them on its own; trained
        # heads learnt from whole texts and read them whole
        apart = self.attributes.kind == "prototype"
        vectors, parts, feel, feel_parts = self.encoder.embed_both(texts, spans, batch_size=batch_size,
                                                                   clauses_apart=apart)  # fmt: skip
        if self.feeler is not None:
            _v, _p, feel, feel_parts = self.feeler.embed_both(texts, spans, batch_size=batch_size,
                                                              published=False)  # fmt: skip
        if not self.shipped or feel is None:
            return vectors, parts, vectors, parts
        return vectors, parts, feel, feel_parts

    @overload
    def predict(self, texts: str, *, batch_size: int = ...) -> Tag: ...
    @overload
    def predict(self, texts: list[str], *, batch_size: int = ...) -> list[Tag]: ...

    def predict(self, texts: str | list[str], *, batch_size: int = INFERENCE_BATCH) -> Tag | list[Tag]:
        """Tag one text or a list of texts."""
        single = isinstance(texts, str)
        batch = [texts] if single else list(texts)
        spans = [clause_spans(t) for t in batch]
        tags = self._tags(*self._embed(batch, spans, batch_size))
        return tags[0] if single else tags

    def _tags(self, vectors: np.ndarray, parts: list[np.ndarray], feel: np.ndarray,
              feel_parts: list[np.ndarray]) -> list[Tag]:  # fmt: skip
        """Tags from whole-text vectors and clause vectors, for attributes and for sentiment."""
        scores = self.attributes.scores(vectors)
        several = [i for i, p in enumerate(parts) if len(p) > 1]
        flat = np.vstack([parts[i] for i in several]) if several else np.zeros((0, vectors.shape[1]))
        flat_feel = (
            np.vstack([feel_parts[i] for i in several]) if several else np.zeros((0, vectors.shape[1]))
        )
        clause_scores = self.attributes.scores(flat) if several else flat
        clause_probs = self.sentiment.probabilities(flat_feel) if several else flat_feel
        by_text, start = {}, 0
        for i in several:
            rows = slice(start, start + len(parts[i]))
            by_text[i] = (clause_scores[rows], clause_probs[rows])
            start += len(parts[i])
        if self.attributes.kind == "prototype":
            nothing = self.attributes.about_nothing(vectors)
            clause_nothing = self.attributes.about_nothing(flat) if several else np.zeros(0)
            start = 0
            nothing_by_text = {}
            for i in several:
                nothing_by_text[i] = clause_nothing[start : start + len(parts[i])]
                start += len(parts[i])
            assigned = self._closest_per_clause(scores, by_text, nothing, nothing_by_text)
            for i, (cs, _cp) in by_text.items():
                scores[i] = np.maximum(scores[i], cs.max(axis=0))
        else:
            assigned = self.attributes.assigned(scores)
        probs = self.sentiment.probabilities(feel)
        tags = [self._tag(scores[i], assigned[i], probs[i]) for i in range(len(vectors))]
        for i, (cs, cp) in by_text.items():
            if tags[i].attributes:
                self._attribute_sentiment(tags[i], cs, cp)
        return tags

    def _closest_per_clause(self, scores: np.ndarray, by_text: dict, nothing: np.ndarray,
                            nothing_by_text: dict) -> np.ndarray:  # fmt: skip
        """Before any training: each clause speaks of at most one attribute, its closest, if close
        enough and closer than to any sentence about nothing; a comment speaks of every attribute
        one of its clauses does. A text of one clause is read whole. The vector of a text of
        several clauses pools them all: it lands between their topics, near none of them or
        near a third, so it claims nothing (on the demo it was the source of half the wrong
        attributes; on laptop reviews, mostly one clause a sentence, it changed nothing)."""
        assigned = np.zeros(scores.shape, dtype=bool)
        for i in range(len(scores)):
            if i in by_text:
                rows, none = by_text[i][0], nothing_by_text[i]
            else:
                rows, none = scores[i : i + 1], nothing[i : i + 1]
            best = rows.argmax(axis=1)
            top = rows[np.arange(len(rows)), best]
            passed = (top >= self.attributes.thresholds[best]) & (top > none)
            assigned[i, best[passed]] = True
        return assigned

    def _tag(self, scores: np.ndarray, assigned: np.ndarray, probs: np.ndarray) -> Tag:
        keys = self.attributes.keys
        sentiment = SENTIMENTS[int(probs.argmax())]
        chosen = [keys[a] for a in np.flatnonzero(assigned)]
        return Tag(
            attributes=chosen,
            scores={k: round(float(s), 4) for k, s in zip(keys, scores, strict=True)},
            sentiment=sentiment,
            sentiment_score=round(float(probs[2] - probs[0]), 4),
            attribute_sentiment=dict.fromkeys(chosen, sentiment),
        )

    def _attribute_sentiment(self, tag: Tag, scores: np.ndarray, probs: np.ndarray) -> None:
        """Each attribute gets the sentiment of the clause that speaks of it most."""
        for key in tag.attributes:
            best = int(scores[:, self.attributes.keys.index(key)].argmax())
            tag.attribute_sentiment[key] = SENTIMENTS[int(probs[best].argmax())]

    def polarity(self, text: str | list[str], attribute: str | list[str]) -> list[str]:
        """Sentiment towards given attributes (gold attributes, for evaluation)."""
        texts = [text] if isinstance(text, str) else list(text)
        wanted = [attribute] if isinstance(attribute, str) else list(attribute)
        _v, parts, _f, feel_parts = self._embed(texts, [clause_spans(t) for t in texts])
        out = []
        for key, clause_vectors, clause_feel in zip(wanted, parts, feel_parts, strict=True):
            a = self.attributes.keys.index(key)
            best = int(self.attributes.scores(clause_vectors)[:, a].argmax())
            probs = self.sentiment.probabilities(clause_feel[best : best + 1])[0]
            out.append(SENTIMENTS[int(probs.argmax())])
        return out

    # persistence -------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(
            folder / "heads.npz",
            attr_weights=self.attributes.weights, attr_bias=self.attributes.bias,
            thresholds=self.attributes.thresholds, sent_weights=self.own_sentiment.weights,
            sent_bias=self.own_sentiment.bias,
        )  # fmt: skip
        meta = {
            "info": asdict(self.info),
            "kind": self.attributes.kind,
            "keys": self.attributes.keys,
        }
        if self.info.kind == "finetuned":
            self.encoder.model.save_pretrained(folder / "encoder")
            self.encoder.tokenizer.save_pretrained(folder / "encoder")
        (folder / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return folder

    @classmethod
    def load(
        cls,
        folder: str | Path,
        *,
        encoder_setting: str | None = None,
        backend: str = "onnx-int8",
        cache_dir: Path | None = None,
    ) -> Tagger:
        folder = Path(folder)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            heads = dict(np.load(folder / "heads.npz"))
            info = ModelInfo(**meta["info"])
            for name in ("thresholds", "attr_weights", "attr_bias", "sent_weights", "sent_bias"):
                heads[name]  # noqa: B018  (every part must be there)
        except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            raise ModelError(
                f"the model in {folder} is damaged and was not used "
                f"({type(exc).__name__}: {str(exc)[:200]}); retrain with `gapwatch train`"
            ) from None
        feeler = None
        if info.kind == "finetuned":
            source = ModelSource(str(folder / "encoder"), info.encoder_id, True)
            if encoder_setting in (None, "", "embedded"):
                feeler = default_encoder(encoder_setting, backend=backend, cache_dir=cache_dir)
            backend = info.notes.get("inference", backend)  # a model may need float32
            encoder = Encoder(source, backend=backend, cache_dir=cache_dir)
        else:
            encoder = default_encoder(encoder_setting, backend=backend, cache_dir=cache_dir)
            if encoder.model_id != info.encoder_id:
                raise ModelError(
                    f"the model in {folder} was trained on encoder {info.encoder_id}, but the "
                    f"encoder now is {encoder.model_id}: retrain with `gapwatch train`"
                )
        attributes = AttributeHead(
            meta["kind"],
            meta["keys"],
            heads["thresholds"],
            heads["attr_weights"],
            heads["attr_bias"],
        )
        tagger = cls(encoder, attributes, SentimentHead(heads["sent_weights"], heads["sent_bias"]), info)
        return tagger.feel_with(feeler)
