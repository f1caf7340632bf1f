"""The shared vocabulary (versioned attributes) and each brand's declared positioning."""

from __future__ import annotations

import json

from sqlite_utils import Database

from server.errors import Invalid
from server.store.brands import get_brand
from server.store.db import utcnow, write_transaction

DEFAULT_TAXONOMY: tuple[dict, ...] = (
    {
        "key": "reliability",
        "name": "Reliability",
        "definition": "The product works when needed: no outages, crashes, data loss or surprises.",
        "examples": [
            "it just works",
            "never went down",
            "rock solid",
            "we never lost a file",
            "it crashes every day",
            "the service was down again",
            "stable since day one",
            "it broke after the last update",
            "dependable and consistent",
            "sync keeps failing",
            "zero downtime in two years",
            "it stopped working after a week",
            "I can count on it",
            "constant bugs and glitches",
            "the hardware died within a month",
            "it has never let us down",
            "99.9% uptime",
        ],
    },
    {
        "key": "innovation",
        "name": "Innovation",
        "definition": "New, clever or ahead-of-the-market features and ideas.",
        "examples": [
            "cutting-edge",
            "the AI features are clever",
            "ahead of everyone else",
            "they ship new features all the time",
            "feels like the future",
            "a genuinely new idea",
            "nothing new in years",
            "the AI stuff is a gimmick",
            "innovative design",
            "first product to do this",
            "creative features nobody else has",
            "stuck in the past",
            "a fresh approach to an old problem",
            "state of the art technology",
            "they keep reinventing the product",
        ],
    },
    {
        "key": "support",
        "name": "Support",
        "definition": "How the company helps: answers, fixes, warranty, onboarding and documentation.",
        "examples": [
            "support answered in minutes",
            "the help team fixed it",
            "great onboarding",
            "customer service was rude",
            "nobody answered my ticket",
            "the documentation is excellent",
            "they replaced it under warranty",
            "support took a week to reply",
            "a real person walked me through it",
            "the chatbot is useless",
            "very helpful customer service",
            "they refused to honour the warranty",
            "the account manager checks in regularly",
            "I was on hold for an hour",
            "the tutorials answered all my questions",
        ],
    },
    {
        "key": "price",
        "name": "Price & value",
        "definition": "Cost and value for money: prices, plans, fees, discounts, what you get for it.",
        "examples": [
            "worth every penny",
            "too expensive",
            "the free plan is generous",
            "great value for money",
            "the price went up again",
            "cheaper than the competition",
            "hidden fees",
            "overpriced for what it does",
            "affordable for a small team",
            "a bargain",
            "not worth the money",
            "the subscription keeps getting pricier",
            "good deal on the yearly plan",
            "you pay extra for every feature",
            "reasonably priced",
        ],
    },
    {
        "key": "ease_of_use",
        "name": "Ease of use",
        "definition": "How simple it is to set up, learn and use day to day.",
        "examples": [
            "easy to set up",
            "intuitive interface",
            "my parents can use it",
            "confusing menus",
            "took five minutes to get started",
            "the settings are hard to find",
            "user friendly",
            "steep learning curve",
            "clean and simple",
            "everything is where you expect it",
            "too complicated for beginners",
            "the new layout is a mess",
            "works out of the box",
            "no training needed",
            "I could never figure out how to do it",
        ],
    },
    {
        "key": "performance",
        "name": "Performance",
        "definition": "Speed and efficiency: how fast it runs, loads and responds, battery and resources.",
        "examples": [
            "blazing fast",
            "sync takes ages",
            "light on battery",
            "it is slow to start",
            "the app lags constantly",
            "loads instantly",
            "eats all my memory",
            "the battery lasts all day",
            "runs smoothly",
            "the fan is loud under load",
            "sluggish with large files",
            "snappy and responsive",
            "it overheats",
            "uploads are really quick",
            "performance dropped after the update",
        ],
    },
    {
        "key": "security",
        "name": "Security & trust",
        "definition": "Safety of data and accounts: privacy, security, compliance and trust in the company.",
        "examples": [
            "I trust them with our data",
            "end-to-end encryption",
            "they had a data breach",
            "worried about privacy",
            "two-factor login",
            "GDPR compliant",
            "they sell our data",
            "passed our security audit",
            "my account was hacked",
            "transparent about data use",
            "no way to control who sees our files",
            "secure by default",
            "the privacy policy is vague",
            "SOC 2 certified",
            "I do not trust this company",
        ],
    },
    {
        "key": "integrations",
        "name": "Integrations",
        "definition": "How well it connects with other tools, platforms and devices: apps, APIs, ports.",
        "examples": [
            "integrates with Slack",
            "works with all our tools",
            "no API",
            "the Zapier integration is great",
            "does not connect to our CRM",
            "syncs with Google Drive",
            "easy to plug into our workflow",
            "missing a Linux app",
            "the API is well documented",
            "only two USB ports",
            "it would not pair with my phone",
            "connects to everything we use",
            "the calendar sync is broken",
            "plays well with Microsoft 365",
            "no export to Excel",
        ],
    },
)


def current_version(db: Database) -> int | None:
    return db.execute("SELECT max(version) FROM taxonomy_versions").fetchone()[0]


def ensure_taxonomy(db: Database) -> int:
    """Create taxonomy version 1 in an empty workspace; answer the current version."""
    version = current_version(db)
    if version is not None:
        return version
    with write_transaction(db):
        db["taxonomy_versions"].insert({"version": 1, "note": "default taxonomy", "created_at": utcnow()})
        db["attributes"].insert_all(
            {**a, "examples": json.dumps(a["examples"]), "taxonomy_version": 1} for a in DEFAULT_TAXONOMY
        )
    return 1


