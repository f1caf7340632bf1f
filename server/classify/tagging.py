"""Tagging: the active model, and the comments it has not tagged yet.

- ``tag_pending`` tags every comment that has no tag from the current model and taxonomy
  version (so a new taxonomy version or a retrained model re-tags everything, oldest first).
  The classifier job (``server.jobs.classifier.classify_pending``) runs it and then brings the figures up
  to date; tagging itself writes only what it decides (languages, the ratings adaptation, tags).

The model is loaded once per process (``current_tagger`` caches it by model and taxonomy).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlite_utils import Database

from server.classify import ratings
from server.classify.languages import UNDETERMINED, scored_languages
from server.classify.languages import detect as detect_language
from server.classify.taxonomy import current_attributes, current_version
from server.errors import Invalid
from server.store.db import utcnow, write_transaction

if TYPE_CHECKING:
    from classifiers.encoder import EncoderOptions
    from classifiers.model import Tag, Tagger

ACTIVE_MODEL_KEY = "active_model"


def models_dir(db_path: str | Path) -> Path:
    return Path(db_path).resolve().parent / "models"


def encoder_options(config: dict) -> EncoderOptions:
    """The encoder the settings (``MODEL``, ``MODEL_DOWNLOAD``, ``INFERENCE``, ``ONNX_CACHE``)
    ask for."""
    from classifiers.encoder import EncoderOptions

    shared = config.get("ONNX_CACHE")
    return EncoderOptions(
        setting=None if config["MODEL"] == "embedded" else config["MODEL"],
        allow_download=bool(config["MODEL_DOWNLOAD"]),
        backend=config["INFERENCE"],
        cache_dir=Path(shared) if shared else models_dir(Path(config["DB"])) / "onnx",
    )


def workspace_attributes(db: Database) -> list:
    from classifiers.taxonomy import parse_taxonomy

    attributes = current_attributes(db)
    if not attributes:
        raise Invalid("the workspace has no taxonomy yet: run `gapwatch init`")
    return parse_taxonomy(attributes)


def active_model_path(db: Database) -> Path | None:
    row = list(db.query("SELECT value FROM meta WHERE key = ?", [ACTIVE_MODEL_KEY]))
    return Path(row[0]["value"]) if row else None


def _options(options: EncoderOptions | None) -> EncoderOptions:
    from classifiers.encoder import EncoderOptions

    return options or EncoderOptions()


@lru_cache(maxsize=4)
def _taxonomy_tagger(taxonomy_json: str, options: EncoderOptions | None) -> Tagger:
    from classifiers.taxonomy import parse_taxonomy
    from classifiers.training import taxonomy_tagger

    return taxonomy_tagger(_options(options).encoder(), parse_taxonomy(json.loads(taxonomy_json)))


@lru_cache(maxsize=2)
def _saved_tagger(folder: str, options: EncoderOptions | None) -> Tagger:
    from classifiers.model import Tagger

    o = _options(options)
    return Tagger.load(folder, encoder_setting=o.setting, backend=o.backend, cache_dir=o.cache_dir)


def current_tagger(
    db: Database, options: EncoderOptions | None = None, *, adapted: bool = True
) -> tuple[Tagger, int]:
    """The model that tags now, and the taxonomy version it tags for.

    A trained model serves only the taxonomy version it was trained on; after a taxonomy edit the
    taxonomy itself tags until the model is retrained. Its sentiment is the one adapted to the
    workspace's ratings when there is one for it (``server.classify.ratings``; ``adapted=False``: without).
    """
    version = current_version(db)
    attributes = workspace_attributes(db)
    folder = active_model_path(db)
    tagger = None
    if folder is not None and (folder / "meta.json").is_file():
        tagger = _saved_tagger(str(folder), options)
        if tagger.info.taxonomy_version != version:
            tagger = None
    if tagger is None:
        taxonomy_json = json.dumps([a.__dict__ for a in attributes], default=list)
        tagger = _taxonomy_tagger(taxonomy_json, options)
    return (ratings.apply(db, tagger) if adapted else tagger), version


def database_file(db: Database) -> Path | None:
    """The workspace's file (None for an in-memory database)."""
    name = db.execute("PRAGMA database_list").fetchone()[2]
    return Path(name) if name else None


