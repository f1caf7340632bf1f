"""The language gap: the words and short phrases that set customers' comments apart from the
brand's own content, and the reverse.

Weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008,
"Fightin' Words", §3.5). For a phrase *w* with counts y_w^a in the customers' comments (n^a
phrases in all) and y_w^b in the brand's content (n^b), and a prior α_w = α0 · (y_w^a + y_w^b) /
(n^a + n^b) from both together:

    δ_w = log((y_w^a + α_w) / (n^a + α0 − y_w^a − α_w)) − log((y_w^b + α_w) / (n^b + α0 − y_w^b − α_w))
    σ²_w ≈ 1 / (y_w^a + α_w) + 1 / (y_w^b + α_w)
    z_w = δ_w / σ_w

A phrase is the customers' when z_w ≥ 1.96 and the brand's when z_w ≤ −1.96: only differences
that are unlikely by chance show. A phrase both sides use alike has z near 0 and never shows.
Phrases are 1–3 words (scikit-learn's CountVectorizer), English stop words, numbers and web
addresses left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer
from sqlite_utils import Database

from server.store.brands import get_brand
from server.store.comments import CommentQuery

Z_THRESHOLD = 1.96
PRIOR_STRENGTH = 500.0  # α0: how many phrases' worth of belief the shared prior carries
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_TOKEN = r"(?u)\b[^\W\d_][^\W\d_']+(?:'[^\W\d_]+)?\b"  # words of 2+ letters; no numbers


@dataclass(frozen=True)
class Phrase:
    phrase: str
    z: float
    delta: float
    customers: int  # times in the customers' comments
    brand: int  # times in the brand's content

    def as_dict(self) -> dict:
        return {"phrase": self.phrase, "z": round(self.z, 3), "delta": round(self.delta, 4),
                "customers": self.customers, "brand": self.brand}  # fmt: skip


def _clean(text: str) -> str:
    return _URL.sub(" ", text)


def fightin_words(
    ours: Sequence[str],
    theirs: Sequence[str],
    *,
    prior: float = PRIOR_STRENGTH,
    min_count: int = 2,
    ignore: Sequence[str] = (),
) -> list[Phrase]:
    """Every phrase with its z-score, customers' (``ours``, positive z) against the brand's
    (``theirs``, negative z), most distinctive first; phrases seen fewer than ``min_count`` times
    in all are left out, and so are the words of ``ignore`` (the brand's own name)."""
    texts = [_clean(t) for t in (*ours, *theirs)]
    if not ours or not theirs:
        return []
    stop_words = sorted(ENGLISH_STOP_WORDS | {w.lower() for w in ignore})
    vectorizer = CountVectorizer(
        ngram_range=(1, 3), stop_words=stop_words, token_pattern=_TOKEN, lowercase=True
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return []
    a = np.asarray(matrix[: len(ours)].sum(axis=0)).ravel().astype(float)
    b = np.asarray(matrix[len(ours) :].sum(axis=0)).ravel().astype(float)
    keep = (a + b) >= min_count
    if not keep.any():
        return []
    n_a, n_b = a.sum(), b.sum()
    alpha = prior * (a + b) / (n_a + n_b)
    delta = np.log((a + alpha) / (n_a + prior - a - alpha)) - np.log((b + alpha) / (n_b + prior - b - alpha))
    z = delta / np.sqrt(1 / (a + alpha) + 1 / (b + alpha))
    names = vectorizer.get_feature_names_out()
    order = np.argsort(-z, kind="stable")
    return [
        Phrase(str(names[i]), float(z[i]), float(delta[i]), int(a[i]), int(b[i])) for i in order if keep[i]
    ]


def _texts(db: Database, brand: str, kind: str, start: str | None, end: str | None,
           attribute: str | None) -> list[str]:  # fmt: skip
    """The texts the evidence list shows for the same filters (``server.store.comments``)."""
    args = {"brand": brand, "kind": kind, "from": start or "", "to": end or ""}
    if attribute and kind == "customer":  # the brand's content is compared whole
        args["attribute"] = attribute
    where, params = CommentQuery.from_args(args).where(db)
    sql = f"SELECT c.text FROM comments c JOIN brands b ON b.id = c.brand_id {where}"
    return [row[0] for row in db.execute(sql, params)]


def language_gap(
    db: Database, brand_name: str, *, start: str | None = None, end: str | None = None,
    attribute: str | None = None, limit: int = 25,
) -> dict:  # fmt: skip
    """ "Their words / your words" for a brand: the phrases distinctive of its customers'
    comments and of its own content, each with its z-score and counts."""
    brand = get_brand(db, brand_name)
    customers = _texts(db, brand["name"], "customer", start, end, attribute)
    content = _texts(db, brand["name"], "emitted", start, end, None)
    phrases = fightin_words(customers, content, ignore=re.findall(r"\w+", brand["name"]))
    theirs = [p for p in phrases if p.z >= Z_THRESHOLD][:limit]
    yours = [p for p in reversed(phrases) if p.z <= -Z_THRESHOLD][:limit]
    note = None
    if not customers or not content:
        note = ("no customer comments" if not customers else "no content of the brand's own") + (
            " in this period: nothing to compare"
        )
    return {
        "brand": brand["name"],
        "scope": {"from": start, "to": end, "attribute": attribute},
        "customer_comments": len(customers),
        "brand_pieces": len(content),
        "threshold": Z_THRESHOLD,
        "customers": [p.as_dict() for p in theirs],
        "brand_words": [p.as_dict() for p in yours],
        "note": note,
    }
