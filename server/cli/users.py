"""CLI commands for people: ``users add|list|password|disable|enable``."""

from __future__ import annotations

import sys

import click

from server.cli.base import friendly, main, workspace
from server.people.accounts import ROLES


def _read_password(from_stdin: bool) -> str:
    """The new password: one line on standard input, or typed twice at a prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise click.ClickException(
            "give the password with --password-stdin (standard input is not a terminal)"
        )
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@main.group()
def users() -> None:
    """People who log in: admin (users and tokens), editor (changes and clips), viewer (reads)."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@friendly
def users_add(username: str, role: str, password_stdin: bool) -> None:
    """Add a user (the first one should be an admin)."""
    from server.people.accounts import add_user

    password = _read_password(password_stdin)
    with workspace() as db:
        user = add_user(db, username, password, role)
    click.echo(f"Added {user['username']} ({user['role']}).")


@users.command("list")
@friendly
def users_list() -> None:
    """List users with their role and last login."""
    from server.people.accounts import list_users

    with workspace() as db:
        rows = list_users(db)
    if not rows:
        click.echo("No users yet: add the first admin with `gapwatch users add NAME --role admin`.")
    for row in rows:
        state = f"disabled {row['disabled_at']}" if row["disabled_at"] else "active"
        click.echo(f"{row['id']:>4}  {row['username']:<30} {row['role']:<7} {state:<28} "
                   f"last login {row['last_login_at'] or 'never'}")  # fmt: skip


@users.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@friendly
def users_password(username: str, password_stdin: bool) -> None:
    """Set a user's password."""
    from server.people.accounts import set_password

    password = _read_password(password_stdin)
    with workspace() as db:
        user = set_password(db, username, password)
    click.echo(f"New password set for {user['username']}; their logins everywhere have ended.")


def _set_disabled(username: str, disabled: bool) -> None:
    from server.people.accounts import set_disabled

    with workspace() as db:
        user = set_disabled(db, username, disabled)
    click.echo(f"{user['username']} is {'disabled: logins and tokens refused' if disabled else 'enabled'}.")


@users.command("disable")
@click.argument("username")
@friendly
def users_disable(username: str) -> None:
    """Refuse a user's logins and tokens (nothing is deleted)."""
    _set_disabled(username, True)


@users.command("enable")
@click.argument("username")
@friendly
def users_enable(username: str) -> None:
    """Let a disabled user in again."""
    _set_disabled(username, False)


@users.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
@friendly
def users_role(username: str, role: str) -> None:
    """Change a user's role (the last active admin cannot be demoted)."""
    from server.people.accounts import set_role

    with workspace() as db:
        user = set_role(db, username, role)
    click.echo(f"{user['username']} is now {user['role']}.")


@users.command("signout")
@click.argument("username")
@friendly
def users_signout(username: str) -> None:
    """Sign a user out everywhere: every login of theirs ends (tokens are not touched)."""
    from server.people.accounts import end_all_sessions

    with workspace() as db:
        ended = end_all_sessions(db, username)
    click.echo(f"{username}: {ended} login{'s' if ended != 1 else ''} ended.")
