"""Shares corrected for the classifier's errors (issue 9): the Rogan–Gladen estimator.

If the classifier finds an attribute with sensitivity *se* (recall: the share of comments about
it that it tags) and specificity *sp* (the share of the others it leaves untagged), the share it
reports, p, relates to the true share π by p = se·π + (1 − sp)·(1 − π), so

    π = (p + sp − 1) / (se + sp − 1)        (Rogan & Gladen 1978)

clipped to [0, 1]. When se + sp ≤ 1 the classifier tells nothing about the attribute and there is
no correction. *se* and *sp* come from the audit's labelled random sample (``server.audit``), so
the corrected share is uncertain for two reasons: the comments (p) and the audit (se, sp). Its
interval comes from a bootstrap over both at once: each replicate resamples the comments (a
binomial draw of the tagged count) and the audit sample (within its strata), and recomputes π.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

RESAMPLES = 1000
LEVEL = 0.95


def rogan_gladen(observed: np.ndarray | float, sensitivity: np.ndarray | float,
                 specificity: np.ndarray | float) -> np.ndarray:  # fmt: skip
    """The true share behind an ``observed`` one, element-wise; NaN where se + sp ≤ 1."""
    observed, se, sp = (np.asarray(x, dtype=float) for x in (observed, sensitivity, specificity))
    youden = se + sp - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        corrected = (observed + sp - 1) / youden
    return np.where(youden > 0, np.clip(corrected, 0.0, 1.0), np.nan)


def stratified_resamples(
    stratum: np.ndarray, resamples: int, rng: np.random.Generator
) -> Iterator[np.ndarray]:
    """Bootstrap replicates of a stratified sample, as multiplicities of its items: each
    replicate draws every stratum's items again with replacement, as many as it has (the
    sample's own design)."""
    members = [np.flatnonzero(stratum == s) for s in np.unique(stratum)]
    for _ in range(resamples):
        counts = np.zeros(len(stratum))
        for m in members:
            np.add.at(counts, rng.choice(m, size=len(m)), 1)
        yield counts


@dataclass(frozen=True)
class AuditSample:
    """One attribute's audit: for each labelled comment, its truth, the model's verdict, its
    stratum (index) and design weight."""

    truth: np.ndarray  # bool
    predicted: np.ndarray  # bool
    stratum: np.ndarray  # int
    weight: np.ndarray  # float

    def rates(self, counts: np.ndarray | None = None) -> tuple[float, float]:
        """(sensitivity, specificity), design-weighted; ``counts`` multiplies the weights (a
        bootstrap replicate)."""
        w = self.weight if counts is None else self.weight * counts
        positives, negatives = (w * self.truth).sum(), (w * ~self.truth).sum()
        se = (w * (self.truth & self.predicted)).sum() / positives if positives else np.nan
        sp = (w * (~self.truth & ~self.predicted)).sum() / negatives if negatives else np.nan
        return float(se), float(sp)

    def replicates(self, resamples: int, rng: np.random.Generator) -> np.ndarray:
        """(resamples, 2) sensitivities and specificities, resampling within each stratum."""
        return np.array([self.rates(counts) for counts in stratified_resamples(self.stratum, resamples, rng)])


def corrected_share(tagged: int, comments: int, sample: AuditSample, *, resamples: int = RESAMPLES,
                    seed: int = 0) -> dict:  # fmt: skip
    """The share of ``comments`` truly about the attribute, from the ``tagged`` count and the
    audit ``sample``, with its interval over both sources of uncertainty; ``None`` values and a
    note when the audit cannot correct (no labelled comment with or without the attribute, or a
    classifier no better than chance)."""
    if comments <= 0:
        return {"value": None, "note": "no comments"}
    se, sp = sample.rates()
    point = float(rogan_gladen(tagged / comments, se, sp)) if np.isfinite([se, sp]).all() else np.nan
    if np.isnan(point):
        return {"value": None, "note": "the audit cannot correct this share yet", "sensitivity": se,
                "specificity": sp}  # fmt: skip
    rng = np.random.default_rng(seed)
    observed = rng.binomial(comments, tagged / comments, size=resamples) / comments
    rates = sample.replicates(resamples, rng)
    draws = rogan_gladen(observed, rates[:, 0], rates[:, 1])
    low, high = np.nanpercentile(draws, [100 * (1 - LEVEL) / 2, 100 * (1 + LEVEL) / 2])
    return {"value": round(point, 4), "low": round(float(low), 4), "high": round(float(high), 4),
            "n": comments, "audit_n": len(sample.truth), "sensitivity": round(se, 4),
            "specificity": round(sp, 4), "observed": round(tagged / comments, 4)}  # fmt: skip
