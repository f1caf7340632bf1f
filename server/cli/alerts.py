"""CLI commands for early warning: ``gapwatch alerts [--unread] [--json]``, ``gapwatch alerts
check`` and ``gapwatch alerts digest [--send] [--force]`` (``server.tell.alerts``, ``server.tell.notify``)."""

from __future__ import annotations

import json

import click

from server import settings
from server.cli.base import friendly, main, workspace


@main.group(invoke_without_command=True)
@click.option("--unread", is_flag=True, help="Only the alerts nobody marked read.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
@friendly
def alerts(ctx: click.Context, unread: bool, as_json: bool) -> None:
    """List the alerts, newest first (or run a subcommand)."""
    if ctx.invoked_subcommand is not None:
        return
    from server.tell.alerts import list_alerts

    with workspace() as db:
        found = list_alerts(db, unread=unread, limit=200)
    if as_json:
        click.echo(json.dumps(found, indent=2, default=float))
        return
    if not found["alerts"]:
        click.echo("No unread alerts." if unread else "No alerts yet.")
        return
    for alert in found["alerts"]:
        mark = " " if alert["read"] else "*"
        click.echo(f"{mark} #{alert['id']} {alert['created_at'][:16].replace('T', ' ')} {alert['brand']}: "
                   f"{alert['title']}\n    {alert['message']}")  # fmt: skip
    click.echo(f"{found['total']} alerts, {found['unread']} unread (* = unread).")


@alerts.command("check")
@friendly
def alerts_check() -> None:
    """Evaluate the alert rules now and deliver what is due (as the scheduler does after each batch)."""
    from server.tell.alerts import evaluate
    from server.tell.notify import deliver

    with workspace() as db:
        raised = evaluate(db)
        delivered = deliver(db, settings.load())
    for alert in raised:
        click.echo(f"#{alert['id']} {alert['brand']}: {alert['title']}\n    {alert['message']}")
    sent = ", ".join(f"{n} by {channel}" for channel, n in delivered.items())
    said = f"delivered {sent}" if sent else "none sent beyond the app (no delivery channel set)"
    click.echo(
        f"{len(raised)} new alert{'s' if len(raised) != 1 else ''}; {said}. See them on the Alerts page."
    )


@alerts.command("digest")
@click.option("--send", is_flag=True, help="Send it by the configured email and webhook (once per week).")
@click.option("--force", is_flag=True, help="With --send: send it even if this week's was sent.")
@friendly
def alerts_digest(send: bool, force: bool) -> None:
    """Print the weekly digest (the week's alerts and the gap now), or send it."""
    from server.tell.notify import channels, digest, send_digest

    config = settings.load()
    with workspace() as db:
        if not send:
            click.echo(digest(db, config)["text"])
            return
        if not channels(config):
            raise click.ClickException("no delivery channel is set: set GAPWATCH_ALERT_WEBHOOK or "
                                       "GAPWATCH_SMTP_HOST and GAPWATCH_ALERT_EMAIL_TO")  # fmt: skip
        result = send_digest(db, config, force=force)
    if result.get("note"):
        click.echo(result["note"] + " (--force sends it again)")
    for channel, error in result.get("errors", {}).items():
        click.echo(f"{channel}: {error}", err=True)
    if result.get("sent"):
        click.echo(f"Sent the digest of {result['week']} by {' and '.join(result['sent'])}.")
    elif result.get("errors"):
        raise SystemExit(1)
