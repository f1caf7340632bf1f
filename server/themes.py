"""Themes nobody declared: what customers talk about that no attribute of the taxonomy claims.

A run takes one brand's customer comments that no attribute claims (every score under its
threshold, or a correction saying "no attribute") and:

1. embeds them with the encoder the classifiers use (no second model); vectors are cached in
   ``embeddings`` while the model and the text stay the same;
2. projects the vectors onto their first ``DIMENSIONS`` principal components and clusters them
   with HDBSCAN (scikit-learn). Above ``SAMPLE`` comments HDBSCAN sees a fixed sample, chosen by a
   hash of each comment's id (so new comments leave the sample mostly unchanged); the rest are
   placed like outliers (next step);
3. places every comment in the theme with the nearest centre, if its cosine similarity to that
   centre is at least ``JOIN_SIMILARITY``: this takes in many that HDBSCAN left out (BERTopic
   users report 30-50 % of documents as outliers) and lets go of members HDBSCAN placed far
   from their centre in the projection. What stays out is the outlier share, reported per run;
4. labels each theme by its most distinctive terms (class-based TF-IDF, Grootendorst 2022) and
   keeps ``QUOTES`` representative quotes: the members nearest the centre;
5. gives each theme the identity of the previous run's theme it shares most comments with
   (Jaccard >= ``KEEP_OVERLAP``), or else whose centre is within ``KEEP_SIMILARITY``; so a theme's
   size can be followed from run to run. Previous themes not found again are marked gone.

The same comments always give the same themes (fixed seeds, ordered input).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlite_utils import Database

from .brands import get_brand
from .db import utcnow, write_transaction
from .errors import Conflict, Invalid, NotFound
from .taxonomy import current_attributes, save_taxonomy

log = logging.getLogger(__name__)

SEED = 0
DIMENSIONS = 10  # principal components HDBSCAN clusters in (densities are meaningless in 384-d)
SAMPLE = 20_000  # comments HDBSCAN sees at most (its time grows faster than linearly)
MIN_COMMENTS = 10  # fewer unclaimed comments than this: no themes
MIN_THEME = 5  # the smallest theme, in comments ...
MIN_THEME_SHARE = 0.005  # ... or this share of the unclaimed comments, whichever is larger
MIN_SAMPLES = 3  # HDBSCAN's density estimate: neighbours a core comment needs
MERGE_DISTANCE = 0.3  # themes whose centres are closer than this cosine distance merge (average linkage)
JOIN_SIMILARITY = 0.5  # cosine to a theme's centre for a comment to be in the theme
KEEP_OVERLAP = 0.3  # Jaccard of members to keep a previous theme's identity ...
KEEP_SIMILARITY = 0.9  # ... or cosine of centres when the members changed too much
QUOTES = 3
DRAFT_EXAMPLES = 5  # example sentences drafted for an attribute made from a theme
QUOTE_DISTINCT = 0.9  # two quotes of a theme more alike than this (cosine) say the same thing
TERMS = 8
GROWTH_DAYS = 90
EMBED_BATCH = 512  # comments embedded and cached per transaction
_TOKEN = r"(?u)\b[^\W\d_][^\W\d_']+(?:'[^\W\d_]+)?\b"  # words of 2+ letters; no numbers
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)


# --- the clustering: plain functions of vectors and texts ------------------------------------------


def _sample_order(ids: Sequence[int]) -> np.ndarray:
    """Indexes of ``ids`` ordered by a hash of the id: a fixed, run-independent random order."""
    keys = [hashlib.blake2b(str(i).encode(), digest_size=8).digest() for i in ids]
    return np.array(sorted(range(len(ids)), key=keys.__getitem__), dtype=np.int64)


def min_theme_size(n: int) -> int:
    return max(MIN_THEME, round(n * MIN_THEME_SHARE))


def _centres(vectors: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    centres = np.zeros((count, vectors.shape[1]), dtype=np.float32)
    for k in range(count):
        centre = vectors[labels == k].mean(axis=0)
        centres[k] = centre / max(float(np.linalg.norm(centre)), 1e-9)
    return centres


@dataclass
class Clustering:
    labels: np.ndarray  # theme number per comment, -1 for none; numbered by size, largest first
    similarity: np.ndarray  # cosine to the theme's centre, 0 for none
    hdbscan_outliers: float  # the share HDBSCAN itself left out (of the comments it saw)


def cluster(vectors: np.ndarray, ids: Sequence[int], *, sample: int = SAMPLE) -> Clustering:
    """The themes of unit ``vectors`` (the comments ``ids``)."""
    from sklearn.cluster import HDBSCAN
    from sklearn.decomposition import PCA

    n = len(vectors)
    labels = np.full(n, -1, dtype=np.int64)
    similarity = np.zeros(n, dtype=np.float32)
    if n < MIN_COMMENTS:
        return Clustering(labels, similarity, 1.0)
    seen = _sample_order(ids)[:sample] if n > sample else np.arange(n)
    # densities need many points per dimension: few comments get fewer components
    components = min(DIMENSIONS, max(2, len(seen) // 20), vectors.shape[1])
    pca = PCA(n_components=components, svd_solver="full", random_state=SEED).fit(vectors[seen])
    projected = pca.transform(vectors[seen])
    found = HDBSCAN(
        min_cluster_size=min_theme_size(len(seen)), min_samples=MIN_SAMPLES, copy=True
    ).fit_predict(projected)
    if found.max() < 0:  # HDBSCAN never answers "one theme" unless allowed: ask again, allowing it
        found = HDBSCAN(
            min_cluster_size=min_theme_size(len(seen)), min_samples=MIN_SAMPLES, copy=True,
            allow_single_cluster=True,
        ).fit_predict(projected)  # fmt: skip
    labels[seen] = found
    left_out = float((found == -1).mean())
    count = int(found.max()) + 1
    if count == 0:
        return Clustering(labels, similarity, left_out)
    if count > 1:  # HDBSCAN splits a topic by its wordings: merge themes whose centres are close
        from sklearn.cluster import AgglomerativeClustering

        merged = AgglomerativeClustering(
            n_clusters=None, distance_threshold=MERGE_DISTANCE, metric="cosine", linkage="average"
        ).fit_predict(_centres(vectors, labels, count))
        labels = np.where(labels >= 0, merged[np.maximum(labels, 0)], -1)
        count = int(merged.max()) + 1
    centres = _centres(vectors, labels, count)
    scores = vectors @ centres.T  # cosine: all unit vectors
    nearest = scores.argmax(axis=1)
    best = scores[np.arange(n), nearest]
    # HDBSCAN found the themes; every comment now joins the nearest theme's centre if close enough
    # (one rule for all: a member HDBSCAN placed far from its centre in the projection is let go)
    labels = np.where(best >= JOIN_SIMILARITY, nearest, -1)
    if not (labels >= 0).any():
        return Clustering(labels, similarity, left_out)
    count = int(labels.max()) + 1
    sizes = np.bincount(labels[labels >= 0], minlength=count)
    rank = np.empty(count, dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(count)
    themed = labels >= 0
    similarity[themed] = scores[np.arange(n), np.maximum(labels, 0)][themed]
    labels[themed] = rank[labels[themed]]
    return Clustering(labels, similarity, left_out)


def class_terms(texts: Sequence[str], labels: np.ndarray, *, ignore: Sequence[str] = (),
                top: int = TERMS) -> list[list[str]]:  # fmt: skip
    """Each theme's most distinctive 1-2-word terms by class-based TF-IDF: a term's frequency in
    the theme (per word of the theme) times log(1 + A / f), A the average words per class and f
    the term's frequency in all classes; the left-out comments form a class of their own, so words
    said everywhere weigh little."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    count = int(labels.max()) + 1 if len(labels) else 0
    if count == 0:
        return []
    classes = [-1, *range(count)]
    documents = [" ".join(_URL.sub(" ", t) for t, k in zip(texts, labels, strict=True) if k == c)
                 for c in classes]  # fmt: skip
    stop_words = sorted(ENGLISH_STOP_WORDS | {w.lower() for w in ignore})
    vectorizer = CountVectorizer(ngram_range=(1, 2), stop_words=stop_words, token_pattern=_TOKEN)
    try:
        matrix = vectorizer.fit_transform(documents).toarray().astype(float)
    except ValueError:  # nothing but stop words
        return [[] for _ in range(count)]
    words = matrix.sum(axis=1, keepdims=True)
    tf = matrix / np.maximum(words, 1)
    idf = np.log(1 + words.mean() / np.maximum(matrix.sum(axis=0), 1))
    weights = tf * idf
    names = vectorizer.get_feature_names_out()
    terms = []
    for c in range(count):
        order = [j for j in np.argsort(-weights[c + 1], kind="stable") if matrix[c + 1, j] > 0]
        terms.append(_distinct([str(names[j]) for j in order], [matrix[c + 1, j] for j in order], top))
    return terms


