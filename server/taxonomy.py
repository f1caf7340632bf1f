"""The shared vocabulary (versioned attributes) and each brand's declared positioning."""

from __future__ import annotations

import json

from sqlite_utils import Database

from .brands import get_brand
from .db import utcnow
from .errors import Invalid

DEFAULT_TAXONOMY: tuple[dict, ...] = (
    {
        "key": "reliability",
        "name": "Reliability",
        "definition": "The product works when needed: no outages, no data loss, no surprises.",
        "examples": ["it just works", "never went down", "rock solid", "we never lost a file"],
    },
    {
        "key": "innovation",
        "name": "Innovation",
        "definition": "New, clever or ahead-of-the-market features and ideas.",
        "examples": ["cutting-edge", "the AI features are clever", "ahead of everyone else"],
    },
    {
        "key": "support",
        "name": "Support",
        "definition": "How the company helps: answers, fixes, onboarding, documentation.",
        "examples": ["support answered in minutes", "the help team fixed it", "great onboarding"],
    },
    {
        "key": "price",
        "name": "Price",
        "definition": "Cost and value for money: plans, fees, discounts, what you get for it.",
        "examples": ["worth every penny", "too expensive", "the free plan is generous"],
    },
    {
        "key": "ease_of_use",
        "name": "Ease of use",
        "definition": "How simple it is to set up, learn and use day to day.",
        "examples": ["easy to set up", "intuitive interface", "my parents can use it"],
    },
    {
        "key": "performance",
        "name": "Performance",
        "definition": "Speed and efficiency: how fast it syncs, loads and responds.",
        "examples": ["blazing fast", "sync takes ages", "light on battery"],
    },
)


def current_version(db: Database) -> int | None:
    return db.execute("SELECT max(version) FROM taxonomy_versions").fetchone()[0]


def ensure_taxonomy(db: Database) -> int:
    """Create taxonomy version 1 in an empty workspace; answer the current version."""
    version = current_version(db)
    if version is not None:
        return version
    with db.atomic():
        db["taxonomy_versions"].insert(
            {"version": 1, "note": "default taxonomy", "created_at": utcnow()}
        )
        db["attributes"].insert_all(
            {**a, "examples": json.dumps(a["examples"]), "taxonomy_version": 1}
            for a in DEFAULT_TAXONOMY
        )
    return 1


def current_attributes(db: Database) -> list[dict]:
    version = current_version(db)
    rows = db.query(
        "SELECT key, name, definition, examples, taxonomy_version FROM attributes "
        "WHERE taxonomy_version = ? ORDER BY id",
        [version],
    )
    return [{**row, "examples": json.loads(row["examples"])} for row in rows]


def set_positioning(
    db: Database, brand: str, weights: dict[str, float], statement: str | None = None
) -> None:
    """Declare what ``brand`` claims to stand for: weights over current attributes, summing to 1."""
    brand_row = get_brand(db, brand)
    known = {a["key"] for a in current_attributes(db)}
    unknown = sorted(set(weights) - known)
    if unknown:
        raise Invalid(
            f"unknown attribute(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    if any(not 0 <= w <= 1 for w in weights.values()):
        raise Invalid("each weight must be between 0 and 1")
    total = sum(weights.values())
    if abs(total - 1) > 0.001:
        raise Invalid(f"weights must sum to 1, not {total:.3f}")
    with db.atomic():
        db.execute("DELETE FROM positioning WHERE brand_id = ?", [brand_row["id"]])
        db["positioning"].insert_all(
            {"brand_id": brand_row["id"], "attribute": k, "weight": w} for k, w in weights.items()
        )
        if statement is not None:
            db.execute(
                "UPDATE brands SET positioning_statement = ? WHERE id = ?",
                [statement, brand_row["id"]],
            )


def get_positioning(db: Database, brand: str) -> dict[str, float]:
    brand_row = get_brand(db, brand)
    return {
        row["attribute"]: row["weight"]
        for row in db.query("SELECT * FROM positioning WHERE brand_id = ?", [brand_row["id"]])
    }
