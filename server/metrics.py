"""The metrics of SPEC §4, computed here and nowhere else.

For a brand, a period and a channel filter, over the classified comments of one kind (customer
words, or the brand's emitted content):

- mention rate of *a*: share of comments tagged *a* (a comment may carry several attributes);
- perception profile *q*: mention counts normalised to sum to 1 over attributes;
- net sentiment of *a*: (positive − negative) / comments tagged *a*;
- gap of *a*: *q_a − w_a*, *w* being the declared positioning;
- gap score: total variation distance ½·Σ|q_a − w_a| (0 = customers say what you claim, 1 = nothing
  in common); message gap: the same distance between *w* and the emitted-content profile;
- ownership of *a*: the brand's mention rate of *a* divided by the sum of the mention rates of *a*
  over the brands compared (independent of how many comments were collected per brand); a brand
  leads *a* when its ownership's interval lies above every other brand's;
- share of voice of *a*: the brand's share of all *a*-mentions among the brands compared (it
  follows collection volume; shown apart, never as ownership).

Every figure carries its sample size and a 95 % interval from a bootstrap over comments, seeded
by the question asked, so a page shows the same numbers on every reload. A figure from fewer than
``MIN_COMMENTS`` comments has no value: it says "too few".

Loading (``load_sample``) and computing (the functions over a ``Sample``) are separate: the
computations are pure and tested on hand-worked data.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from sqlite_utils import Database

from .adjust import Correction, rogan_gladen

MIN_COMMENTS = 30  # below this a figure says "too few"
BOOTSTRAP = 500  # resamples per interval
# The bootstrap resamples comments exactly for fewer than EXACT_COMMENTS comments or up to
# EXACT_ROWS distinct tag patterns (cheap either way); beyond, see _resampled_sums.
EXACT_COMMENTS = 1000
EXACT_ROWS = 64
CONFIDENCE = 0.95
_SENTIMENT = {"positive": 1, "neutral": 0, "negative": -1}


@dataclass(frozen=True)
class Figure:
    """One number as the product shows it: value, 95 % interval, sample size."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    note: str | None = None  # why there is no value ("too few comments", "no declared positioning")

    def as_dict(self) -> dict:
        out = {"value": self.value, "low": self.low, "high": self.high, "n": self.n}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Sample:
    """Classified comments as matrices: ``mentions[i, a]`` is 1 when row i is tagged a;
    ``sentiment[i, a]`` is +1/0/−1 for that attribute's sentiment (0 where not tagged).

    A row stands for ``counts[i]`` comments that carry exactly those tags (1 per comment when
    built from comments; many when read from ``server.rollups``): resampling comments is then
    resampling rows in proportion to their counts, the same bootstrap."""

    attributes: list[str]
    mentions: np.ndarray  # (rows, k) float
    sentiment: np.ndarray  # (rows, k) float
    dates: list[str] = field(default_factory=list)  # one per row (published, else collected)
    counts: np.ndarray | None = None  # comments per row; None = one each
    resamples: dict = field(default_factory=dict, repr=False, compare=False)  # see _draws

    def __post_init__(self) -> None:
        if self.counts is None:
            self.counts = np.ones(self.mentions.shape[0])

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @classmethod
    def build(
        cls,
        attributes: Sequence[str],
        rows: Sequence[dict],
        dates: Sequence[str] = (),
        counts: Sequence[int] | None = None,
    ) -> Sample:
        """From rows ``{attribute: sentiment}`` (one dict per comment, or per ``counts`` comments;
        {} = tagged with nothing)."""
        index = {a: j for j, a in enumerate(attributes)}
        mentions = np.zeros((len(rows), len(attributes)))
        sentiment = np.zeros((len(rows), len(attributes)))
        for i, row in enumerate(rows):
            for attribute, feeling in row.items():
                if attribute in index:
                    mentions[i, index[attribute]] = 1
                    sentiment[i, index[attribute]] = _SENTIMENT.get(feeling or "neutral", 0)
        weights = None if counts is None else np.asarray(counts, dtype=float)
        return cls(list(attributes), mentions, sentiment, list(dates), weights)

    def subset(self, rows: np.ndarray | list[int] | slice) -> Sample:
        picked = rows if isinstance(rows, slice) else np.asarray(rows, dtype=int)
        dates = (
            (self.dates[picked] if isinstance(picked, slice) else [self.dates[i] for i in picked])
            if self.dates
            else []
        )
        return Sample(
            self.attributes, self.mentions[picked], self.sentiment[picked], dates, self.counts[picked]
        )

    def fingerprint(self) -> str:
        """A digest of the sample's content (attributes, rows, counts): equal samples, equal digest."""
        digest = hashlib.blake2b(digest_size=16)
        digest.update("|".join(self.attributes).encode())
        for part in (self.mentions, self.sentiment, self.counts):
            digest.update(np.ascontiguousarray(part, dtype=float).tobytes())
        return digest.hexdigest()

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        """Mentions and sentiment summed over comments, per attribute."""
        return self.counts @ self.mentions, self.counts @ self.sentiment


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