def _distinct(terms: list[str], counts: list[float], top: int) -> list[str]:
    """The first ``top`` terms that say something new. A term sharing words with kept terms
    replaces them when it contains them all and is said as often ("screen reader" replaces
    "screen" and "reader"), or when it is said more often than any of them ("dark mode" replaces
    "app dark"); otherwise it is dropped ("footprint like" after "carbon footprint")."""
    kept: list[tuple[str, float]] = []
    for term, count in zip(terms, counts, strict=True):
        words = set(term.split())
        overlapping = [k for k in kept if words & set(k[0].split())]
        if not overlapping:
            kept.append((term, count))
        else:
            most = max(k[1] for k in overlapping)
            contains = all(set(k[0].split()) < words for k in overlapping)
            if count > most or (contains and count >= most):
                kept[kept.index(overlapping[0])] = (term, count)
                kept = [k for k in kept if k not in overlapping[1:]]
        if len(kept) == top:
            break
    return [term for term, _count in kept]


def representatives(texts: Sequence[str], labels: np.ndarray, similarity: np.ndarray, theme: int,
                    vectors: np.ndarray | None = None, count: int = QUOTES) -> list[int]:  # fmt: skip
    """Indexes of ``count`` members near the theme's centre that say it differently: nearest
    first, skipping a text already chosen and, given the ``vectors``, a member within cosine
    ``QUOTE_DISTINCT`` of a chosen one (unless too few are left)."""
    members = np.flatnonzero(labels == theme)
    order = members[np.argsort(-similarity[members], kind="stable")]
    chosen: list[int] = []
    seen: set[str] = set()
    for strict in (True, False):
        for i in order:
            key = texts[i].casefold()
            if key in seen:
                continue
            if (
                strict
                and vectors is not None
                and chosen
                and (vectors[chosen] @ vectors[i]).max() > QUOTE_DISTINCT
            ):
                continue
            chosen.append(int(i))
            seen.add(key)
            if len(chosen) == count:
                return chosen
    return chosen


