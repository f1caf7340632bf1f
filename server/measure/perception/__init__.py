"""What the pages and the JSON API show about perception: the metrics of ``server.measure.metrics``
assembled for a brand (gap), over time (trends) and across brands (competitors).

One function per view; the API answers their result as JSON and the pages will render the same.

Its rooms: ``scope`` (what is asked, and the memos), ``gap`` (a brand, and its trends),
``competitors`` and ``overview``.
"""

from __future__ import annotations

from server.measure.perception.competitors import competitors
from server.measure.perception.gap import brand_gap, brand_trends
from server.measure.perception.overview import PERIODS, default_period, overview, preset_period
from server.measure.perception.scope import INTERVALS, Scope

__all__ = [
    "INTERVALS",
    "PERIODS",
    "Scope",
    "brand_gap",
    "brand_trends",
    "competitors",
    "default_period",
    "overview",
    "preset_period",
]
