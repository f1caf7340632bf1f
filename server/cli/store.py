"""The workspace's data: ``brands``, ``tokens``, ``backup`` and ``restore``, ``import`` and ``export``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from server import settings
from server.cli.base import friendly, main, progress, workspace


@main.group()
def brands() -> None:
    """The workspace's own brand and its competitors."""


@brands.command("add")
@click.argument("name")
@click.option("--competitor", is_flag=True, help="A competitor (the first other brand is ours).")
@friendly
def brands_add(name: str, competitor: bool) -> None:
    """Add a brand (the workspace's default taxonomy comes with the first one)."""
    from server.classify.taxonomy import ensure_taxonomy
    from server.store.brands import add_brand
    from server.tell.alerts import ensure_rules

    with workspace() as db:
        brand = add_brand(db, name, competitor=competitor)
        ensure_taxonomy(db)  # else the classifier job has nothing to tag with
        ensure_rules(db)  # its alert rules, with their defaults
    role = "your own brand" if brand["is_ours"] else "a competitor"
    click.echo(f"Added {brand['name']} as {role}.")


@brands.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@friendly
def brands_list(as_json: bool) -> None:
    """List brands with their comment counts."""
    from server.store.brands import list_brands

    with workspace() as db:
        rows = list_brands(db)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No brands yet: add yours with `gapwatch brands add NAME`.")
    for row in rows:
        role = "ours" if row["is_ours"] else "competitor"
        click.echo(f"{row['name']:<30} {role:<11} {row['comments']:>8} comments")


@main.group()
def tokens() -> None:
    """API tokens for the browser extension, spiders and scripts."""


@tokens.command("create")
@click.option("--name", required=True, help="Who or what uses the token, e.g. 'Maria's extension'.")
@click.option("--user", "user", required=True, help="The user it acts for; it has at most their rights.")
@click.option(
    "--scope", type=click.Choice(["full", "clip"]), default="full", show_default=True,
    help="full: the user's rights; clip: only sending clips (for the browser extension).",
)  # fmt: skip
@friendly
def tokens_create(name: str, user: str, scope: str) -> None:
    """Create a token and print it, alone, on stdout. It is shown only this once."""
    from server.people.tokens import create_token

    with workspace() as db:
        record, token = create_token(db, name, user, scope)
    click.echo(
        f"Created token {record['id']} ({record['name']}, {record['user']}, scope {record['scope']}); "
        "store it now, it is not shown again.\n"
        "For the browser extension: open its Options, enter this server's address (e.g. "
        "http://127.0.0.1:5000) and paste the token, then press Test connection.",
        err=True,
    )
    click.echo(token)


@tokens.command("list")
@friendly
def tokens_list() -> None:
    """List tokens (never the tokens themselves)."""
    from server.people.tokens import list_tokens

    with workspace() as db:
        rows = list_tokens(db)
    if not rows:
        click.echo("No tokens yet: create one with `gapwatch tokens create --name NAME --user USER`.")
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        used = row["last_used_at"] or "never used"
        owner = row["user"] or "(no user: refused)"
        line = f"{row['id']:>4}  {row['prefix']}…  {row['name']:<30} {owner:<16} {row['scope']:<5}"
        click.echo(f"{line} {state:<28} {used}")


@tokens.command("revoke")
@click.argument("token")
@friendly
def tokens_revoke(token: str) -> None:
    """Revoke a token by its id or its name."""
    from server.people.tokens import revoke_token

    with workspace() as db:
        record = revoke_token(db, token)
    click.echo(f"Revoked token {record['id']} ({record['name']}).")


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@friendly
def backup_command(file: str) -> None:
    """Write a consistent copy of the workspace to FILE, also while `gapwatch serve` runs."""
    from server.store.backup import backup

    result = backup(settings.load()["DB"], file)
    click.echo(f"Backed up {result['comments']} comments to {result['path']} ({result['bytes']:,} bytes).")


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Restore even though a `gapwatch serve` holds the workspace.")
@friendly
def restore_command(file: str, force: bool) -> None:
    """Replace the workspace's content with the backup FILE (checked first)."""
    from server.store.backup import restore

    result = restore(file, settings.load()["DB"], force=force)
    click.echo(f"Restored {result['comments']} comments into {result['path']}.")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--brand", help="Brand of the lines that do not name one.")
@click.option("--kind", type=click.Choice(["customer", "emitted"]), default="customer", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), help="Default: from the file name.")
@friendly
def import_(file: str, brand: str | None, kind: str, fmt: str | None) -> None:
    """Import comments from a CSV or JSON Lines file.

    Prints how many were new, duplicate and rejected, and the line number and reason of each
    rejected line. Exits with status 1 when any line was rejected (the others are stored).
    """
    from server.collect.files import count_lines, import_file

    with workspace() as db, progress(count_lines(file), "Importing") as bar:
        report = import_file(db, file, brand=brand, kind=kind, fmt=fmt, progress=bar.update)
    counts = report.counts
    click.echo(f"{counts['new']} new, {counts['duplicate']} duplicate, {counts['rejected']} rejected")
    for line, reason in report.rejected:
        click.echo(f"line {line}: {reason}")
    if report.rejected:
        sys.exit(1)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--brand", help="Only this brand.")
@click.option("--kind", type=click.Choice(["customer", "emitted"]), help="Only this kind.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-", help="Default: stdout.")
@friendly
def export(fmt: str, brand: str | None, kind: str | None, output: Any) -> None:
    """Export comments with their tags as JSON Lines or CSV."""
    from server.collect.files import export_comments
    from server.store.comments import CommentQuery

    with workspace() as db:
        count = export_comments(db, output, CommentQuery(brand=brand, kind=kind), fmt)
    click.echo(f"Exported {count} comments.", err=True)