def attribute_figures(sample: Sample, question: Question = Question()) -> dict[str, dict[str, Figure]]:
    """Mention rate, perceived share (profile) and net sentiment of every attribute."""
    m, s = sample.totals()
    bm, bs = _draws(sample, question)
    n = np.full(question.draws, sample.n)
    rate, share, net = _rates(m, np.array(sample.n)), _profile(m), _net(m, s)
    b_rate, b_share, b_net = _rates(bm, n), _profile(bm), _net(bm, bs)
    rates = _figures(rate, b_rate, sample.n, question.min_comments)
    shares = _figures(share, b_share, sample.n, question.min_comments)
    nets = _figures(net, b_net, m.astype(int), question.min_comments)
    return {
        a: {"mention_rate": rates[j], "share": shares[j], "net_sentiment": nets[j]}
        for j, a in enumerate(sample.attributes)
    }


def gap_figures(
    sample: Sample, positioning: dict[str, float], question: Question = Question()
) -> tuple[Figure, dict[str, Figure]]:
    """The gap score and each attribute's gap (perceived share − declared weight)."""
    if not positioning:
        empty = Figure(None, None, None, sample.n, "no declared positioning")
        return empty, {a: empty for a in sample.attributes}
    w = np.array([positioning.get(a, 0.0) for a in sample.attributes])
    q = _profile(sample.totals()[0])
    bq = _profile(_draws(sample, question)[0])
    score = _figure(_tvd(q, w), _tvd(bq, w), sample.n, question.min_comments)
    gaps = _figures(q - w, bq - w, sample.n, question.min_comments)
    return score, dict(zip(sample.attributes, gaps, strict=True))


def message_gap(emitted: Sample, positioning: dict[str, float], question: Question = Question()) -> Figure:
    """Distance between what the brand declares and what it puts out (its emitted content)."""
    return gap_figures(emitted, positioning, Question(f"message|{question.key}", question.draws,
                                                      question.min_comments))[0]  # fmt: skip


