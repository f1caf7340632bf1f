"""CLI commands for crawling: ``crawl`` (try a source once), ``sources …`` and ``runs …``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from server import settings
from server.cli.base import friendly, main, workspace
from server.collect.crawls import KINDS

_KIND = click.Choice(KINDS)


def _crawl_now(db: Any, source_id: int, allow_private_networks: bool) -> None:
    """Crawl a source in the foreground (its warnings and progress on stderr) and print the
    summary; exit status 1 when the crawl failed."""
    from server.collect.crawls import run_source, summary

    values = settings.load()
    run = run_source(
        db,
        source_id,
        trigger="cli",
        allow_private=allow_private_networks or bool(values["CRAWL_ALLOW_PRIVATE_NETWORKS"]),
        time_limit=values["CRAWL_RUN_LIMIT"],
        stderr=None,
        progress=sys.stderr.isatty(),
    )
    click.echo(json.dumps(summary(run), indent=2))
    if run["status"] == "failed":
        sys.exit(1)


def _source(
    kind: str,
    url: str,
    brand: str,
    comment_kind: str,
    max_pages: int | None,
    params: tuple[str, ...],
    **more: Any,
) -> dict:
    """A source as `add_source` takes it, from the options `crawl` and `sources add` share."""
    return {
        "kind": kind,
        "url": url,
        "brand": brand,
        "comment_kind": comment_kind,
        "max_pages": max_pages,
        "params": _params(params),
        **more,
    }


@main.command()
@click.option("--kind", required=True, type=_KIND, help="Which spider reads the URL.")
@click.option("--url", required=True, help="Page, thread, feed or API URL to crawl.")
@click.option("--brand", required=True, help="Brand the comments are about.")
@click.option(
    "--comment-kind", type=click.Choice(["customer", "emitted"]), default="customer", show_default=True
)
@click.option("--max-pages", type=click.IntRange(1, 1000), help="Pages of a paginated source (default 20).")
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE", help="Kind-specific, e.g. api_key=….")
@click.option(
    "--allow-private-networks", is_flag=True, help="Let the crawl reach private/loopback addresses."
)
@friendly
def crawl(
    kind: str,
    url: str,
    brand: str,
    comment_kind: str,
    max_pages: int | None,
    params: tuple[str, ...],
    allow_private_networks: bool,
) -> None:
    """Crawl one source once, in the foreground, and print a JSON summary.

    The way to try a source before scheduling it: comments go into the workspace like any
    crawl's (a second run stores only what is new). Exit status 1 when the crawl failed.
    """
    from server.collect.crawls import add_source

    with workspace() as db:
        source = add_source(db, _source(kind, url, brand, comment_kind, max_pages, params), one_off=True)
        click.echo(f"Crawling {url} ({kind}) …", err=True)
        _crawl_now(db, source["id"], allow_private_networks)


def _params(pairs: tuple[str, ...]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--param")
        out[key] = value
    return out


@main.group()
def sources() -> None:
    """Scheduled sources: what to crawl, for which brand, how often."""


@sources.command("add")
@click.option("--kind", required=True, type=_KIND)
@click.option("--url", required=True)
@click.option("--brand", required=True)
@click.option(
    "--comment-kind", type=click.Choice(["customer", "emitted"]), default="customer", show_default=True
)
@click.option(
    "--schedule",
    help="In words ('daily at 07:00', 'every 6 hours', 'weekly on Monday'; UTC), 'every 6h' "
    "or five crontab fields. None: only on demand.",
)
@click.option("--name", help="A label for lists (default: kind and URL).")
@click.option("--max-pages", type=click.IntRange(1, 1000))
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE")
@friendly
def sources_add(
    kind: str,
    url: str,
    brand: str,
    comment_kind: str,
    schedule: str | None,
    name: str | None,
    max_pages: int | None,
    params: tuple[str, ...],
) -> None:
    """Add a source; a running `gapwatch serve` picks its schedule up within seconds."""
    from server.collect.crawls import add_source

    with workspace() as db:
        source = add_source(
            db, _source(kind, url, brand, comment_kind, max_pages, params, schedule=schedule, name=name)
        )
    click.echo(
        f"Added source {source['id']}: {source['name']} (schedule: {source['schedule'] or 'on demand'})"
    )


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--all", "include_one_off", is_flag=True, help="Include one-off `gapwatch crawl` sources.")
@friendly
def sources_list(as_json: bool, include_one_off: bool) -> None:
    """List sources with their schedule and last run."""
    from server.collect.crawls import list_sources

    with workspace() as db:
        rows = list_sources(db, include_one_off=include_one_off)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No sources yet: add one with `gapwatch sources add`.")
    for s in rows:
        state = "enabled" if s["enabled"] else "disabled"
        click.echo(
            f"{s['id']:>4}  {s['kind']:<13} {s['brand']:<16} {s['schedule'] or 'on demand':<16} {state:<9} "
            f"last run {s['last_run_at'] or 'never':<21} {s['url']}"
        )


@sources.command("run")
@click.argument("source_id", type=int)
@click.option("--allow-private-networks", is_flag=True)
@friendly
def sources_run(source_id: int, allow_private_networks: bool) -> None:
    """Crawl a source now, in the foreground; print the run's summary."""
    with workspace() as db:
        _crawl_now(db, source_id, allow_private_networks)


@sources.command("disable")
@click.argument("source_id", type=int)
@friendly
def sources_disable(source_id: int) -> None:
    """Stop scheduling a source (its comments and runs stay)."""
    _set_enabled(source_id, False)


@sources.command("enable")
@click.argument("source_id", type=int)
@friendly
def sources_enable(source_id: int) -> None:
    """Schedule a disabled source again."""
    _set_enabled(source_id, True)


def _set_enabled(source_id: int, enabled: bool) -> None:
    from server.collect.crawls import update_source

    with workspace() as db:
        update_source(db, source_id, {"enabled": enabled})
    click.echo(f"Source {source_id} {'enabled' if enabled else 'disabled'}.")


@main.group()
def runs() -> None:
    """Crawl runs: what each crawl fetched, stored and ran into."""


@runs.command("list")
@click.option("--source", "source_id", type=int, help="Only this source's runs.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
@friendly
def runs_list(source_id: int | None, limit: int, as_json: bool) -> None:
    """List recent crawl runs, newest first."""
    from server.collect.crawls import list_runs

    with workspace() as db:
        rows = list_runs(db, source_id=source_id, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(
            f"{r['id']:>5}  source {r['source_id']:<4} {r['status']:<8} {r['started_at']}  "
            f"pages {r['pages']:<4} new {r['new_count']:<5} dup {r['duplicate_count']:<5} "
            f"errors {r['error_count']}"
        )
