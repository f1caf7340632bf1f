"""Shared fixtures: the app factory over a temporary workspace, a test client, a token."""

from __future__ import annotations

from pathlib import Path

import pytest

from server import create_app
from server.brands import add_brand
from server.db import open_db
from server.taxonomy import ensure_taxonomy
from server.tokens import create_token


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "workspace.db"


@pytest.fixture
def db(db_path: Path):
    """A workspace with a taxonomy, our brand 'Acme' and a competitor 'Rival'."""
    database = open_db(db_path)
    ensure_taxonomy(database)
    add_brand(database, "Acme")
    add_brand(database, "Rival", competitor=True)
    yield database
    database.close()


@pytest.fixture
def app(db, db_path: Path):
    return create_app({"DB": str(db_path), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def token(db) -> str:
    _record, value = create_token(db, "tests")
    return value


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def run(db_path, monkeypatch):
    """Run ``gapwatch ARGS`` in-process against the test workspace."""
    from click.testing import CliRunner

    from server.cli import main

    monkeypatch.setenv("GAPWATCH_DB", str(db_path))
    runner = CliRunner()

    def invoke(*args, **kwargs):
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return invoke


def count(db, table: str = "comments") -> int:
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