def _across_brands(samples: dict[str, Sample], question: Question, label: str, per_comment: bool,
                   ) -> dict[str, dict[str, Figure]]:  # fmt: skip
    """Per attribute, each brand's part of the brands' total: of mention rates (``per_comment``,
    ownership) or of mention counts (share of voice). Each brand's comments are resampled on
    their own (they are independent samples)."""
    brands = list(samples)
    if not brands:
        return {}
    attributes = samples[brands[0]].attributes
    rng = np.random.default_rng(seed_for(label, question.key))
    sums = np.array([samples[b].totals()[0] for b in brands], dtype=float)  # (brands, k)
    draws = np.array([_resampled_sums(samples[b], rng, question.draws)[0] for b in brands], dtype=float)
    if per_comment:
        sizes = np.array([max(samples[b].n, 1) for b in brands], dtype=float)
        sums = sums / sizes[:, None]
        draws = draws / sizes[:, None, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = sums / sums.sum(axis=0)
        b_share = draws / draws.sum(axis=0)
    out: dict[str, dict[str, Figure]] = {a: {} for a in attributes}
    for j, attribute in enumerate(attributes):
        for i, brand in enumerate(brands):
            out[attribute][brand] = _figure(
                share[i, j], b_share[i, :, j], samples[brand].n, question.min_comments
            )
    return out


def ownership(samples: dict[str, Sample], question: Question = Question()) -> dict[str, dict[str, Figure]]:
    """Per attribute, each brand's ownership: its mention rate over the sum of the brands' mention
    rates. A brand whose customers talk about *a* twice as often as another's owns more of it,
    however many comments were collected for each."""
    return _across_brands(samples, question, "ownership", per_comment=True)


def share_of_voice(
    samples: dict[str, Sample], question: Question = Question()
) -> dict[str, dict[str, Figure]]:
    """Per attribute, each brand's share of all its mentions among the brands compared: it follows
    how many comments were collected per brand (shown apart, never as ownership)."""
    return _across_brands(samples, question, "share_of_voice", per_comment=False)


def leaders(owned: dict[str, dict[str, Figure]]) -> dict[str, str]:
    """Per attribute, the brand that leads it: the one whose ownership interval lies wholly above
    every other brand's (no leader when the intervals overlap, or with one brand)."""
    out = {}
    for attribute, by_brand in owned.items():
        known = {b: f for b, f in by_brand.items() if f.value is not None and f.low is not None}
        if len(known) < 2:
            continue
        top = max(known, key=lambda b: known[b].value)
        if all(known[top].low > f.high for b, f in known.items() if b != top):
            out[attribute] = top
    return out


def _corrected_rates(
    model: Sample, correction: Correction, question: Question
) -> tuple[np.ndarray, np.ndarray]:
    """Mention rates corrected with the audit (Rogan–Gladen) where it can, as tagged elsewhere: the
    point values and one replicate per audit draw (comments resampled, audit drawn)."""
    n = model.n
    fixed = ~np.isnan(correction.sensitivity)
    rng = np.random.default_rng(seed_for("corrected", question.key, correction.key))
    resampled = _resampled_sums(model, rng, correction.draws[0].shape[0])[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        observed, observed_draws = model.totals()[0] / n, resampled / n
        point = np.where(
            fixed, rogan_gladen(observed, correction.sensitivity, correction.specificity), observed
        )
        replicates = np.where(fixed, rogan_gladen(observed_draws, *correction.draws), observed_draws)
    return point, replicates


def corrected_figures(
    model: Sample, correction: Correction, positioning: dict[str, float], question: Question = Question()
) -> dict:
    """Mention rates, perceived shares and the gap score corrected for the classifier's errors.

    ``model`` holds the comments with the model's own tags (``load_sample(..., model_tags=True)``); each
    attribute's mention rate is corrected with the Rogan–Gladen estimator from the audit's
    sensitivity and specificity (``server.adjust``), and the shares are the corrected rates
    normalised. An attribute the audit cannot correct yet (too few labels) has no corrected
    rate or share, and enters the other shares at its rate as tagged (a rare attribute weighs
    little in them). The intervals come from one bootstrap over both sources of uncertainty:
    each replicate resamples the comments and takes one replicate of the audit (drawn from its
    posterior within each stratum)."""
    attributes, n = model.attributes, model.n
    point, replicates = _corrected_rates(model, correction, question)
    rates = _figures(point, replicates, n, question.min_comments)
    shares = _figures(_profile(point), _profile(replicates), n, question.min_comments)
    if positioning:
        w = np.array([positioning.get(a, 0.0) for a in attributes])
        score = _figure(_tvd(_profile(point), w), _tvd(_profile(replicates), w), n, question.min_comments)
    else:
        score = Figure(None, None, None, n, "no declared positioning")

    def noted(figure: Figure, why: str | None) -> Figure:
        shown = why and figure.n >= question.min_comments
        return Figure(None, None, None, figure.n, f"not corrected: {why}") if shown else figure

    return {
        "mention_rate": {a: noted(rates[j], correction.notes.get(a)) for j, a in enumerate(attributes)},
        "share": {a: noted(shares[j], correction.notes.get(a)) for j, a in enumerate(attributes)},
        "gap_score": score,
    }


FIGURES = ("share", "mention_rate", "net_sentiment")


def figure_draws(sample: Sample, attribute: str, figure: str, question: Question = Question(),
                 correction: Correction | None = None) -> tuple[float, np.ndarray, int, bool]:  # fmt: skip
    """One attribute's figure (``share``, ``mention_rate`` or ``net_sentiment``) as its point value,
    its resampled values (the bootstrap the pages' intervals come from) and the comments it rests
    on; and whether it is corrected for the classifier's errors (``correction`` given, a share or
    mention rate, and the audit able to correct the attribute: then ``sample`` must hold the
    model's own tags, as in ``corrected_figures``)."""
    if figure not in FIGURES:
        raise ValueError(f"figure must be one of {', '.join(FIGURES)}, not {figure!r}")
    j = sample.attributes.index(attribute)
    n = sample.n
    if correction is not None and figure != "net_sentiment" and not np.isnan(correction.sensitivity[j]):
        point, replicates = _corrected_rates(sample, correction, question)
        if figure == "share":
            point, replicates = _profile(point), _profile(replicates)
        return float(point[j]), replicates[:, j], n, True
    m, s = sample.totals()
    bm, bs = _draws(sample, question)
    if figure == "mention_rate":
        return float(_rates(m, np.array(n))[j]), _rates(bm, np.full(question.draws, n))[:, j], n, False
    if figure == "share":
        return float(_profile(m)[j]), _profile(bm)[:, j], n, False
    return float(_net(m, s)[j]), _net(bm, bs)[:, j], int(m[j]), False


def difference(first: tuple[float, np.ndarray, int, bool], second: tuple[float, np.ndarray, int, bool],
               min_comments: int = MIN_COMMENTS) -> Figure:  # fmt: skip
    """``first − second`` of two figures from independent samples (two brands, two periods), as
    ``figure_draws`` answers them: the interval is that of the differences of their resampled
    values, draw by draw. Too few comments on either side: no value."""
    (a, a_draws, a_n, _), (b, b_draws, b_n, _) = first, second
    smaller = min(a_n, b_n)
    if smaller < min_comments:
        return Figure(None, None, None, smaller, f"too few comments ({smaller} < {min_comments})")
    size = min(len(a_draws), len(b_draws))
    return _figure(a - b, a_draws[:size] - b_draws[:size], smaller, min_comments)


def proportion(hits: float, n: int, question: Question = Question()) -> Figure:
    """A share of comments (hits of n) with the interval of the same bootstrap: the n comments
    resampled (a binomial count of hits)."""
    n = int(n)
    if n < question.min_comments:
        return Figure(None, None, None, n, f"too few comments ({n} < {question.min_comments})")
    rng = np.random.default_rng(seed_for("proportion", question.key))
    draws = rng.binomial(n, min(max(hits / n, 0.0), 1.0), question.draws) / n
    return _figure(hits / n, draws, n, question.min_comments)


def proportion_change(before: tuple[int, int], now: tuple[int, int],
                      question: Question = Question()) -> Figure:  # fmt: skip
    """The change in a proportion (hits, comments) from one period to the next, with the interval
    of the same bootstrap: each period's comments resampled on their own (binomial counts)."""
    (hits_before, n_before), (hits_now, n_now) = before, now
    smaller = min(n_before, n_now)
    if smaller < question.min_comments:
        return Figure(None, None, None, smaller, f"too few comments ({smaller} < {question.min_comments})")
    rng = np.random.default_rng(seed_for("proportion", question.key))
    draws_before = rng.binomial(n_before, hits_before / n_before, question.draws) / n_before
    draws_now = rng.binomial(n_now, hits_now / n_now, question.draws) / n_now
    point = hits_now / n_now - hits_before / n_before
    return _figure(point, draws_now - draws_before, smaller, question.min_comments)


def two_proportion_z(hits_before: float, n_before: float, hits_now: float, n_now: float) -> float:
    """The z of a change in a proportion between two samples (pooled two-proportion z-test);
    0 when the pooled proportion is 0 or 1 (nothing can have changed)."""
    pooled = (hits_before + hits_now) / (n_before + n_now)
    spread = math.sqrt(pooled * (1 - pooled) * (1 / n_before + 1 / n_now))
    return (hits_now / n_now - hits_before / n_before) / spread if spread else 0.0


# --- series -------------------------------------------------------------------------------------


def period_start(day: str, interval: str) -> str:
    """The week (Monday), month or quarter a date (``YYYY-MM-DD…``) falls in."""
    moment = date.fromisoformat(day[:10])
    if interval == "week":
        return (moment - timedelta(days=moment.weekday())).isoformat()
    if interval == "month":
        return moment.replace(day=1).isoformat()
    if interval == "quarter":
        return moment.replace(month=3 * ((moment.month - 1) // 3) + 1, day=1).isoformat()
    raise ValueError(f"interval must be week, month or quarter, not {interval!r}")


def series(
    sample: Sample, interval: str, compute: Callable[[Sample, str], object]
) -> list[tuple[str, object]]:
    """``compute(sub-sample, period)`` for each week or month that has comments, in order."""
    buckets: dict[str, list[int]] = {}
    starts: dict[str, str] = {}
    for i, day in enumerate(sample.dates):
        start = starts.get(day) or starts.setdefault(day, period_start(day, interval))
        buckets.setdefault(start, []).append(i)
    out = []
    for start, rows in sorted(buckets.items()):
        contiguous = rows[-1] - rows[0] + 1 == len(rows)  # rows of a period usually lie together
        out.append(
            (start, compute(sample.subset(slice(rows[0], rows[-1] + 1) if contiguous else rows), start))
        )
    return out


# --- loading ------------------------------------------------------------------------------------


def load_sample(
    db: Database,
    brand_id: int,
    attributes: Sequence[str],
    *,
    kind: str = "customer",
    start: str | None = None,
    end: str | None = None,
    channels: Sequence[str] = (),
    interval: str | None = None,
    model_tags: bool = False,
) -> Sample:
    """The classified comments of a brand (``kind``: customer or emitted) in ``[start, end]``
    (dates, inclusive; a comment's date is when it was published, else collected), optionally
    from some channels only. A human correction replaces the model's attributes and sentiment,
    unless ``model_tags``: then every comment carries the model's own tags (what
    ``corrected_figures`` corrects with the audit's error rates, which describe the model).

    Read from the pre-aggregated counts of ``server.rollups``: one row per tag pattern (and per
    week or month when ``interval`` is given, as the row's date, for ``series``); with
    ``model_tags``, the corrected comments' patterns are swapped for the model's (they are few)."""
    from .rollups import corrected_rows, pattern_rows

    where = {"kind": kind, "start": start, "end": end, "channels": channels, "interval": interval}
    rows = pattern_rows(db, brand_id, **where)
    if model_tags:
        counts: dict[tuple[str | None, str], int] = {}
        for sign, part in ((1, rows), (-1, corrected_rows(db, brand_id, **where)),
                           (1, corrected_rows(db, brand_id, **where, model_only=True))):  # fmt: skip
            for bucket, pattern, n in part:
                counts[(bucket, pattern)] = counts.get((bucket, pattern), 0) + sign * n
        ordered = sorted(counts.items(), key=lambda item: (item[0][0] or "", item[0][1]))
        rows = [(bucket, pattern, n) for (bucket, pattern), n in ordered if n > 0]
    return _from_rows(attributes, rows, interval is not None)


def _from_rows(attributes: Sequence[str], rows: list[tuple[str | None, str, int]], dated: bool) -> Sample:
    """A sample from ``(bucket, pattern, comments)`` rows; bucket becomes the row's date when
    ``dated``."""
    from .rollups import decode

    # each distinct pattern is decoded once; rows index into them
    index: dict[str, int] = {}
    picks = np.fromiter(
        (index.setdefault(p, len(index)) for _b, p, _n in rows), dtype=np.intp, count=len(rows)
    )
    distinct = Sample.build(attributes, [decode(p) for p in index])
    return Sample(
        list(attributes),
        distinct.mentions[picks],
        distinct.sentiment[picks],
        [bucket for bucket, _p, _n in rows] if dated else [],
        np.fromiter((n for _b, _p, n in rows), dtype=float, count=len(rows)),
    )