def save_taxonomy(
    db: Database, attributes: list[dict], note: str | None = None, by: str | None = None
) -> int:
    """Store an edited taxonomy as a new version (old tags keep theirs); answer the version.

    Each attribute needs a key or name and a definition. An attribute that a brand's declared
    positioning weighs cannot be removed (change the positioning first). Comments tagged under an
    older version are re-tagged by the next classification run.
    """
    from classifiers.taxonomy import TaxonomyError, parse_taxonomy

    if not isinstance(attributes, list):
        raise Invalid("the taxonomy must be a list of attributes")
    try:
        parsed = parse_taxonomy(attributes)
    except TaxonomyError as exc:
        raise Invalid(str(exc)) from None
    kept = {a.key for a in parsed}
    declared = db.execute(
        "SELECT b.name, p.attribute, p.weight FROM positioning p JOIN brands b ON b.id = p.brand_id "
        "WHERE p.weight > 0 ORDER BY b.name, p.attribute"
    ).fetchall()
    lost = [f"{name} declares {weight:.0%} {attribute}" for name, attribute, weight in declared
            if attribute not in kept]  # fmt: skip
    if lost:
        raise Invalid(
            f"cannot remove an attribute that a positioning weighs ({'; '.join(lost)}): "
            "change the positioning first"
        )
    version = (current_version(db) or 0) + 1
    with write_transaction(db):
        db["taxonomy_versions"].insert(
            {"version": version, "note": note, "created_at": utcnow(), "saved_by": by}
        )
        db["attributes"].insert_all(
            {
                "taxonomy_version": version,
                "key": a.key,
                "name": a.name,
                "definition": a.definition,
                "examples": json.dumps(list(a.examples)),
            }  # fmt: skip
            for a in parsed
        )
    return version


def current_attributes(db: Database) -> list[dict]:
    version = current_version(db)
    rows = db.query(
        "SELECT key, name, definition, examples, taxonomy_version FROM attributes "
        "WHERE taxonomy_version = ? ORDER BY id",
        [version],
    )
    return [{**row, "examples": json.loads(row["examples"])} for row in rows]


def attribute_keys(db: Database) -> list[str]:
    """The current attributes' keys, in the taxonomy's order."""
    return [a["key"] for a in current_attributes(db)]


def taxonomy_versions(db: Database) -> list[dict]:
    """Every taxonomy version, newest first, with its attribute keys."""
    rows = db.query(
        "SELECT v.version, v.note, v.created_at, v.saved_by, json_group_array(a.key) AS keys "
        "FROM taxonomy_versions v LEFT JOIN attributes a ON a.taxonomy_version = v.version "
        "GROUP BY v.version ORDER BY v.version DESC"
    )
    return [{**row, "keys": [k for k in json.loads(row["keys"]) if k]} for row in rows]


def set_positioning(
    db: Database,
    brand: str,
    weights: dict[str, float],
    statement: str | None = None,
    *,
    note: str | None = None,
    by: str | None = None,
) -> int:
    """Declare what ``brand`` claims to stand for: weights over current attributes, summing to 1.
    Saved as a new version (the earlier ones are kept); answers the version."""
    brand_row = get_brand(db, brand)
    if not isinstance(weights, dict) or not weights:
        raise Invalid("weights must be an object of attribute: weight, summing to 1")
    if any(isinstance(w, bool) or not isinstance(w, (int, float)) for w in weights.values()):
        raise Invalid("each weight must be a number between 0 and 1")
    if statement is not None and not isinstance(statement, str):
        raise Invalid("the statement must be text")
    known = {a["key"] for a in current_attributes(db)}
    unknown = sorted(set(weights) - known)
    if unknown:
        raise Invalid(f"unknown attribute(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    if any(not 0 <= w <= 1 for w in weights.values()):
        raise Invalid("each weight must be between 0 and 1")
    total = sum(weights.values())
    if abs(total - 1) > 0.001:
        raise Invalid(f"weights must sum to 1, not {total:.3f}")
    if statement is None:
        statement = brand_row.get("positioning_statement")
    with write_transaction(db):
        db.execute("DELETE FROM positioning WHERE brand_id = ?", [brand_row["id"]])
        db["positioning"].insert_all(
            {"brand_id": brand_row["id"], "attribute": k, "weight": w} for k, w in weights.items()
        )
        db.execute("UPDATE brands SET positioning_statement = ? WHERE id = ?", [statement, brand_row["id"]])
        version = db.execute(
            "SELECT coalesce(max(version), 0) + 1 FROM positioning_versions WHERE brand_id = ?",
            [brand_row["id"]],
        ).fetchone()[0]
        db["positioning_versions"].insert(
            {
                "brand_id": brand_row["id"],
                "version": version,
                "weights": json.dumps(weights),
                "statement": statement,
                "note": note,
                "saved_by": by,
                "created_at": utcnow(),
            }
        )
    return version


def positioning_history(db: Database, brand: str) -> list[dict]:
    """The brand's declared positionings, newest first."""
    brand_row = get_brand(db, brand)
    rows = db.query(
        "SELECT version, weights, statement, note, saved_by, created_at FROM positioning_versions "
        "WHERE brand_id = ? ORDER BY version DESC",
        [brand_row["id"]],
    )
    return [{**row, "weights": json.loads(row["weights"])} for row in rows]


def get_positioning(db: Database, brand: str) -> dict[str, float]:
    brand_row = get_brand(db, brand)
    return {
        row["attribute"]: row["weight"]
        for row in db.query("SELECT * FROM positioning WHERE brand_id = ?", [brand_row["id"]])
    }