def match_identities(new: list[set[int]], new_centres: np.ndarray, old: dict[int, set[int]],
                     old_centres: dict[int, np.ndarray]) -> dict[int, int]:  # fmt: skip
    """New theme number -> previous theme id: greedily by member overlap (Jaccard), best first,
    then by centre similarity for what is left; each previous theme is taken at most once."""
    pairs = []
    for k, members in enumerate(new):
        for theme_id, before in old.items():
            shared = len(members & before)
            if shared:
                pairs.append((shared / len(members | before), k, theme_id))
    matched: dict[int, int] = {}
    taken: set[int] = set()
    for overlap, k, theme_id in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if overlap >= KEEP_OVERLAP and k not in matched and theme_id not in taken:
            matched[k], _ = theme_id, taken.add(theme_id)
    left = [t for t in old if t not in taken]
    if left:
        sims = new_centres @ np.stack([old_centres[t] for t in left]).T
        for k in range(len(new)):
            if k in matched:
                continue
            j = int(sims[k].argmax())
            if sims[k, j] >= KEEP_SIMILARITY and left[j] not in taken:
                matched[k] = left[j]
                taken.add(left[j])
    return matched


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
        ids = [r[0] for r in rows]
        texts = [r[1] for r in rows]
        found = cluster(vectors, ids)
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
    except Exception as exc:
        with write_transaction(db):
            failed = {"status": "failed", "finished_at": utcnow(), "error": str(exc)[:500]}
            db["theme_runs"].update(run_id, failed)
        raise
    return ThemeRun(run_id, brand["name"], len(rows), themed, count, seconds,
                    hdbscan_outliers=found.hdbscan_outliers)  # fmt: skip


