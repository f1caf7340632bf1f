"""The register of migrations: ``migration`` adds a function as the next one, in the order the
package imports them."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("gapwatch")
_NAMES: list[str] = []


def migration(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    """Register ``fn`` as the next numbered migration."""
    _NAMES.append(fn.__name__)
    return MIGRATIONS()(fn)


def _execute_all(db: Database, sql: str) -> None:
    for statement in sql.split(";"):
        if statement.strip():
            db.execute(statement)
