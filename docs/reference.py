"""The references in docs/, written from the code itself by cog (https://cog.readthedocs.io):
the commands from the click group, the settings from ``server.settings.SETTINGS``, every
address the server answers from its URL map. ``make docs`` rewrites them; ``make lint`` (and
the test command, through ``tests/test_docs.py``) fails when one is out of date.

    cog -I docs -r docs/*.md          # rewrite
    cog -I docs --check docs/*.md     # check
"""

from __future__ import annotations

import inspect
import tempfile
import textwrap
from pathlib import Path


def _cell(text: str) -> str:
    """One markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def settings_table() -> str:
    from server.settings import SETTINGS

    lines = ["| setting | default | what |", "|---|---|---|"]
    for s in SETTINGS:
        default = "–" if s.default is None or s.default == "" else f"`{s.default}`"
        lines.append(f"| `{s.env}` | {default} | {_cell(s.help)} |")
    return "\n".join(lines) + "\n"


def _commands(group, prefix: str):
    import click

    for name in sorted(group.commands):
        command = group.commands[name]
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        else:
            yield path, command


def _option(param) -> str:
    import click

    names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
    parts = []
    if param.help:
        parts.append(_cell(param.help))
    if isinstance(param.type, click.Choice):
        parts.append("one of " + ", ".join(f"`{c}`" for c in param.type.choices))
    default = param.default
    unset = default in (None, (), [], "") or callable(default) or "UNSET" in str(default)
    if not param.is_flag and not unset:
        parts.append(f"default `{default}`")
    if param.multiple:
        parts.append("may be given more than once")
    return f"- {names}: {'; '.join(parts) or 'see the description'}"


def cli_reference() -> str:
    """Every `gapwatch` command: usage, what it does (its docstring), its options."""
    import click

    from server.cli import main

    out = []
    for path, command in _commands(main, "gapwatch"):
        context = click.Context(command, info_name=path)
        usage = command.get_usage(context).removeprefix("Usage: ")
        out.append(f"### `{path}`\n\n```\n{usage}\n```\n")
        if command.help:
            out.append(textwrap.dedent(command.help.split("\f")[0]).strip() + "\n")
        options = [p for p in command.params if isinstance(p, click.Option) and p.name != "help"]
        if options:
            out.append("\n".join(_option(p) for p in options) + "\n")
        out.append("")
    return "\n".join(out)


def _described(function) -> str:
    return _cell(inspect.getdoc(function) or "–")


def routes(app, *, api: bool) -> list[tuple[str, str, object]]:
    """(address, methods, view) of every address the app answers: under /api, or the pages (their
    GET addresses; the forms they post to are described with them)."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "web.static" or rule.rule.startswith("/api") != api:
            continue
        methods = sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))
        if not api:
            if "GET" not in methods:
                continue
            methods = ["GET"]
        found.append((rule.rule, " ".join(methods), app.view_functions[rule.endpoint]))
    return sorted(found, key=lambda r: (r[0], r[1]))


def route_index(*, api: bool) -> str:
    """The API's endpoints (``api=True``) or the pages: each address with its methods, the
    module that answers it and that function's docstring."""
    from server import create_app

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DB": str(Path(folder) / "reference.db")})
        found = routes(app, api=api)
    head = "| endpoint | what |" if api else "| page | what |"
    lines = [head, "|---|---|"]
    for address, methods, view in found:
        name = f"{methods} {address}" if api else address
        lines.append(f"| `{name}` | {_described(view)} (`{view.__module__}`) |")
    return "\n".join(lines) + "\n"