# --- reading them -------------------------------------------------------------------------------


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _quotes(db: Database, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    rows = {
        r["id"]: r
        for r in db.query(
            "SELECT id, text, channel, url, author, coalesce(published_at, collected_at) AS date "
            f"FROM comments WHERE id IN ({', '.join('?' * len(ids))})", ids
        )
    }  # fmt: skip
    return [{**rows[i], "date": rows[i]["date"][:10]} for i in ids if i in rows]


def latest_run(db: Database, brand_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM theme_runs WHERE brand_id = ? ORDER BY id DESC LIMIT 1", [brand_id]))
    if not rows:
        return None
    run = rows[0]
    done = list(db.query(
        "SELECT * FROM theme_runs WHERE brand_id = ? AND status = 'done' ORDER BY id DESC LIMIT 1", [brand_id]
    ))  # fmt: skip
    result = {"latest": _run_public(run), "done": _run_public(done[0]) if done else None}
    return result


def _run_public(run: dict) -> dict:
    comments, themed = run["comments"] or 0, run["themed"]
    return {
        "id": run["id"], "status": run["status"], "trigger": run["trigger"], "started_at": run["started_at"],
        "finished_at": run["finished_at"], "seconds": run["seconds"], "comments": comments,
        "themed": themed, "themes": run["themes"], "error": run["error"],
        "outlier_share": round(1 - themed / comments, 4) if themed is not None and comments else None,
    }  # fmt: skip


ORDERS = ("size", "growth")


def _growth_key(theme: dict) -> tuple:
    """Fastest growing first: new themes, then by growth, then by size."""
    rate = theme["growth"] if theme["growth"] is not None else (float("inf") if theme["new"] else -1.0)
    return (-rate, -theme["recent"], -theme["size"], theme["id"])


def list_themes(db: Database, brand_name: str, order: str = "size") -> dict:
    """The brand's current themes, largest (or fastest growing) first, each with its terms,
    quotes, size, growth over the last ``GROWTH_DAYS`` days against the ones before, and its size
    in earlier runs."""
    if order not in ORDERS:
        raise Invalid(f"order must be one of {', '.join(ORDERS)}, not {str(order)[:40]!r}")
    brand = get_brand(db, brand_name)
    runs = latest_run(db, brand["id"])
    end = _day(db.execute(
        "SELECT max(coalesce(published_at, collected_at)) FROM comments "
        "WHERE brand_id = ? AND kind = 'customer'",
        [brand["id"]],
    ).fetchone()[0])  # fmt: skip
    recent: dict[int, tuple[int, int]] = {}
    if end is not None:
        cut, before = end - timedelta(days=GROWTH_DAYS), end - timedelta(days=2 * GROWTH_DAYS)
        for theme_id, now, then in db.execute(
            "SELECT m.theme_id, sum(d > ?), sum(d > ? AND d <= ?) FROM theme_members m "
            "JOIN (SELECT id, date(coalesce(published_at, collected_at)) AS d FROM comments) c "
            "ON c.id = m.comment_id JOIN themes t ON t.id = m.theme_id WHERE t.brand_id = ? "
            "GROUP BY m.theme_id",
            [cut.isoformat(), before.isoformat(), cut.isoformat(), brand["id"]],
        ):  # fmt: skip
            recent[theme_id] = (now or 0, then or 0)
    history: dict[int, list[int]] = {}
    for theme_id, size in db.execute(
        "SELECT s.theme_id, s.size FROM theme_sizes s JOIN themes t ON t.id = s.theme_id "
        "WHERE t.brand_id = ? ORDER BY s.run_id", [brand["id"]]
    ):  # fmt: skip
        history.setdefault(theme_id, []).append(size)
    unclaimed = runs["done"]["comments"] if runs and runs["done"] else 0
    themes, promoted = [], []
    for row in db.query(
        "SELECT * FROM themes WHERE brand_id = ? AND status != 'gone' ORDER BY size DESC, id", [brand["id"]]
    ):
        now, then = recent.get(row["id"], (0, 0))
        theme = {
            "id": row["id"], "label": row["label"], "terms": json.loads(row["terms"]), "size": row["size"],
            "share": round(row["size"] / unclaimed, 4) if unclaimed else None,
            "recent": now, "before": then, "growth": round(now / then - 1, 4) if then else None,
            "new": then == 0 and now > 0, "sizes": history.get(row["id"], []),
            "quotes": _quotes(db, json.loads(row["quotes"])), "status": row["status"],
            "attribute": row["attribute"], "first_run": row["first_run"],
        }  # fmt: skip
        (promoted if row["status"] == "promoted" else themes).append(theme)
    if order == "growth":
        themes.sort(key=_growth_key)
    if end is not None:
        window = {"from": (end - timedelta(days=GROWTH_DAYS - 1)).isoformat(), "to": end.isoformat()}
    else:
        window = None
    return {"brand": brand["name"], "order": order, "runs": runs, "unclaimed": unclaimed,
            "growth_days": GROWTH_DAYS, "recent_window": window, "themes": themes,
            "promoted": promoted}  # fmt: skip


def get_theme(db: Database, theme_id: int) -> dict:
    rows = list(db.query("SELECT t.*, b.name AS brand FROM themes t JOIN brands b ON b.id = t.brand_id "
                         "WHERE t.id = ?", [theme_id]))  # fmt: skip
    if not rows:
        raise NotFound(f"no theme {theme_id}")
    row = rows[0]
    return {**row, "terms": json.loads(row["terms"]), "quotes": _quotes(db, json.loads(row["quotes"]))}


# --- promoting a theme to an attribute ----------------------------------------------------------

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")[:40] or "theme"


def draft_attribute(db: Database, theme_id: int) -> dict:
    """A new attribute drafted from a theme: named after its top term, defined by its terms, with
    examples from its quotes and then its other members nearest the centre: of each, the sentence
    that holds most of the theme's three top terms (up to ``DRAFT_EXAMPLES`` different ones).
    Meant to be edited."""
    theme = get_theme(db, theme_id)
    terms = theme["terms"]
    top = terms[0] if terms else theme["label"]
    taken = {a["key"] for a in current_attributes(db)}
    key, n = _key(top), 2
    while key in taken:
        key, n = f"{_key(top)}_{n}", n + 1
    said = ", ".join(terms[:4])
    texts = [q["text"] for q in theme["quotes"]]
    texts += [row[0] for row in db.execute(
        "SELECT c.text FROM theme_members m JOIN comments c ON c.id = m.comment_id WHERE m.theme_id = ? "
        "ORDER BY m.similarity DESC, m.comment_id LIMIT 50", [theme_id]
    )]  # fmt: skip
    examples: list[str] = []
    label_terms = terms[:3]
    for text in texts:
        sentences = [part.strip() for s in _SENTENCE.split(text.strip()) for part in s.split(": ")]
        best = max(sentences, key=lambda s: sum(t in s.casefold() for t in label_terms))[:200]
        holds = any(t in best.casefold() for t in label_terms)
        if holds and best.casefold() not in {e.casefold() for e in examples}:
            examples.append(best)
        if len(examples) == DRAFT_EXAMPLES:
            break
    return {
        "key": key,
        "name": top[:1].upper() + top[1:],
        "definition": f"Customers talk about {said}." if said else "",
        "examples": examples,
        "theme": theme_id,
    }


def promote_theme(db: Database, theme_id: int, attribute: dict, *, by: str | None = None,
                  note: str | None = None) -> tuple[int, str]:  # fmt: skip
    """Add ``attribute`` (key, name, definition, examples) to the taxonomy as a new version and
    mark the theme promoted; answer (taxonomy version, attribute key). The classifier job re-tags
    every comment for the new version in the background."""
    theme = get_theme(db, theme_id)
    if theme["status"] == "promoted":
        raise Conflict(f"theme {theme_id} was already promoted to the attribute {theme['attribute']!r}")
    if not isinstance(attribute, dict):
        raise Invalid("attribute must be an object with key, name, definition and examples")
    unknown = set(attribute) - {"key", "name", "definition", "examples"}
    if unknown:
        raise Invalid(f"unknown attribute field(s) {', '.join(sorted(unknown))} "
                      "(allowed: key, name, definition, examples)")  # fmt: skip
    current = [{k: a[k] for k in ("key", "name", "definition", "examples")} for a in current_attributes(db)]
    key = attribute.get("key") or _key(str(attribute.get("name") or ""))
    if any(a["key"] == key for a in current):
        raise Invalid(f"the taxonomy already has an attribute {key!r}: choose another key")
    note = note or f"promoted from the theme '{theme['label']}'"
    with write_transaction(db):  # the taxonomy version and the theme's mark together, or neither
        version = save_taxonomy(db, [*current, {**attribute, "key": key}], note, by=by)
        db["themes"].update(theme_id, {"status": "promoted", "attribute": key, "promoted_by": by,
                                       "promoted_at": utcnow()})  # fmt: skip
    return version, key


# --- requests from the pages, served by the scheduler -------------------------------------------

REQUEST_PREFIX = "themes_request:"


def request_run(db: Database, brand_name: str) -> str:
    """Ask the scheduler to find the brand's themes again; answer the brand's name as stored."""
    brand = get_brand(db, brand_name)
    with write_transaction(db):
        db["meta"].upsert({"key": f"{REQUEST_PREFIX}{brand['id']}", "value": utcnow()}, pk="key")
    return brand["name"]


def take_requests(db: Database) -> list[str]:
    """Brands whose themes were asked for (and forget the asking)."""
    with write_transaction(db):
        rows = db.execute(
            "SELECT b.name FROM meta m JOIN brands b ON m.key = ? || b.id WHERE m.key LIKE ? ORDER BY b.id",
            [REQUEST_PREFIX, f"{REQUEST_PREFIX}%"],
        ).fetchall()
        db.execute("DELETE FROM meta WHERE key LIKE ?", [f"{REQUEST_PREFIX}%"])
    return [r[0] for r in rows]


def requested(db: Database, brand_id: int) -> bool:
    row = db.execute("SELECT 1 FROM meta WHERE key = ?", [f"{REQUEST_PREFIX}{brand_id}"]).fetchone()
    return row is not None
