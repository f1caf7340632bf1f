"""Starting Gapwatch: ``init``, ``demo``, ``serve`` and ``worker``."""

from __future__ import annotations

import ipaddress

import click

from server import settings
from server.cli.base import friendly, main, progress, workspace


@main.command()
@friendly
def init() -> None:
    """Create an empty workspace (or bring an existing one up to date)."""
    from server.classify.taxonomy import ensure_taxonomy

    with workspace() as db:
        version = ensure_taxonomy(db)
        click.echo(f"Workspace ready at {settings.load()['DB']} (taxonomy version {version}).")


@main.command()
@friendly
def demo() -> None:
    """Load the demo workspace (Lumio and two competitors) into an empty database."""
    from server.jobs.demo import demo_admin, is_loaded, load_demo

    with workspace() as db:
        if is_loaded(db):
            click.echo(f"The demo workspace is already loaded in {settings.load()['DB']}.")
        else:
            with progress(1700, "Loading demo comments") as bar:
                counts = load_demo(db, progress=bar.update)
            click.echo(
                f"Demo workspace loaded into {settings.load()['DB']}: "
                f"{counts['new']} comments ({counts['duplicate']} duplicates, "
                f"{counts['rejected']} rejected)."
            )
        password = demo_admin(db)
    click.echo(demo_login_line(password))


def demo_login_line(password: str | None) -> str:
    from server.jobs.demo import DEMO_ADMIN

    if password is None:
        return (f"Log in as {DEMO_ADMIN!r} with the password it was given last "
                f"(`gapwatch users password {DEMO_ADMIN}` sets a new one).")  # fmt: skip
    return (f"Log in as {DEMO_ADMIN!r} with the password {password} (an admin; the same at every run of "
            f"this workspace; `gapwatch users password {DEMO_ADMIN}` sets a new one).")  # fmt: skip


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def waitress_options(values: dict) -> dict:
    """waitress's limits from the settings: its defaults (100 connections, 120 s idle) let about a
    hundred idle sockets lock every user out."""
    return {
        "threads": values["THREADS"],
        "connection_limit": values["CONNECTION_LIMIT"],
        "channel_timeout": values["IDLE_TIMEOUT"],
        "cleanup_interval": max(1, min(30, values["IDLE_TIMEOUT"] // 2)),
        "ident": "gapwatch",
    }


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@friendly
def serve(host: str, port: int) -> None:
    """Serve the web app and API with the production server (waitress)."""
    from waitress import serve as waitress_serve

    from server import create_app

    values = settings.load()
    if not _is_loopback(host) and not values["SECRET_KEY"]:
        raise click.ClickException(
            f"refusing to listen on {host} without a secret key: set GAPWATCH_SECRET_KEY "
            "(e.g. to the output of `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    app = create_app()
    shown = f"[{host}]" if ":" in host else host
    scheduler = None
    if values["SCHEDULER"]:
        from server.jobs.scheduler import Scheduler

        scheduler = Scheduler(values["DB"], values)
        app.extensions["gapwatch_scheduler"] = scheduler
        state = (
            "runs the schedules" if scheduler.start() else "stands by (another process runs the schedules)"
        )
        click.echo(f"Scheduler: this process {state}.")
    _open_demo_site(host, port)
    click.echo(f"Gapwatch is serving {values['DB']} on http://{shown}:{port}/  (Ctrl+C to stop)")
    _where_to_go(f"http://{shown}:{port}/")
    try:
        waitress_serve(app, **waitress_options(values), host=host, port=port)
    finally:
        if scheduler is not None:
            click.echo("Stopping: a running job ends first (tagging after its batch; a crawl is stopped).")
            scheduler.stop()


@main.command()
@click.option(
    "--redis",
    "redis_url",
    envvar="GAPWATCH_REDIS_URL",
    required=True,
    help="The shared Redis the service puts crawls on (redis://host:6379/0).",
)
@click.option(
    "--server",
    envvar="GAPWATCH_WORKER_SERVER",
    required=True,
    help="The Gapwatch service's address, where comments are sent (http://gapwatch.internal:5000).",
)
@click.option(
    "--token",
    envvar="GAPWATCH_WORKER_TOKEN",
    required=True,
    help="An API token of an editor (scope full), from `gapwatch tokens create`.",
)
@click.option("--name", default=None, help="This worker's name in the queue (default: host-pid).")
def worker(redis_url: str, server: str, token: str, name: str | None) -> None:
    """Crawl the runs the service puts on a shared Redis, with other workers on any machine.

    Comments go to the service through its API (never to the database file); Ctrl+C or SIGTERM
    stops the worker, and what it held goes back to the queue for the others."""
    from spiders.shared import work

    code = work(
        redis_url, server, token, name, say=lambda line: click.echo(line, err=line.startswith("Error"))
    )
    if code:
        raise SystemExit(code)  # fmt: skip


def _open_demo_site(host: str, port: int) -> None:
    """In the demo workspace, point its sources at the demo's pages this server serves."""
    from server.jobs.demo import open_demo_site

    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    with workspace() as db:
        if open_demo_site(db, f"http://{shown}:{port}"):
            click.echo(f"Demo sources read the demo's own pages at http://{shown}:{port}/demo-site/.")


def _where_to_go(address: str) -> None:
    """The last block of ``make run``: where to open, and the demo's login when it is one."""
    from server.jobs.demo import demo_login, is_loaded

    with workspace() as db:
        demo = is_loaded(db)
        password = demo_login(db) if demo else None
    click.echo("")
    click.echo(f"  Open {address} in a browser.")
    if demo:
        click.echo("  " + demo_login_line(password))
    click.echo("")
