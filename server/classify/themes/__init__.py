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

Its rooms: ``cluster`` (the maths), ``runs`` (a run, stored), ``read`` (the read model),
``promote`` (a theme made an attribute) and ``requests`` (the pages asking the scheduler).
"""

from __future__ import annotations

from server.classify.themes.cluster import (
    JOIN_SIMILARITY,
    SAMPLE,
    Clustering,
    class_terms,
    cluster,
    match_identities,
    min_theme_size,
    representatives,
)
from server.classify.themes.promote import draft_attribute, promote_theme
from server.classify.themes.read import GROWTH_DAYS, ORDERS, get_theme, latest_run, list_themes
from server.classify.themes.requests import request_run, requested, take_requests
from server.classify.themes.runs import ThemeRun, embed_comments, run_themes, unclaimed_comments

__all__ = [
    "GROWTH_DAYS",
    "JOIN_SIMILARITY",
    "ORDERS",
    "SAMPLE",
    "Clustering",
    "ThemeRun",
    "class_terms",
    "cluster",
    "draft_attribute",
    "embed_comments",
    "get_theme",
    "latest_run",
    "list_themes",
    "match_identities",
    "min_theme_size",
    "promote_theme",
    "representatives",
    "request_run",
    "requested",
    "run_themes",
    "take_requests",
    "unclaimed_comments",
]
