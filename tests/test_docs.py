"""Every setting, command, endpoint and page is documented in docs/, and the references there are
the ones the code writes today (docs/reference.py, by cog)."""

import inspect
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from server import create_app
from server.cli import main
from server.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
DOCS = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "docs").glob("*.md")}
README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "gapwatch") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


def test_the_references_are_what_the_code_writes_today():
    # fails when a command, setting, endpoint or page changed and `make docs` was not run
    done = subprocess.run([sys.executable, "-m", "cogapp", "-I", str(ROOT / "docs"), "--check",
                           *sorted(str(p) for p in (ROOT / "docs").glob("*.md"))],
                          cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_links_every_document():
    for name in DOCS:
        assert f"(docs/{name})" in README, name


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_documented(setting):
    assert f"`{setting.env}`" in DOCS["settings.md"]
    assert len(setting.help.split()) >= 4, setting.env


@pytest.mark.parametrize("command", command_paths(main))
def test_every_command_is_documented(command):
    assert f"### `{command}`" in DOCS["cli.md"]  # the reference
    assert f"`{command}" in DOCS["cli.md"].split("## Reference")[0]  # and the overview


def test_every_endpoint_and_page_says_what_it_does(tmp_path):
    app = create_app({"DB": str(tmp_path / "w.db")})
    rules = [r for r in app.url_map.iter_rules() if not r.endpoint.endswith("static")]
    assert rules
    for rule in rules:
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        if rule.rule.startswith("/api"):
            for method in methods:
                assert f"`{method} {rule.rule}`" in DOCS["api.md"], (method, rule.rule)
        elif "GET" in methods:
            assert f"| `{rule.rule}` |" in DOCS["pages.md"], rule.rule
        else:  # a form's target: named in the prose of the page that posts to it
            path = re.sub(r"<(?:\w+:)?\w+>", "<id>", rule.rule)
            assert f"`{path}`" in DOCS["pages.md"] or f"`POST {path}`" in DOCS["pages.md"], rule.rule
            continue
        if rule.rule.startswith("/api") or "GET" in methods:
            assert (inspect.getdoc(app.view_functions[rule.endpoint]) or "").strip(), rule.rule


def test_the_readme_map_names_every_module():
    mapping = README[README.index("## What is here") : README.index("## Documentation")]
    for path in sorted((ROOT / "server").rglob("*.py")):
        if path.name == "__init__.py" or path.parent.name == "migrations" and path.name.startswith("m0"):
            continue  # packages are named as folders; migrations as "m0001_core.py …"
        assert f"`{path.name}`" in mapping, path.relative_to(ROOT)
    for folder in (ROOT / "server").iterdir():
        if (folder / "__init__.py").exists():
            assert f"`{folder.name}/`" in mapping, folder.name
