"""The ``gapwatch`` command: ``main`` (in ``base``, with what every command shares), and one room
per area, each registering its commands on ``main``: ``service`` (init, demo, serve, worker),
``store`` (brands, tokens, backup, restore, import, export), ``models`` (classify, train, eval),
``sources``, ``review``, ``themes``, ``alerts``, ``report`` and ``users``. The rooms import
``base``; nothing imports back."""

from __future__ import annotations

from server.cli import alerts, models, report, review, service, sources, store, themes, users  # noqa: F401  (they register their commands)
from server.cli.base import main

__all__ = ["main"]

if __name__ == "__main__":  # pragma: no cover
    main()
