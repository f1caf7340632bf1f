"""The bootstrap over comments, seeded by the question asked, and the point estimates it resamples."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from server.measure.metrics.sample import Figure, Sample

MIN_COMMENTS = 30  # below this a figure says "too few"
BOOTSTRAP = 500  # resamples per interval
# The bootstrap resamples comments exactly for fewer than EXACT_COMMENTS comments or up to
# EXACT_ROWS distinct tag patterns (cheap either way); beyond, see _resampled_sums.
EXACT_COMMENTS = 1000
EXACT_ROWS = 64
CONFIDENCE = 0.95


# --- point estimates over (possibly resampled) sums -------------------------------------------


def _rates(m: np.ndarray, n: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return m / n[..., None]


def _profile(m: np.ndarray) -> np.ndarray:
    total = m.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, m / total, np.nan)


def _net(m: np.ndarray, s: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 0, s / m, np.nan)


def _tvd(q: np.ndarray, w: np.ndarray) -> np.ndarray:
    return 0.5 * np.abs(q - w).sum(axis=-1)


# --- the bootstrap ------------------------------------------------------------------------------


def seed_for(*parts: object) -> int:
    """A seed from the question asked: the same question, the same intervals."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _resampled_sums(sample: Sample, rng: np.random.Generator, draws: int) -> tuple[np.ndarray, np.ndarray]:
    """Column sums of mentions and sentiment for ``draws`` resamples of the comments (n comments
    drawn with replacement: how many of each row's comments were drawn is multinomial).

    From ``EXACT_COMMENTS`` comments in more than ``EXACT_ROWS`` distinct rows, the resampled
    sums are drawn from their normal limit instead, with the same mean and covariance: the same
    bootstrap distribution to within the central limit theorem (sums of a thousand or more
    bounded values), at a cost that does not grow with the rows."""
    n = sample.n
    rows = sample.mentions.shape[0]
    if n == 0:
        return np.zeros((draws, len(sample.attributes))), np.zeros((draws, len(sample.attributes)))
    if n < EXACT_COMMENTS or rows <= EXACT_ROWS:
        weights = rng.multinomial(n, sample.counts / n, size=draws)
        return weights @ sample.mentions, weights @ sample.sentiment
    k = len(sample.attributes)
    x = np.hstack([sample.mentions, sample.sentiment])
    p = sample.counts / n
    mean = p @ x
    centred = x - mean
    cov = (centred * p[:, None]).T @ centred
    sums = rng.multivariate_normal(n * mean, n * cov, size=draws, method="eigh")
    mentions = np.clip(sums[:, :k], 0, n)
    return mentions, np.clip(sums[:, k:], -mentions, mentions)


def _draws(sample: Sample, question: Question) -> tuple[np.ndarray, np.ndarray]:
    """The resampled sums for a question, drawn once per sample and shared by its figures."""
    key = (question.key, question.draws)
    if key not in sample.resamples:
        rng = np.random.default_rng(seed_for("resample", question.key))
        sample.resamples[key] = _resampled_sums(sample, rng, question.draws)
    return sample.resamples[key]


def _intervals(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The central 95 % of each column of ``values`` (draws × figures), ignoring NaN (a resample
    in which the figure is undefined); NaN where a column has no value at all. Percentiles are
    interpolated linearly, as ``np.percentile`` does, for all columns at once."""
    values = values.reshape(values.shape[0], -1)
    ordered = np.sort(values, axis=0)  # NaN sort last
    valid = (~np.isnan(values)).sum(axis=0)
    columns = np.arange(values.shape[1])
    tail = (1 - CONFIDENCE) / 2
    out = []
    for q in (tail, 1 - tail):
        position = np.maximum(valid - 1, 0) * q
        below = np.floor(position).astype(int)
        above = np.ceil(position).astype(int)
        a, b = ordered[below, columns], ordered[above, columns]
        out.append(np.where(valid > 0, a + (b - a) * (position - below), np.nan))
    return out[0], out[1]


def _figures(points: np.ndarray, draws: np.ndarray, ns: np.ndarray | int, min_comments: int) -> list[Figure]:
    """One figure per column: the point value with the interval of its resampled values."""
    points = np.atleast_1d(points)
    lows, highs = _intervals(draws)
    ns = np.broadcast_to(np.asarray(ns), points.shape)
    out = []
    for point, low, high, n in zip(points, lows, highs, ns, strict=True):
        n = int(n)
        if n < min_comments:
            out.append(Figure(None, None, None, n, f"too few comments ({n} < {min_comments})"))
        elif np.isnan(point):
            out.append(Figure(None, None, None, n, "no mentions"))
        else:
            out.append(Figure(float(point), None if np.isnan(low) else float(low),
                              None if np.isnan(high) else float(high), n))  # fmt: skip
    return out


def _figure(point: float, draws: np.ndarray, n: int, min_comments: int) -> Figure:
    return _figures(np.array([point]), draws.reshape(-1, 1), n, min_comments)[0]


# --- the metrics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """What is asked, for seeding; any stable description of brand, period and filters."""

    key: str = ""
    draws: int = BOOTSTRAP
    min_comments: int = MIN_COMMENTS
