"""The sentence encoder: all-MiniLM-L6-v2 shipped inside a pip package, verified, loaded offline.

``Encoder.embed`` turns texts into unit-length vectors (mean pooling over the last layer).
Texts are sorted by length and batched, so short comments do not pay for the padding of long
ones; overlong texts keep their first ``max_length`` tokens.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ModelError
from .model_files import ModelSource, resolve, verify

if TYPE_CHECKING:  # heavy imports stay lazy: the CLI and the web pages start without torch
    import torch

BACKENDS = ("onnx-int8", "torch")
MAX_LENGTH = 256  # tokens; all-MiniLM-L6-v2 was trained on up to 256
INFERENCE_BATCH = 16  # texts per forward pass when tagging: on a 2-core AVX2 machine 8-16 beat 64
TOKENS_PER_SEQUENCE = 24  # a batch: INFERENCE_BATCH sequences of this many tokens (more if shorter)
_CHARS_PER_TOKEN_CAP = 8  # cut absurdly long texts before tokenising (a token is rarely > 8 chars)


class Encoder:
    """A transformer encoder with mean pooling; torch and transformers load on first use."""

    def __init__(
        self,
        source: ModelSource,
        *,
        max_length: int = MAX_LENGTH,
        backend: str = "onnx-int8",
        cache_dir: Path | None = None,
        sentiment: bool = True,
        sentiment_from: Path | None = None,
    ) -> None:
        """``sentiment``: with the embedded encoder, also run the shipped sentiment delta's
        branch (``classifiers.sentiment``), when it is installed;
        ``sentiment_from``: another delta's folder (a candidate being measured)."""
        if backend not in BACKENDS:
            raise ModelError(f"inference backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        if source.expected is not None:
            verify(Path(source.location), source.expected)
        from transformers import AutoConfig, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a bar for loading 90 MB from disk is noise

        self.source = source
        self._model: Any = None  # the torch model, loaded on first use (see ``model``)
        self._handed_out = False  # whether ``model`` was taken: its weights may have changed since
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(
                source.location, local_files_only=source.local_only
            )
            config = AutoConfig.from_pretrained(source.location, local_files_only=source.local_only)
            if source.expected is None:  # unverified weights: a broken file is told now, not later
                self.torch_model()
        except OSError as exc:
            hint = (
                " (it is not on this machine; set GAPWATCH_MODEL_DOWNLOAD=1 to fetch it)"
                if source.local_only and not Path(source.location).exists()
                else ""
            )
            raise ModelError(f"cannot load model {source.location!r}{hint}: {exc}") from None
        self.model_id = source.model_id
        self.max_length = max_length
        self.dimension = int(config.hidden_size)
        self.backend = backend
        self.cache_dir = cache_dir or Path(tempfile.gettempdir()) / "gapwatch-onnx"
        self._runners: dict[str, Any] = {}
        self.delta: Any = None  # the shipped sentiment delta, when it runs with this encoder
        self._sentiment_top: Any = None  # its tuned layers (torch), made on first use
        if sentiment and source.expected is not None:
            from .sentiment import load_delta

            delta = load_delta() if sentiment_from is None else load_delta(Path(sentiment_from))
            if delta is not None and delta.meta.get("base_sha256") == source.expected.get(
                "model.safetensors"
            ):
                self.delta = delta

    @property
    def model(self) -> Any:
        """The torch model (loaded on first use: tagging with compiled encoders that are already
        on disk never needs it). Whoever takes it may change its weights, so from then on the
        compiled encoders are named by a hash of its weights, not by the verified file's."""
        if not self._handed_out:
            _ = self.sentiment_top  # made now, from the weights as published
            self._handed_out = True
        return self.torch_model()

    def torch_model(self) -> Any:
        """The torch model, to read (hash, export, run); loaded on first use. To change its
        weights, take ``model``."""
        if self._model is None:
            from transformers import AutoModel

            self._model = AutoModel.from_pretrained(
                self.source.location, local_files_only=self.source.local_only
            )
            self._model.eval()
        return self._model

    @property
    def sentiment_top(self) -> Any:
        """The sentiment delta's tuned layers on this encoder (None without a delta)."""
        if self._sentiment_top is None and self.delta is not None:
            from .sentiment import tuned_layers

            self._sentiment_top = tuned_layers(self.torch_model(), self.delta)
        return self._sentiment_top

    def _weights_name(self) -> str | None:
        """A name for the weights known without loading them: the verified file's hash, while
        nobody has taken the model (None otherwise: they are hashed)."""
        if self._handed_out or self.source.expected is None:
            return None
        return "sha" + self.source.expected["model.safetensors"][:16]

    @property
    def has_sentiment(self) -> bool:
        """Whether this encoder answers sentiment vectors from the shipped delta too."""
        return self.delta is not None

    def clone(self) -> Encoder:
        """An independent copy to fine-tune (the compiled runners are not copied; nor is the
        sentiment delta, whose layers sit on the published lower layers)."""
        runners, self._runners = self._runners, {}
        delta, top = self.delta, self._sentiment_top
        self.delta = self._sentiment_top = None
        try:
            return copy.deepcopy(self)
        finally:
            self._runners, self.delta, self._sentiment_top = runners, delta, top

    def weights_changed(self) -> None:
        """Call after training: the next embedding compiles the new weights."""
        self._runners = {}

    def _onnx_runner(self, branch: str) -> Any:
        """The compiled int8 encoder ("published") or sentiment branch ("sentiment"), exported
        once per set of weights (see onnx_int8)."""
        if branch not in self._runners:
            from .onnx_int8 import runner_for

            delta = self.delta if branch == "sentiment" else None
            self._runners[branch] = runner_for(self, self.cache_dir, delta, self._weights_name())
        return self._runners[branch]

    def _hidden_all(
        self, batches: list[tuple[dict[str, np.ndarray], np.ndarray]], branch: str
    ) -> Iterator[np.ndarray]:
        """Last hidden states of each batch, in order, from the published encoder ("published")
        or the sentiment branch ("sentiment"), by the chosen backend. ONNX Runtime runs one
        single-threaded pass per core at once: with small batches that beats one pass spread
        over the cores (less synchronisation), and it releases the GIL, so pooling overlaps."""
        if self.backend == "torch":
            import torch

            module = self.torch_model()
            if branch == "sentiment":
                from .sentiment import sentiment_branch

                module = sentiment_branch(module, self.sentiment_top, self.delta.first_tuned)
            for batch, _offsets in batches:
                tensors = {n: torch.from_numpy(a) for n, a in batch.items()}
                if branch == "sentiment":
                    tensors.setdefault("token_type_ids", torch.zeros_like(tensors["input_ids"]))
                    yield module(**tensors).float().numpy()
                else:
                    yield module(**tensors).last_hidden_state.float().numpy()
            return
        runner = self._onnx_runner(branch)
        workers = max(1, min(os.cpu_count() or 1, len(batches)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="encoder") as pool:
            for outputs in pool.map(lambda b: runner(b[0]), batches):
                yield outputs[0]

    def tokenize(self, texts: list[str]) -> dict[str, Any]:
        """A padded torch batch (training)."""
        cap = self.max_length * _CHARS_PER_TOKEN_CAP
        return self.tokenizer(
            [t[:cap] for t in texts],
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )

    def pooled(self, batch: dict[str, Any]) -> torch.Tensor:
        """Mean-pooled, L2-normalised sentence vectors (differentiable: used for training)."""
        import torch

        output = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(output.dtype)
        summed = (output * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        return torch.nn.functional.normalize(summed, p=2, dim=1)

    def embed(self, texts: list[str], *, batch_size: int = INFERENCE_BATCH) -> np.ndarray:
        """Unit vectors for ``texts``, in order; batches are formed from texts of equal token count."""
        return self.embed_spans(texts, [[] for _ in texts], batch_size=batch_size)[0]

    def embed_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], *, batch_size: int = INFERENCE_BATCH
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Unit vectors for ``texts`` and for character spans of each (its clauses), from the
        published encoder (see ``embed_both``)."""
        vectors, parts, _s, _sp = self.embed_both(texts, spans, batch_size=batch_size)
        return vectors, parts

    def embed_both(
        self,
        texts: list[str],
        spans: list[list[tuple[int, int]]],
        *,
        batch_size: int = INFERENCE_BATCH,
        published: bool = True,
        clauses_apart: bool = True,
    ) -> tuple[np.ndarray, list[np.ndarray], np.ndarray | None, list[np.ndarray] | None]:
        """Unit vectors for ``texts`` and for character spans of each (its clauses), from the
        published encoder; with the sentiment delta, the same from the sentiment branch (else
        None, None). ``published=False`` skips the published encoder (zero vectors).

        The published encoder reads each clause of a text with several on its own: a clause's
        tokens pooled out of the whole text's pass give vectors unlike the taxonomy's phrases
        (which are encoded alone), and the main topic drowns the others (demo comments,
        taxonomy only: micro-F1 .66 pooled in context, .79 on their own). The text's vector
        then pools the tokens of all its clauses. The sentiment branch reads the whole text, as
        it was trained, and a clause's vector pools its tokens in context (a clause's feeling
        often depends on the rest: "but", "never").

        ``clauses_apart=False`` has the published encoder read each whole text too, its clauses
        pooled in context: heads trained on whole texts (logistic, fine-tuned) must be asked
        about vectors made the same way (a logistic head on laptop reviews it had not seen:
        micro-F1 65.2 asked clause by clause, 66.0 asked about whole sentences).

        Sequences are tokenised first and sorted by token count, so a batch holds sequences of
        the same or nearly the same length and pads almost nothing; small batches keep the
        activations in the CPU cache (bench/classify.py measures both)."""
        empty = np.empty((0, self.dimension), np.float32)
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        parts: list[np.ndarray] = [empty] * len(texts)
        feel = np.empty((len(texts), self.dimension), dtype=np.float32) if self.has_sentiment else None
        feel_parts: list[np.ndarray] | None = [empty] * len(texts) if self.has_sentiment else None
        if not texts:
            return vectors, parts, feel, feel_parts
        if published:
            sequences, owner = [], []  # owner: (text, clause) of each sequence
            for i, (text, text_spans) in enumerate(zip(texts, spans, strict=True)):
                if len(text_spans) > 1 and clauses_apart:
                    sequences += [text[b:e] for b, e in text_spans]
                    owner += [(i, j) for j in range(len(text_spans))]
                    parts[i] = np.empty((len(text_spans), self.dimension), np.float32)
                else:
                    sequences.append(text)
                    owner.append((i, -1))
            for k, hidden, mask, offsets in self._passes(sequences, "published", batch_size):
                i, j = owner[k]
                if j < 0:
                    vectors[i], parts[i] = _pool(hidden, mask, offsets, spans[i])
                else:  # the text's vector sums its clauses' tokens, then is made unit length
                    vectors[i] += hidden[mask].sum(axis=0)
                    parts[i][j] = _unit(hidden[mask].mean(axis=0))
            for i, text_spans in enumerate(spans):
                if len(text_spans) > 1 and clauses_apart:
                    vectors[i] = _unit(vectors[i])
        if self.has_sentiment:
            for i, hidden, mask, offsets in self._passes(texts, "sentiment", batch_size):
                feel[i], feel_parts[i] = _pool(hidden, mask, offsets, spans[i])
        return vectors, parts, feel, feel_parts

    def _passes(
        self, texts: list[str], branch: str, batch_size: int
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """(index, last hidden states, attention mask, token character offsets) of each text,
        in batches of texts of (nearly) equal token count."""
        import torch

        cap = self.max_length * _CHARS_PER_TOKEN_CAP
        encoded = self.tokenizer(
            [t[:cap] for t in texts], truncation=True, max_length=self.max_length, return_offsets_mapping=True
        )
        names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in encoded]
        order = sorted(range(len(texts)), key=lambda i: len(encoded["input_ids"][i]))
        pad = self.tokenizer.pad_token_id or 0
        chunks = _chunks(order, [len(ids) for ids in encoded["input_ids"]], batch_size)
        batches = [_padded(encoded, names, chunk, pad) for chunk in chunks]
        with torch.inference_mode():
            for chunk, (batch, offsets), hidden in zip(chunks, batches, self._hidden_all(batches, branch),
                                                       strict=True):  # fmt: skip
                mask = batch["attention_mask"].astype(bool)
                for row, i in enumerate(chunk):
                    yield i, hidden[row], mask[row], offsets[row]


def _chunks(order: list[int], sizes: list[int], batch_size: int) -> list[list[int]]:
    """Batches of ``order`` (indexes sorted by token count): ``batch_size`` sequences of
    typical length (TOKENS_PER_SEQUENCE) at most, so that short sequences (clauses) fill a
    batch with as many tokens as sentences do, and long ones take fewer per batch."""
    budget = batch_size * TOKENS_PER_SEQUENCE
    chunks: list[list[int]] = [[]]
    for i in order:
        if chunks[-1] and (len(chunks[-1]) + 1) * sizes[i] > budget:
            chunks.append([])
        chunks[-1].append(i)
    return [c for c in chunks if c]


def _padded(
    encoded: Any, names: list[str], chunk: list[int], pad: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """One batch of the texts ``chunk`` (indexes into ``encoded``), padded to its longest."""
    width = max(len(encoded["input_ids"][i]) for i in chunk)
    batch = {n: np.full((len(chunk), width), pad if n == "input_ids" else 0, np.int64) for n in names}
    offsets = np.zeros((len(chunk), width, 2), np.int64)
    for row, i in enumerate(chunk):
        size = len(encoded["input_ids"][i])
        for n in names:
            batch[n][row, :size] = encoded[n][i]
        offsets[row, :size] = encoded["offset_mapping"][i]
    return batch, offsets


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


def _pool(
    hidden: np.ndarray, mask: np.ndarray, offsets: np.ndarray, spans: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    whole = _unit(hidden[mask].mean(axis=0))
    real = mask & (offsets[:, 1] > offsets[:, 0])  # no padding, no [CLS]/[SEP]
    out = np.empty((len(spans), hidden.shape[1]), dtype=np.float32)
    for k, (begin, end) in enumerate(spans):
        inside = real & (offsets[:, 0] >= begin) & (offsets[:, 1] <= end)
        out[k] = _unit(hidden[inside].mean(axis=0)) if inside.any() else whole
    return whole, out


@dataclass(frozen=True)
class EncoderOptions:
    """Everything that decides which encoder a process uses (hashable: encoders are cached)."""

    setting: str | None = None  # GAPWATCH_MODEL: None/"embedded", a folder, or a hub id
    allow_download: bool = False
    backend: str = "onnx-int8"
    cache_dir: Path | None = None

    def encoder(self) -> Encoder:
        return default_encoder(self.setting, self.allow_download, self.backend, self.cache_dir)


@cache
def default_encoder(
    setting: str | None = None,
    allow_download: bool = False,
    backend: str = "onnx-int8",
    cache_dir: Path | None = None,
) -> Encoder:
    """One encoder per process and setting: loading takes seconds, embedding milliseconds."""
    return Encoder(resolve(setting, allow_download=allow_download), backend=backend, cache_dir=cache_dir)