def theme_encoder(db: Database, options: EncoderOptions | None = None):
    """The encoder of the model that tags now: themes embed with it (no second model)."""
    return current_tagger(db, options)[0].encoder


def _read_languages(scored: frozenset[str]) -> tuple[str, list]:
    """``(?, ?, …)`` and its parameters: the languages a comment may be in and still be scored
    (undetermined, or one the model reads)."""
    params = [UNDETERMINED, *sorted(scored)]
    return f"({', '.join('?' * len(params))})", params


def _scored_clause(scored: frozenset[str] | None) -> tuple[str, list]:
    """SQL (and parameters) for comments the model reads: undetected, undetermined, or in one of
    its languages (``server.classify.languages``)."""
    if scored is None:
        return "1", []
    languages, params = _read_languages(scored)
    return f"(c.detected_language IS NULL OR c.detected_language IN {languages})", params


def pending_count(db: Database, model_id: str, version: int, scored: frozenset[str] | None = None) -> int:
    clause, params = _scored_clause(scored)
    return db.execute(
        "SELECT count(*) FROM comments c LEFT JOIN tags t ON t.comment_id = c.id "
        f"WHERE (t.comment_id IS NULL OR t.model != ? OR t.taxonomy_version != ?) AND {clause}",
        [model_id, version, *params],
    ).fetchone()[0]


def _pending(db: Database, model_id: str, version: int, limit: int,
             scored: frozenset[str] | None = None) -> list[tuple[int, str]]:  # fmt: skip
    clause, params = _scored_clause(scored)
    return db.execute(
        "SELECT c.id, c.text FROM comments c LEFT JOIN tags t ON t.comment_id = c.id "
        f"WHERE (t.comment_id IS NULL OR t.model != ? OR t.taxonomy_version != ?) AND {clause} "
        "ORDER BY c.id LIMIT ?",
        [model_id, version, *params, limit],
    ).fetchall()


def not_scored(
    db: Database,
    scored: frozenset[str] | None,
    *,
    brand_id: int | None = None,
    kind: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> dict:
    """Comments kept out of the figures because the model does not read their language:
    ``{"comments": n, "languages": {name: n}}`` (by brand, kind and date range when given)."""
    from server.classify.languages import name

    if scored is None:
        return {"comments": 0, "languages": {}}
    languages, params = _read_languages(scored)
    where = [f"detected_language NOT IN {languages}"]
    for column, value in (("brand_id", brand_id), ("kind", kind)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if start is not None:
        where.append("coalesce(published_at, collected_at) >= ?")
        params.append(start)
    if end is not None:
        where.append("coalesce(published_at, collected_at) <= ?")
        params.append(end + "T23:59:59Z" if len(end) == 10 else end)
    rows = db.execute(
        f"SELECT detected_language, count(*) FROM comments WHERE {' AND '.join(where)} "
        "GROUP BY detected_language ORDER BY count(*) DESC", params,
    ).fetchall()  # fmt: skip
    return {"comments": sum(n for _l, n in rows), "languages": {name(code): n for code, n in rows}}


DETECT_BATCH = 5000


def detect_languages(db: Database, scored: frozenset[str] | None) -> int:
    """Detect the language of comments stored before detection existed, and take the tags off
    comments the model does not read (so they leave every figure); answer how many were detected."""
    done = 0
    while rows := db.execute(
        "SELECT id, text FROM comments WHERE detected_language IS NULL LIMIT ?", [DETECT_BATCH]
    ).fetchall():
        with write_transaction(db):
            db.conn.executemany("UPDATE comments SET detected_language = ? WHERE id = ?",
                                [(detect_language(text), cid) for cid, text in rows])  # fmt: skip
        done += len(rows)
    if scored is not None:
        languages, params = _read_languages(scored)
        unread = f"SELECT id FROM comments WHERE detected_language NOT IN {languages}"
        if db.execute(f"SELECT 1 FROM tags WHERE comment_id IN ({unread}) LIMIT 1", params).fetchone():
            with write_transaction(db):
                db.execute(f"DELETE FROM tag_attributes WHERE comment_id IN ({unread})", params)
                db.execute(f"DELETE FROM tags WHERE comment_id IN ({unread})", params)
    return done


def _write_tags(db: Database, ids: list[int], tags: list[Tag], model_id: str, version: int) -> None:
    now = utcnow()
    with write_transaction(db):
        marks = ", ".join("?" * len(ids))
        db.execute(f"DELETE FROM tag_attributes WHERE comment_id IN ({marks})", ids)
        db.conn.executemany(
            "INSERT OR REPLACE INTO tags (comment_id, model, taxonomy_version, sentiment, "
            "sentiment_score, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (i, model_id, version, t.sentiment, t.sentiment_score, now)
                for i, t in zip(ids, tags, strict=True)
            ],
        )
        db.conn.executemany(
            "INSERT INTO tag_attributes (comment_id, attribute, score, assigned, sentiment) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (i, key, score, key in t.attributes, t.attribute_sentiment.get(key))
                for i, t in zip(ids, tags, strict=True)
                for key, score in t.scores.items()
            ],
        )


