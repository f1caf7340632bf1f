"""What every command shares: the ``gapwatch`` group, the workspace, one-line errors, progress bars
and the encoder the settings ask for."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

import click
from sqlite_utils import Database

from classifiers.errors import ClassifierError
from server import settings
from server.errors import GapwatchError


def _db() -> Database:
    from server.store.db import open_db

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


def _encoder_options() -> Any:
    """The encoder the settings ask for (classifiers.encoder.EncoderOptions)."""
    from server.classify.tagging import encoder_options

    return encoder_options(settings.load())


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
