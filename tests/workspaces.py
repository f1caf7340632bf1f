"""A workspace for a `gapwatch serve` of a test, made in the test's process: what `gapwatch brands
add`, `users add` and `tokens create` make, without a `gapwatch` process for each (about half a
CPU-second each). Those commands are tested in test_files_and_cli.py."""

from __future__ import annotations

from pathlib import Path

from server.classify.taxonomy import ensure_taxonomy
from server.people.accounts import add_user
from server.people.tokens import create_token
from server.store.brands import add_brand
from server.store.db import open_db
from server.tell.alerts import ensure_rules


def new_workspace(
    db_path: Path, brands: list[str], *, competitors: tuple[str, ...] = (), user: str, role: str,
    password: str, token_name: str, scope: str = "full",
) -> str:  # fmt: skip
    """Make the workspace at ``db_path`` with our ``brands``, the ``competitors``, one user and a
    token of theirs (``add_person``); answer the token."""
    db = open_db(db_path)
    try:
        ensure_taxonomy(db)  # as `gapwatch brands add` does, with ensure_rules below
        for name in brands:
            add_brand(db, name)
        for name in competitors:
            add_brand(db, name, competitor=True)
        ensure_rules(db)
    finally:
        db.close()
    return add_person(db_path, user=user, role=role, password=password, token_name=token_name, scope=scope)


def add_person(
    db_path: Path, *, user: str, role: str, password: str, token_name: str, scope: str = "full"
) -> str:
    """Add one user and a token of theirs to the workspace at ``db_path``; answer the token."""
    db = open_db(db_path, migrate=False)
    try:
        add_user(db, user, password, role)
        return create_token(db, token_name, user, scope)[1]
    finally:
        db.close()
