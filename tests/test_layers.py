"""The import contracts of pyproject.toml ([tool.importlinter]) hold: the data flows one way
(doors > jobs > tell > measure > classify > collect > store), and only the doors import Flask.
They are not a check that cannot fail: on a copy of the code with one deliberate back-import
each is broken, and the report names the import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(where)}
    command = [str(LINT_IMPORTS), "--no-cache"]
    return subprocess.run(command, cwd=where, env=env, capture_output=True, text=True, timeout=300)


def test_the_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(
    "module, mistake, broken, chain",
    [
        # the store reaching up to the classifier: the data flows the wrong way
        (
            "store/db.py",
            "from server.classify.tagging import tag_pending",
            "data flows one way",
            "server.store.db -> server.classify.tagging",
        ),
        # ingestion loading Flask, which only the doors may
        ("collect/ingest.py", "import flask", "Only the doors", "server.collect.ingest -> flask"),
    ],
)
def test_a_back_import_breaks_them(tmp_path, module, mistake, broken, chain):
    for package in ("server", "spiders", "classifiers"):
        left_out = shutil.ignore_patterns("data", "static", "templates", "__pycache__")
        shutil.copytree(ROOT / package, tmp_path / package, ignore=left_out)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    source = tmp_path / "server" / module
    source.write_text(source.read_text() + f"\n\n{mistake}  # noqa: E402,F401  (the mistake)\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout
    assert "1 broken" in done.stdout and chain in done.stdout, done.stdout
    report = " ".join(done.stdout.split())
    assert f"{broken}" in report and "BROKEN" in report, done.stdout


def test_every_module_of_the_service_has_its_layer():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    for path in (ROOT / "server").iterdir():
        if path.suffix == ".py" and path.stem != "__init__" or (path / "__init__.py").exists():
            assert f"server.{path.stem}" in placed, f"server.{path.stem} has no layer in pyproject.toml"


def test_every_module_below_the_doors_is_kept_from_flask():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}
    layers = contracts["data-flow-layers"]["layers"]
    doors = {name.strip() for layer in layers[:3] for name in layer.replace("|", ":").split(":")}
    below = {name.strip() for layer in layers[3:] for name in layer.replace("|", ":").split(":")}
    assert doors == {
        "server.cli",
        "server.api",
        "server.web",
        "server.request_db",
        "server.access",
        "server.answers",
    }
    assert below <= set(contracts["no-flask-below-the-doors"]["source_modules"])
