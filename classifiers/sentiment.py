"""The shipped sentiment model: a fine-tuned delta on the embedded encoder.

all-MiniLM-L6-v2 was trained to tell what a sentence is *about*, not how it *feels*: a head on
its frozen vectors confuses "never lost a file" with losing files. So Gapwatch ships a delta
built by ``classifiers.build_sentiment`` from human-labelled comments: the encoder's top
``tuned_layers`` layers, fine-tuned for sentiment, and a linear head (negative, neutral,
positive) over their mean-pooled, unit-length output. See ``data/sentiment/MODEL_CARD.md``.

The layers below ``first_tuned`` (and the embeddings) are the published ones. The sentiment
branch (``sentiment_branch``, exported to its own int8 graph by ``classifiers.onnx_int8``)
reads each whole comment, while the published encoder reads its clauses one by one (see
``Encoder.embed_both``).

The delta's files are checked against the SHA-256 in its manifest before use, like the encoder.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

SHIPPED = Path(__file__).resolve().parent / "data" / "sentiment"
_FILES = ("layers.safetensors", "head.npz", "meta.json")


def additive_mask(attention_mask: Any, dtype: Any) -> Any:
    """The (batch, 1, 1, tokens) mask BERT layers add to attention scores: 0 to attend, very
    negative to ignore (padding)."""
    import torch

    mask = attention_mask[:, None, None, :].to(dtype)
    return (1.0 - mask) * torch.finfo(dtype).min


def run_layers(layers: Any, hidden: Any, mask: Any) -> Any:
    for layer in layers:
        out = layer(hidden, attention_mask=mask)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_delta(
    folder: Path, layers: dict[str, Any], weights: np.ndarray, bias: np.ndarray, meta: dict
) -> Path:
    """Write the tuned layers (float16), the head and the metadata, with a manifest of hashes."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().to("cpu").half().contiguous() for k, v in layers.items()},
              str(folder / "layers.safetensors"))  # fmt: skip
    np.savez(folder / "head.npz", weights=weights, bias=bias)
    (folder / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    manifest = {name: _sha256(folder / name) for name in _FILES}
    (folder / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


@dataclass
class Delta:
    """The shipped delta as loaded: tuned layer weights, head and metadata."""

    layers: dict[str, Any]
    weights: np.ndarray  # (d, 3): unit vectors @ weights + bias = logits (negative, neutral, positive)
    bias: np.ndarray
    meta: dict
    digest: str  # identifies the delta (in model ids and the ONNX cache)

    @property
    def first_tuned(self) -> int:
        return int(self.meta["first_tuned"])


def load_delta(folder: Path = SHIPPED) -> Delta | None:
    """The delta in ``folder``, checked against its manifest; None when none is there."""
    if not (folder / "MANIFEST.json").is_file():
        return None
    from safetensors.torch import load_file

    try:
        manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
        for name in _FILES:
            if _sha256(folder / name) != manifest[name]:
                raise ModelError(
                    f"the sentiment model file {folder / name} does not match its manifest: "
                    "reinstall Gapwatch (or rebuild it with `make sentiment-model`)"
                )
        head = np.load(folder / "head.npz")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        layers = load_file(str(folder / "layers.safetensors"))
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(
            f"the sentiment model in {folder} is damaged ({type(exc).__name__}: {exc})"
        ) from None
    digest = hashlib.sha256("".join(manifest[n] for n in _FILES).encode()).hexdigest()[:12]
    return Delta(layers, head["weights"].astype(np.float32), head["bias"].astype(np.float32), meta, digest)


def tuned_layers(model: Any, delta: Delta) -> Any:
    """Copies of the model's top layers carrying the delta's weights (float32)."""
    import torch

    top = copy.deepcopy(model.encoder.layer[delta.first_tuned :])
    for module in top.modules():  # one config: the attention kind chosen for export applies to both
        if hasattr(module, "config"):
            module.config = model.config
    state = {}
    for name, tensor in delta.layers.items():
        _layer, index, rest = name.split(".", 2)
        state[f"{index}.{rest}"] = tensor.float()
    missing, unexpected = top.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if not m.endswith("position_ids")]:
        raise ModelError(f"the sentiment model does not fit the encoder (missing {missing[:3]}, "
                         f"unexpected {unexpected[:3]})")  # fmt: skip
    top.eval()
    for p in top.parameters():
        p.requires_grad_(False)
    return torch.nn.ModuleList(top)


def sentiment_branch(model: Any, top: Any, first_tuned: int) -> Any:
    """A module answering the sentiment branch's last hidden state alone (the published
    embeddings and shared lower layers, then the tuned top layers)."""
    import torch

    class SentimentBranch(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model
            self.top = top

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            mask = additive_mask(attention_mask, torch.float32)
            hidden = self.model.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
            shared = run_layers(self.model.encoder.layer[:first_tuned], hidden, mask)
            return run_layers(self.top, shared, mask)

    return SentimentBranch().eval()
