"""The metrics themselves, each a figure with its interval: mention rate, profile, net sentiment,
gap, ownership, share of voice, the corrected figures, differences and proportions."""

from __future__ import annotations

import math

import numpy as np

from server.measure.adjust import Correction, rogan_gladen
from server.measure.metrics.bootstrap import (
    MIN_COMMENTS,
    Question,
    _draws,
    _figure,
    _figures,
    _net,
    _profile,
    _rates,
    _resampled_sums,
    _tvd,
    seed_for,
)
from server.measure.metrics.sample import Figure, Sample


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
    sensitivity and specificity (``server.measure.adjust``), and the shares are the corrected rates
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
