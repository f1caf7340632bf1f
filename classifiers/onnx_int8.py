"""Fast CPU inference: the encoder exported to ONNX, weights quantised to int8, run by ONNX Runtime.

Only the weight matrix multiplications are quantised (per output channel); attention and
layer norms stay in float. On held-out laptop reviews this kept micro-F1 and polarity accuracy
within noise of float32 while tagging ~1.7x faster on a 2-core AVX2 machine (bench/classify.py).
The exported file is cached by a fingerprint of the weights (for the verified published encoder,
by its file's hash), so a fine-tuned encoder gets its own.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
EXPORT_VERSION = 4  # bump when the exported graph changes: cached files of older versions are not used


def fingerprint(model: Any) -> str:
    """A hash of every weight: identical weights, identical file."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _hidden_states(model: Any) -> Any:
    """The model as a module with plain tensor inputs and one output, for the exporter."""
    import torch

    class HiddenStates(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    return HiddenStates()


@contextmanager
def _eager_attention(model: Any) -> Iterator[None]:
    """Export attention as plain matrix products (the classic BERT graph ONNX Runtime optimises
    well) rather than a fused SDPA call; the weights and the results are the same."""
    before = model.config._attn_implementation
    model.set_attn_implementation("eager")
    try:
        yield
    finally:
        model.set_attn_implementation(before)


# torch's ONNX export sets process-wide state that training in another thread trips over (the
# scheduler tags and retrains in parallel threads): exports and training take turns.
TORCH_LOCK = threading.RLock()


def export(
    model: Any, tokenizer: Any, target: Path, module: Any = None, outputs: tuple[str, ...] = ("hidden",)
) -> Path:
    """Write the int8 ONNX file for ``model`` to ``target`` (atomically): its last hidden state,
    or ``module``'s ``outputs`` (the encoder with the sentiment branch answers two)."""
    with TORCH_LOCK, _exporting(target):
        if target.is_file():  # another thread or process exported it while this one waited
            return target
        return _export(model, tokenizer, target, module, outputs)


@contextmanager
def _exporting(target: Path) -> Iterator[None]:
    """Held while ``target`` is exported: processes that share a folder of compiled encoders
    (a server and a `gapwatch` command; test processes) compile a file once, not once each."""
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def _export(model: Any, tokenizer: Any, target: Path, module: Any, outputs: tuple[str, ...]) -> Path:
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    sample = tokenizer(["a short example", "and a somewhat longer one"], padding=True, return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS}
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        plain = Path(tmp) / "fp32.onnx"
        with warnings.catch_warnings(), torch.no_grad(), _eager_attention(model):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                (module or _hidden_states(model)).eval(), tuple(sample[n] for n in INPUTS), str(plain),
                input_names=list(INPUTS), output_names=list(outputs),
                dynamic_axes={**axes, **{name: {0: "batch", 1: "tokens"} for name in outputs}},
                opset_version=17, dynamo=False,
            )  # fmt: skip
        graph = onnx.load(str(plain))
        weights = {init.name for init in graph.graph.initializer}
        matmuls = [n.name for n in graph.graph.node if n.op_type == "MatMul" and set(n.input) & weights]
        quantised = Path(tmp) / "int8.onnx"
        logging.disable(logging.WARNING)  # the quantiser advises pre-processing, on the root logger
        try:
            quantize_dynamic(
                str(plain), str(quantised), per_channel=True, weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul"], nodes_to_quantize=matmuls,
            )  # fmt: skip
        finally:
            logging.disable(logging.NOTSET)
        os.replace(quantised, target)
    return target


class Runner:
    """Runs the int8 file; answers the last hidden states as numpy."""

    def __init__(self, path: Path, threads: int = 1) -> None:
        """``threads`` per pass: the encoder runs one pass per core at once (see Encoder)."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, batch: dict[str, Any]) -> list[np.ndarray]:
        """Every output of the graph: the last hidden states (and the sentiment branch's)."""
        feed = {name: np.asarray(batch[name], dtype=np.int64) for name in INPUTS}
        if "token_type_ids" not in batch:
            feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
        return self.session.run(None, feed)


def runner_for(encoder: Any, cache_dir: Path, delta: Any = None, weights_name: str | None = None) -> Runner:
    """The int8 runner of ``encoder``'s model alone, or of the sentiment delta's branch alone when
    ``delta`` is given (embeddings and shared lower layers, then its tuned layers), exported
    once per set of weights. ``weights_name`` names the weights when they are known without
    loading them (the verified published encoder); otherwise they are hashed. The torch model is
    loaded only to hash or export it."""
    name = weights_name or fingerprint(encoder.torch_model())
    if delta is None:
        path = cache_dir / f"encoder-{name}-int8-v{EXPORT_VERSION}.onnx"
        if not path.is_file():
            export(encoder.torch_model(), encoder.tokenizer, path)
        return Runner(path)
    from .sentiment import sentiment_branch

    path = cache_dir / f"sentiment-{name}-{delta.digest}-int8-v{EXPORT_VERSION}.onnx"
    if not path.is_file():
        branch = sentiment_branch(encoder.torch_model(), encoder.sentiment_top, delta.first_tuned)
        export(encoder.torch_model(), encoder.tokenizer, path, branch, ("feeling",))
    return Runner(path)
