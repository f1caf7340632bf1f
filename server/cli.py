"""The ``gapwatch`` command: parses arguments and calls the same functions the service uses."""

from __future__ import annotations

import ipaddress
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click
from sqlite_utils import Database

from classifiers.errors import ClassifierError

from . import settings
from .errors import GapwatchError


def _db() -> Database:
    from .db import open_db

    return open_db(settings.load()["DB"])


@contextmanager
def workspace() -> Iterator[Database]:
    """The workspace named by GAPWATCH_DB, up to date, closed afterwards."""
    db = _db()
    try:
        yield db
    finally:
        db.close()


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn domain errors into a one-line ``Error: ...`` and exit status 1."""

    @wraps(command)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (GapwatchError, ClassifierError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None

    return wrapped


class _Quiet:
    """A progress bar that shows nothing, for when stderr is not a terminal."""

    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, _n: int) -> None:
        return None


def progress(length: int, label: str) -> Any:
    """A progress bar on stderr when a person is watching, otherwise nothing."""
    if not sys.stderr.isatty():
        return _Quiet()
    return click.progressbar(length=length, label=label, file=sys.stderr)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gapwatch")
def main() -> None:
    """Gapwatch: declared positioning against what customers say.

    The workspace is the SQLite file named by GAPWATCH_DB (default: instance/gapwatch.db).
    """


@main.command()
@friendly
def init() -> None:
    """Create an empty workspace (or bring an existing one up to date)."""
    from .taxonomy import ensure_taxonomy

    with workspace() as db:
        version = ensure_taxonomy(db)
        click.echo(f"Workspace ready at {settings.load()['DB']} (taxonomy version {version}).")


@main.command()
@friendly
def demo() -> None:
    """Load the demo workspace (Lumio and two competitors) into an empty database."""
    from .demo import demo_admin, is_loaded, load_demo

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


def plain_model(model_id: str) -> str:
    """What made the tags, in words (the model id is for engineers)."""
    kind = model_id.split(":", 1)[0]
    attributes = {
        "taxonomy": "attributes from the taxonomy's own phrases (nothing labelled yet)",
        "logistic": "attributes from a model trained on this workspace's labelled comments",
        "finetuned": "attributes from a model fine-tuned on this workspace's labelled comments",
    }.get(kind, f"attributes from the {kind} model")
    if "+ratings@" in model_id:
        feeling = "sentiment from the shipped model, adapted to this workspace's star ratings"
    elif "+sentiment@" in model_id:
        feeling = "sentiment from the shipped model"
    else:
        feeling = "sentiment from the model's own head"
    return f"{attributes}; {feeling}"


def demo_login_line(password: str | None) -> str:
    from .demo import DEMO_ADMIN

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

    from . import create_app

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
        from .scheduler import Scheduler

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
    from .demo import open_demo_site

    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    with workspace() as db:
        if open_demo_site(db, f"http://{shown}:{port}"):
            click.echo(f"Demo sources read the demo's own pages at http://{shown}:{port}/demo-site/.")


def _where_to_go(address: str) -> None:
    """The last block of ``make run``: where to open, and the demo's login when it is one."""
    from .demo import demo_login, is_loaded

    with workspace() as db:
        demo = is_loaded(db)
        password = demo_login(db) if demo else None
    click.echo("")
    click.echo(f"  Open {address} in a browser.")
    if demo:
        click.echo("  " + demo_login_line(password))
    click.echo("")


@main.group()
def brands() -> None:
    """The workspace's own brand and its competitors."""


@brands.command("add")
@click.argument("name")
@click.option("--competitor", is_flag=True, help="A competitor (the first other brand is ours).")
@friendly
def brands_add(name: str, competitor: bool) -> None:
    """Add a brand (the workspace's default taxonomy comes with the first one)."""
    from .brands import add_brand
    from .taxonomy import ensure_taxonomy

    with workspace() as db:
        brand = add_brand(db, name, competitor=competitor)
        ensure_taxonomy(db)  # else the classifier job has nothing to tag with
    role = "your own brand" if brand["is_ours"] else "a competitor"
    click.echo(f"Added {brand['name']} as {role}.")


@brands.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@friendly
def brands_list(as_json: bool) -> None:
    """List brands with their comment counts."""
    from .brands import list_brands

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
    from .tokens import create_token

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
    from .tokens import list_tokens

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
    from .tokens import revoke_token

    with workspace() as db:
        record = revoke_token(db, token)
    click.echo(f"Revoked token {record['id']} ({record['name']}).")


@main.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@friendly
def backup_command(file: str) -> None:
    """Write a consistent copy of the workspace to FILE, also while `gapwatch serve` runs."""
    from .backup import backup

    result = backup(settings.load()["DB"], file)
    click.echo(f"Backed up {result['comments']} comments to {result['path']} ({result['bytes']:,} bytes).")


@main.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Restore even though a `gapwatch serve` holds the workspace.")
@friendly
def restore_command(file: str, force: bool) -> None:
    """Replace the workspace's content with the backup FILE (checked first)."""
    from .backup import restore

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
    from .files import count_lines, import_file

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
    from .comments import CommentQuery
    from .files import export_comments

    with workspace() as db:
        count = export_comments(db, output, CommentQuery(brand=brand, kind=kind), fmt)
    click.echo(f"Exported {count} comments.", err=True)


def _encoder_options() -> Any:
    """The encoder the settings ask for (classifiers.encoder.EncoderOptions)."""
    from .classify import encoder_options

    return encoder_options(settings.load())


