"""Shares corrected for the classifier's errors (issue 9): the Rogan–Gladen estimator.

If the classifier finds an attribute with sensitivity *se* (recall: the share of comments about
it that it tags) and specificity *sp* (the share of the others it leaves untagged), the share it
reports, p, relates to the true share π by p = se·π + (1 − sp)·(1 − π), so

    π = (p + sp − 1) / (se + sp − 1)        (Rogan & Gladen 1978)

clipped to [0, 1]. When se + sp ≤ 1 the classifier tells nothing about the attribute and there is
no correction. *se* and *sp* come from the audit's labelled random sample (``server.measure.audit``), so
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
    """The audit of one attribute (``truth`` and ``predicted`` of shape (n,)) or of several at
    once ((n, k), one column per attribute, one bootstrap for all): for each labelled comment,
    the truth, the model's verdict, its stratum (index) and design weight."""

    truth: np.ndarray  # bool
    predicted: np.ndarray  # bool
    stratum: np.ndarray  # int
    weight: np.ndarray  # float

    def rates(self, counts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(sensitivity, specificity), design-weighted, one per attribute (NaN where the sample
        has no comment with, or without, it); ``counts`` multiplies the weights (a bootstrap
        replicate)."""
        w = self.weight if counts is None else self.weight * counts
        if self.truth.ndim == 2:
            w = w[:, None]
        truth, predicted = self.truth.astype(bool), self.predicted.astype(bool)
        positives, negatives = (w * truth).sum(axis=0), (w * ~truth).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.where(positives > 0, (w * (truth & predicted)).sum(axis=0) / positives, np.nan)
            sp = np.where(negatives > 0, (w * (~truth & ~predicted)).sum(axis=0) / negatives, np.nan)
        return se, sp

    def replicates(self, resamples: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Sensitivities and specificities of ``resamples`` bootstrap replicates (resampling
        within each stratum), each of shape (resamples,) or (resamples, k)."""
        draws = [self.rates(counts) for counts in stratified_resamples(self.stratum, resamples, rng)]
        return np.array([d[0] for d in draws]), np.array([d[1] for d in draws])

    def posterior_replicates(self, resamples: int, rng: np.random.Generator,
                             prior: float = 0.5) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Like ``replicates``, but each stratum's shares of true and false positives and
        negatives are drawn from their posterior, a Dirichlet over the stratum's labelled counts
        plus ``prior`` (Jeffreys) in each cell the stratum can hold, rather than resampled. A
        bootstrap cannot imagine what the sample did not show: a stratum where no miss was
        labelled would give a sensitivity of 1 in every replicate. The posterior can, which
        keeps the coverage of a rare attribute's interval near 95 % (bench/corrected.py).
        Attributes are drawn independently; shape (resamples, k) each."""
        truth = self.truth.astype(bool).reshape(len(self.truth), -1)
        predicted = self.predicted.astype(bool).reshape(len(self.truth), -1)
        cells = 2 * truth + predicted  # 0 true negative, 1 false positive, 2 miss, 3 true positive
        strata = np.unique(self.stratum)
        counts = np.zeros((len(strata), truth.shape[1], 4))
        sizes = np.zeros(len(strata))
        for h, stratum in enumerate(strata):
            members = self.stratum == stratum
            sizes[h] = self.weight[members].sum()
            for cell in range(4):
                counts[h, :, cell] = (cells[members] == cell).sum(axis=0)
        said = np.stack([counts[..., 0] + counts[..., 2], counts[..., 1] + counts[..., 3]], axis=-1) > 0
        possible = np.concatenate([said, said], axis=-1)  # cell 2t + p can occur where p was said
        shape = np.where(possible, counts + prior, 0.0)
        draws = np.where(shape > 0, rng.gamma(np.maximum(shape, 1e-12), size=(resamples, *shape.shape)), 0.0)
        shares = draws / draws.sum(axis=-1, keepdims=True)
        population = np.einsum("h,bhkc->bkc", sizes, shares)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = population[..., 3] / (population[..., 3] + population[..., 2])
            sp = population[..., 0] / (population[..., 0] + population[..., 1])
        if self.truth.ndim == 1:
            return se[:, 0], sp[:, 0]
        return se, sp


@dataclass(frozen=True)
class Correction:
    """What the workspace's audit lets the figures correct: per attribute the classifier's
    sensitivity and specificity with their bootstrap replicates, and which attributes have enough
    labels (``notes`` says why the others do not)."""

    attributes: list[str]
    sensitivity: np.ndarray  # (k,), NaN where not correctable
    specificity: np.ndarray  # (k,)
    draws: tuple[np.ndarray, np.ndarray]  # (resamples, k) each
    labelled: int
    models: list[str]
    key: str  # a digest of the labels and tags it comes from
    notes: dict[str, str]

    @property
    def complete(self) -> bool:
        """Every attribute is corrected."""
        return not self.notes

    @property
    def any(self) -> bool:
        """At least one attribute is corrected."""
        return len(self.notes) < len(self.attributes)

    def summary(self) -> dict:
        return {"labelled": self.labelled, "models": self.models,
                "corrected": [a for a in self.attributes if a not in self.notes],
                "not_corrected": self.notes}  # fmt: skip


def make_correction(
    attributes: list[str], sample: AuditSample, *, labelled: int, models: list[str], key: str,
    min_labels: int, resamples: int = RESAMPLES, seed: int = 0,
) -> Correction:  # fmt: skip
    """The correction an audit sample (one column per attribute) allows: an attribute is corrected
    when at least ``min_labels`` labelled comments have it and as many do not, and the classifier
    does better than chance on it (sensitivity + specificity > 1)."""
    truth = sample.truth.astype(bool)
    se, sp = sample.rates()
    notes = {}
    for j, attribute in enumerate(attributes):
        having, lacking = int(truth[:, j].sum()), int((~truth[:, j]).sum())
        if having < min_labels or lacking < min_labels:
            notes[attribute] = (f"too few labelled comments with and without it ({having} and {lacking}; "
                                f"{min_labels} of each are needed)")  # fmt: skip
        elif not se[j] + sp[j] > 1:
            notes[attribute] = "the classifier does no better than chance on it"
    keep = np.array([a not in notes for a in attributes])
    draws = sample.posterior_replicates(resamples, np.random.default_rng(seed))
    return Correction(list(attributes), np.where(keep, se, np.nan), np.where(keep, sp, np.nan),
                      (np.where(keep, draws[0], np.nan), np.where(keep, draws[1], np.nan)),
                      labelled, models, key, notes)  # fmt: skip


def corrected_share(tagged: int, comments: int, sample: AuditSample, *, resamples: int = RESAMPLES,
                    seed: int = 0) -> dict:  # fmt: skip
    """The share of ``comments`` truly about the attribute, from the ``tagged`` count and the
    audit ``sample``, with its interval over both sources of uncertainty; ``None`` values and a
    note when the audit cannot correct (no labelled comment with or without the attribute, or a
    classifier no better than chance)."""
    if comments <= 0:
        return {"value": None, "note": "no comments"}
    se, sp = (float(x) for x in sample.rates())
    point = float(rogan_gladen(tagged / comments, se, sp)) if np.isfinite([se, sp]).all() else np.nan
    if np.isnan(point):
        return {"value": None, "note": "the audit cannot correct this share yet", "sensitivity": se,
                "specificity": sp}  # fmt: skip
    rng = np.random.default_rng(seed)
    observed = rng.binomial(comments, tagged / comments, size=resamples) / comments
    draws = rogan_gladen(observed, *sample.replicates(resamples, rng))
    low, high = np.nanpercentile(draws, [100 * (1 - LEVEL) / 2, 100 * (1 + LEVEL) / 2])
    return {"value": round(point, 4), "low": round(float(low), 4), "high": round(float(high), 4),
            "n": comments, "audit_n": len(sample.truth), "sensitivity": round(se, 4),
            "specificity": round(sp, 4), "observed": round(tagged / comments, 4)}  # fmt: skip