@dataclass
class ClassifyReport:
    tagged: int
    model: str
    taxonomy_version: int
    adaptation: dict | None = None  # made in this run (``server.classify.ratings``)


def tag_pending(
    db: Database,
    *,
    batch_size: int = 1000,  # comments per transaction; larger batches bucket lengths better
    limit: int | None = None,
    options: EncoderOptions | None = None,
    progress: Callable[[int], None] | None = None,
    adapt: bool = True,
    adapted: dict | None = None,
    before: Callable[[Database], object] | None = None,
    stop: Callable[[], bool] | None = None,
) -> ClassifyReport:
    """Tag what is pending with the current model, one transaction per batch. First the sentiment
    adapts to the workspace's ratings when that is due (``adapt``); a caller that adapted already
    (to count what is pending after it) passes what ``adapt_to_ratings`` answered as ``adapted``.
    ``before`` is called once there is something to tag, before the first tag is written; when
    ``stop`` answers true the job ends after the batch it is in (the rest stays pending)."""
    scored = scored_languages(_options(options).setting)
    detect_languages(db, scored)
    adaptation = adapt_to_ratings(db, options, scored) if adapt else adapted
    tagger, version = current_tagger(db, options)
    done = changed = 0
    if before is not None and _pending(db, tagger.model_id, version, 1, scored):
        before(db)
    while (limit is None or done < limit) and not (stop is not None and stop()):
        size = batch_size if limit is None else min(batch_size, limit - done)
        rows = _pending(db, tagger.model_id, version, size, scored)
        if not rows:
            break
        ids, texts = [r[0] for r in rows], [r[1] for r in rows]
        tags = tagger.predict(texts)
        changed += _sentiment_changes(db, ids, tags)
        _write_tags(db, ids, tags, tagger.model_id, version)
        done += len(rows)
        if progress is not None:
            progress(len(rows))
    if adaptation is not None and adaptation["status"] == "active":
        ratings.note_retag(db, done, changed)
    return ClassifyReport(done, tagger.model_id, version, adaptation)


def adapt_to_ratings(
    db: Database, options: EncoderOptions | None, scored: frozenset[str] | None
) -> dict | None:
    """Adapt the sentiment to the workspace's ratings when due (``server.classify.ratings``)."""
    path = database_file(db)
    if path is None:
        return None
    base, _version = current_tagger(db, options, adapted=False)
    clause, params = _scored_clause(scored)
    return ratings.adapt(db, base, models_dir(path), clause, params)


def _sentiment_changes(db: Database, ids: list[int], tags: list[Tag]) -> int:
    """How many of these comments had an earlier tag with another sentiment."""
    marks = ", ".join("?" * len(ids))
    before = dict(db.execute(f"SELECT comment_id, sentiment FROM tags WHERE comment_id IN ({marks})", ids))
    return sum(1 for i, t in zip(ids, tags, strict=True) if i in before and before[i] != t.sentiment)
