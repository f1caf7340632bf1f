"""Every setting, command and endpoint is documented in the README."""

import re
from pathlib import Path

import click
import pytest

from server import create_app
from server.cli import main
from server.settings import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "gapwatch") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_documented(setting):
    assert f"`{setting.env}`" in README


@pytest.mark.parametrize("command", command_paths(main))
def test_every_command_is_documented(command):
    assert f"`{command}" in README


def test_every_route_is_documented(tmp_path):
    app = create_app({"DB": str(tmp_path / "w.db")})
    routes = [
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if not rule.endpoint.endswith("static")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    assert routes
    for method, rule in routes:
        path = re.sub(r"<(?:\w+:)?\w+>", "<id>", rule)  # /api/runs/<int:run_id> is written /api/runs/<id>
        documented = f"`{method} {path}`" in README or (
            path.startswith("/") and not path.startswith("/api") and f"`{path}`" in README
        )
        assert documented, f"{method} {path} is not in the README"
