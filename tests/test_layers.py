"""The import contracts of pyproject.toml ([tool.importlinter]) hold, and they are not a check
that cannot fail: the same contracts on a copy of the code with one deliberate back-import
(the store importing Flask) are broken, and the report names it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_a_back_import_breaks_them(tmp_path):
    for package in ("server", "spiders", "classifiers"):
        left_out = shutil.ignore_patterns("data", "static", "templates", "__pycache__")
        shutil.copytree(ROOT / package, tmp_path / package, ignore=left_out)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    store = tmp_path / "server" / "db.py"
    store.write_text(store.read_text() + "\n\nfrom .request_db import get_db  # noqa: E402  (the mistake)\n")
    done = lint_imports(tmp_path)
    assert done.returncode != 0, done.stdout
    assert "1 broken" in done.stdout and "server.db -> server.request_db" in done.stdout, done.stdout