@main.command()
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--limit", type=click.IntRange(1), help="Tag at most this many comments.")
@friendly
def classify(batch_size: int, limit: int | None) -> None:
    """Tag every comment the current model has not tagged yet (new, or after a retrain/edit)."""
    from .classify import (
        adapt_to_ratings,
        classify_pending,
        current_tagger,
        detect_languages,
        not_scored,
        pending_count,
    )
    from .languages import scored_languages

    with workspace() as db:
        options = _encoder_options()
        scored = scored_languages(options.setting)
        detect_languages(db, scored)
        adapted = adapt_to_ratings(db, options, scored)  # first: it may make everything pending
        tagger, version = current_tagger(db, options)
        todo = pending_count(db, tagger.model_id, version, scored)
        if limit is not None:
            todo = min(todo, limit)
        with progress(todo, "Classifying") as bar:
            report = classify_pending(
                db, batch_size=batch_size, limit=limit, options=options, progress=bar.update, adapt=False,
                adapted=adapted,
            )  # fmt: skip
        unread = not_scored(db, scored)
    if adapted is not None:
        before, after = adapted["agreement_before"], adapted["agreement_after"]
        verdict = "now used" if adapted["status"] == "active" else "not used: " + adapted.get("reason", "")
        learned, rated = adapted["learned_from"], adapted["ratings"]
        click.echo(f"Sentiment learned from {learned} of this workspace's {rated} star ratings: on other "
                   f"authors' ratings it agrees {before:.0%} → {after:.0%}; {verdict}.")  # fmt: skip
    said = plain_model(report.model)
    click.echo(f"Tagged {report.tagged} comments (customers' and the brands' own): {said} "
               f"(taxonomy version {report.taxonomy_version}; model {report.model[:40]}…).")  # fmt: skip
    if unread["comments"]:
        languages = ", ".join(f"{n} {name}" for name, n in unread["languages"].items())
        click.echo(
            f"Not scored: {unread['comments']} comments in languages the model does not read ({languages})."
        )


@main.command()
@click.option("--from", "labelled", type=click.Path(exists=True, dir_okay=False),
              help="A labelled JSONL file to learn from as well (see README).")  # fmt: skip
@click.option("--mode", type=click.Choice(["auto", "logistic", "setfit", "endtoend"]), default="auto",
              show_default=True, help="How to learn (auto: by how much is labelled).")  # fmt: skip
@click.option("--epochs", default=4, show_default=True, type=click.IntRange(1, 50))
@friendly
def train(labelled: str | None, mode: str, epochs: int) -> None:
    """Train the classifier on corrections, the taxonomy's examples and a labelled file."""
    from .classify import train as train_model

    with workspace() as db:
        bar_state = {"shown": 0}
        with progress(1000, "Training") as bar:

            def step(_stage: str, fraction: float) -> None:
                target = int(fraction * 1000)
                bar.update(target - bar_state["shown"])
                bar_state["shown"] = target

            report = train_model(
                db, settings.load()["DB"], labelled_file=labelled, mode=mode, epochs=epochs,
                options=_encoder_options(), progress=step,
            )  # fmt: skip
    click.echo(
        f"Trained a {report.kind} model on {report.examples} labelled examples; it is now active "
        f"({report.folder}). Run `gapwatch classify` to re-tag."
    )


@main.command("eval")
@click.option("--workspace", "on_workspace", is_flag=True,
              help="Audit the current model on the workspace's labelled random sample instead.")  # fmt: skip
@click.option("--taxonomy", "taxonomy_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--train", "train_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--mode", type=click.Choice(["auto", "logistic", "setfit", "endtoend"]), default="auto",
              show_default=True, help="How to learn from --train (auto: by its size).")  # fmt: skip
@click.option("--epochs", default=4, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.argument("test_file", required=False, type=click.Path(exists=True, dir_okay=False))
@friendly
def eval_(on_workspace: bool, taxonomy_file: str | None, train_file: str | None, mode: str, epochs: int,
          as_json: bool, test_file: str | None) -> None:  # fmt: skip
    """Measure the classifier: train on TRAIN (or use the taxonomy alone), score TEST; or, with
    --workspace, the current model on the workspace's labelled random sample (the review queue)."""
    from classifiers.audit import run_eval

    if on_workspace:
        from .cli_review import print_audit

        print_audit(as_json)
        return
    if taxonomy_file is None or test_file is None:
        raise click.UsageError("give --taxonomy TAXONOMY.json and TEST.jsonl, or --workspace")

    result = run_eval(
        taxonomy_file, test_file, train_file=train_file, mode=mode, epochs=epochs,
        options=_encoder_options(),
    )  # fmt: skip
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"model: {result['model']} ({result['kind']}, {result['comments']} test comments)")
    click.echo(f"micro-F1 {result['micro_f1'] * 100:.1f}   macro-F1 {result['macro_f1'] * 100:.1f}")
    for key, m in result["per_attribute"].items():
        click.echo(
            f"  {key:<16} P {m['precision'] * 100:5.1f}  R {m['recall'] * 100:5.1f}  "
            f"F1 {m['f1'] * 100:5.1f}  support {m['support']}"
        )
    if result["polarity_accuracy"] is not None:
        click.echo(
            f"polarity accuracy {result['polarity_accuracy'] * 100:.1f} "
            f"({result['polarity_pairs']} attribute mentions)"
        )
    click.echo(f"speed {result['comments_per_second']:.0f} comments/s")


from . import cli_alerts, cli_report, cli_review, cli_sources, cli_themes, cli_users  # noqa: E402,F401  (register their commands on main)

if __name__ == "__main__":  # pragma: no cover
    main()
