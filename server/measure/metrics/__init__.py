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

Its rooms: ``sample`` (the matrices, and loading them), ``bootstrap`` (intervals, seeded),
``figures`` (the metrics) and ``series`` (per period).
"""

from __future__ import annotations

from server.measure.metrics.bootstrap import BOOTSTRAP, CONFIDENCE, MIN_COMMENTS, Question, seed_for
from server.measure.metrics.figures import (
    FIGURES,
    attribute_figures,
    corrected_figures,
    difference,
    figure_draws,
    gap_figures,
    leaders,
    message_gap,
    ownership,
    proportion,
    proportion_change,
    share_of_voice,
    two_proportion_z,
)
from server.measure.metrics.sample import Figure, Sample, load_sample
from server.measure.metrics.series import period_start, series

__all__ = [
    "BOOTSTRAP",
    "CONFIDENCE",
    "FIGURES",
    "MIN_COMMENTS",
    "Figure",
    "Question",
    "Sample",
    "attribute_figures",
    "corrected_figures",
    "difference",
    "figure_draws",
    "gap_figures",
    "leaders",
    "load_sample",
    "message_gap",
    "ownership",
    "period_start",
    "proportion",
    "proportion_change",
    "seed_for",
    "series",
    "share_of_voice",
    "two_proportion_z",
]
