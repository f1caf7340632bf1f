"""The brands compared: ownership and share of voice of every attribute."""

from __future__ import annotations

from sqlite_utils import Database

from server.classify.taxonomy import attribute_keys
from server.measure.metrics import Question, attribute_figures, leaders, ownership, share_of_voice
from server.measure.perception.scope import _FIGURES, Scope, _sample
from server.measure.rollups import version as figures_version
from server.store.brands import list_brands


def competitors(db: Database, scope: Scope = Scope()) -> dict:
    """Attributes × brands: perceived share, net sentiment and ownership."""
    attributes = attribute_keys(db)
    brands = list_brands(db, counts=False)
    key = ("competitors", scope, tuple(attributes), tuple((b["id"], b["name"], b["is_ours"]) for b in brands),
           figures_version(db))  # fmt: skip
    cached = _FIGURES.get(key)
    if cached is not None:
        return cached
    return _FIGURES.put(key, _competitors(db, scope, attributes, brands))


def _competitors(db: Database, scope: Scope, attributes: list[str], brands: list[dict]) -> dict:
    samples = {b["name"]: _sample(db, b["id"], attributes, scope) for b in brands}
    figures = {
        name: attribute_figures(s, Question(scope.key("competitors", name))) for name, s in samples.items()
    }
    owned = ownership(samples, Question(scope.key("ownership")))
    voice = share_of_voice(samples, Question(scope.key("voice")))
    led = leaders(owned)
    return {
        "scope": scope.as_dict(),
        "brands": [
            {"name": b["name"], "is_ours": b["is_ours"], "comments": samples[b["name"]].n} for b in brands
        ],
        "attributes": [
            {
                "attribute": a,
                "leader": led.get(a),
                "brands": {
                    name: {
                        "share": figures[name][a]["share"].as_dict(),
                        "net_sentiment": figures[name][a]["net_sentiment"].as_dict(),
                        "mention_rate": figures[name][a]["mention_rate"].as_dict(),
                        "ownership": owned[a][name].as_dict() if a in owned else None,
                        "share_of_voice": voice[a][name].as_dict() if a in voice else None,
                    }
                    for name in samples
                },
            }
            for a in attributes
        ],
    }
