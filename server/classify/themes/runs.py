"""A run: the brand's unclaimed comments embedded (cached), clustered, labelled and stored, each
theme keeping its identity from the previous run."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlite_utils import Database

from server.classify.themes.cluster import _centres, class_terms, cluster, match_identities, representatives
from server.store.brands import get_brand
from server.store.db import utcnow, write_transaction

EMBED_BATCH = 512  # comments embedded and cached per transaction

# --- the store ------------------------------------------------------------------------------------


def unclaimed_comments(db: Database, brand_id: int) -> list[tuple[int, str, str]]:
    """(id, text, content hash) of the brand's tagged customer comments that no attribute claims:
    a correction's attributes when there is one, else the model's tags."""
    return db.execute(
        "SELECT c.id, c.text, c.content_hash FROM comments c JOIN tags t ON t.comment_id = c.id "
        "LEFT JOIN corrections cr ON cr.comment_id = c.id AND cr.attributes IS NOT NULL "
        "WHERE c.brand_id = ? AND c.kind = 'customer' AND CASE WHEN cr.comment_id IS NOT NULL "
        "THEN cr.attributes = '[]' ELSE NOT EXISTS (SELECT 1 FROM tag_attributes a "
        "WHERE a.comment_id = c.id AND a.assigned) END ORDER BY c.id",
        [brand_id],
    ).fetchall()


def _fingerprint(rows: Sequence[tuple[int, str, str]], model: str) -> str:
    digest = hashlib.blake2b(model.encode(), digest_size=12)
    for comment_id, _text, content_hash in rows:
        digest.update(f"{comment_id}:{content_hash};".encode())
    return digest.hexdigest()


def embed_comments(db: Database, rows: Sequence[tuple[int, str, str]], encoder,
                   progress: Callable[[int], None] | None = None) -> np.ndarray:  # fmt: skip
    """Unit vectors of the comments ``rows``, from the cache where the model and text match."""
    dimension = encoder.dimension
    vectors = np.zeros((len(rows), dimension), dtype=np.float32)
    cached: dict[int, tuple[str, bytes]] = {}
    ids = [r[0] for r in rows]
    for start in range(0, len(ids), 900):
        chunk = ids[start : start + 900]
        cached.update(
            (i, (h, v)) for i, h, v in db.execute(
                f"SELECT comment_id, content_hash, vector FROM embeddings WHERE model = ? "
                f"AND comment_id IN ({', '.join('?' * len(chunk))})", [encoder.model_id, *chunk])
        )  # fmt: skip
    missing = []
    for index, (comment_id, _text, content_hash) in enumerate(rows):
        hit = cached.get(comment_id)
        if hit is not None and hit[0] == content_hash:
            vectors[index] = np.frombuffer(hit[1], dtype=np.float16).astype(np.float32)
        else:
            missing.append(index)
    if progress is not None and len(rows) > len(missing):
        progress(len(rows) - len(missing))
    for start in range(0, len(missing), EMBED_BATCH):
        chunk = missing[start : start + EMBED_BATCH]
        fresh = encoder.embed([rows[i][1] for i in chunk]).astype(np.float16)
        vectors[chunk] = fresh  # as cached, so a run from the cache finds exactly the same
        with write_transaction(db):
            db.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (comment_id, model, content_hash, vector) "
                "VALUES (?, ?, ?, ?)",
                [(rows[i][0], encoder.model_id, rows[i][2], v.tobytes())
                 for i, v in zip(chunk, fresh, strict=True)],
            )  # fmt: skip
        if progress is not None:
            progress(len(chunk))
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)  # float16 rounding: back to unit length
    return vectors / np.maximum(norms, 1e-9)


@dataclass
class ThemeRun:
    run_id: int
    brand: str
    comments: int
    themed: int
    themes: int
    seconds: float
    skipped: bool = False
    hdbscan_outliers: float | None = None  # the share HDBSCAN alone left out, before placing

    @property
    def outlier_share(self) -> float:
        return 1 - self.themed / self.comments if self.comments else 0.0


def _previous(db: Database, brand_id: int) -> tuple[dict[int, set[int]], dict[int, np.ndarray]]:
    members: dict[int, set[int]] = {}
    centres: dict[int, np.ndarray] = {}
    for theme_id, centroid in db.execute(
        "SELECT id, centroid FROM themes WHERE brand_id = ? AND status != 'gone'", [brand_id]
    ):
        members[theme_id] = set()
        centres[theme_id] = np.frombuffer(centroid, dtype=np.float32)
    for theme_id, comment_id in db.execute(
        "SELECT m.theme_id, m.comment_id FROM theme_members m JOIN themes t ON t.id = m.theme_id "
        "WHERE t.brand_id = ? AND t.status != 'gone'", [brand_id]
    ):  # fmt: skip
        members[theme_id].add(comment_id)
    return members, centres


def _mark_interrupted(db: Database, brand_id: int) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE theme_runs SET status = 'failed', error = 'interrupted: the process ended mid-run' "
            "WHERE brand_id = ? AND status = 'running'",
            [brand_id],
        )


def _store(
    db: Database,
    run_id: int,
    brand: dict,
    rows: Sequence[tuple[int, str, str]],
    vectors: np.ndarray,
    found,
    started: float,
) -> tuple[int, int, float]:
    """Store a run's themes in one transaction, each keeping the identity of the previous run's theme
    it matches; answer (comments themed, themes, seconds)."""
    ids = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    labels, similarity = found.labels, found.similarity
    count = int(labels.max()) + 1 if len(labels) else 0
    terms = class_terms(texts, labels, ignore=re.findall(r"\w+", brand["name"]))
    members = [{ids[i] for i in np.flatnonzero(labels == k)} for k in range(count)]
    centres = _centres(vectors, labels, count)
    old_members, old_centres = _previous(db, brand["id"])
    identity = match_identities(members, centres, old_members, old_centres)
    seconds = time.perf_counter() - started
    with write_transaction(db):
        kept = set(identity.values())
        db.execute(
            "DELETE FROM theme_members WHERE theme_id IN (SELECT id FROM themes WHERE brand_id = ?)",
            [brand["id"]],
        )
        for theme_id in set(old_members) - kept:
            db.execute("UPDATE themes SET status = 'gone' WHERE id = ? AND status = 'active'", [theme_id])
        for k in range(count):
            record = {
                "label": " · ".join(terms[k][:3]) or "(no distinctive words)",
                "terms": json.dumps(terms[k]),
                "quotes": json.dumps(
                    [ids[i] for i in representatives(texts, labels, similarity, k, vectors)]
                ),
                "size": len(members[k]),
                "centroid": centres[k].tobytes(),
                "last_run": run_id,
            }
            if k in identity:
                theme_id = identity[k]
                db["themes"].update(theme_id, record)
            else:
                theme_id = (
                    db["themes"]
                    .insert({**record, "brand_id": brand["id"], "status": "active", "first_run": run_id})
                    .last_pk
                )
            db.conn.executemany(
                "INSERT INTO theme_members (theme_id, comment_id, similarity) VALUES (?, ?, ?)",
                [(theme_id, ids[i], float(similarity[i])) for i in np.flatnonzero(labels == k)],
            )
            db.execute("INSERT INTO theme_sizes (run_id, theme_id, size) VALUES (?, ?, ?)",
                       [run_id, theme_id, len(members[k])])  # fmt: skip
        themed = int((labels >= 0).sum())
        db["theme_runs"].update(run_id, {"status": "done", "finished_at": utcnow(), "seconds": seconds,
                                         "themed": themed, "themes": count})  # fmt: skip
    return themed, count, seconds


def run_themes(
    db: Database,
    brand_name: str,
    encoder,
    *,
    trigger: str = "manual",
    only_if_changed: bool = False,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ThemeRun:
    """Find the brand's themes now and store them (one transaction at the end: readers see the
    previous run's themes until this one is complete)."""
    brand = get_brand(db, brand_name)
    started = time.perf_counter()
    rows = unclaimed_comments(db, brand["id"])
    fingerprint = _fingerprint(rows, encoder.model_id)
    last = db.execute(
        "SELECT id, fingerprint, comments, themed, themes FROM theme_runs WHERE brand_id = ? "
        "AND status = 'done' ORDER BY id DESC LIMIT 1", [brand["id"]]
    ).fetchone()  # fmt: skip
    if only_if_changed and last is not None and last[1] == fingerprint:
        return ThemeRun(last[0], brand["name"], last[2], last[3], last[4], 0.0, skipped=True)
    _mark_interrupted(db, brand["id"])
    with write_transaction(db):
        run_id = db["theme_runs"].insert(
            {"brand_id": brand["id"], "status": "running", "trigger": trigger, "started_at": utcnow(),
             "comments": len(rows), "model": encoder.model_id, "fingerprint": fingerprint}
        ).last_pk  # fmt: skip
    try:
        if on_total is not None:
            on_total(len(rows))
        vectors = embed_comments(db, rows, encoder, progress)
        found = cluster(vectors, [r[0] for r in rows])
        themed, count, seconds = _store(db, run_id, brand, rows, vectors, found, started)
    except Exception as exc:
        with write_transaction(db):
            failed = {"status": "failed", "finished_at": utcnow(), "error": str(exc)[:500]}
            db["theme_runs"].update(run_id, failed)
        raise
    return ThemeRun(run_id, brand["name"], len(rows), themed, count, seconds,
                    hdbscan_outliers=found.hdbscan_outliers)  # fmt: skip
