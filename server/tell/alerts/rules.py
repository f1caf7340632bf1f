"""The rules: every check, per brand, with its parameters."""

from __future__ import annotations

import json

from sqlite_utils import Database

from server.errors import Invalid, NotFound
from server.store.db import utcnow, write_transaction
from server.tell.alerts.checks import _LIMITS, DEFAULTS, KINDS

# --- rules ------------------------------------------------------------------------------------------


def ensure_rules(db: Database) -> None:
    """Give every brand every rule with its defaults, once: on for the workspace's own brand, off
    for competitors (turn one on to watch them). Called where brands are added (the setup page,
    `gapwatch brands add`, the demo) and before every alert check; reading the rules never writes."""
    from server.store.brands import list_brands

    have = {(r[0], r[1]) for r in db.execute("SELECT brand_id, kind FROM alert_rules")}
    missing = [{"brand_id": b["id"], "kind": k, "enabled": int(bool(b["is_ours"])),
                "params": json.dumps(DEFAULTS[k]), "updated_at": utcnow()}
               for b in list_brands(db, counts=False) for k in KINDS if (b["id"], k) not in have]  # fmt: skip
    if missing:
        with write_transaction(db):
            db["alert_rules"].insert_all(missing)


def list_rules(db: Database) -> list[dict]:
    """Every stored rule with its brand's name (a read: a brand gets its rules by ``ensure_rules``)."""
    rows = db.query("SELECT r.*, b.name AS brand FROM alert_rules r JOIN brands b ON b.id = r.brand_id "
                    "ORDER BY b.name, r.id")  # fmt: skip
    return [{**r, "enabled": bool(r["enabled"]), "params": json.loads(r["params"]),
             "description": KINDS[r["kind"]]} for r in rows]  # fmt: skip


def update_rule(db: Database, rule_id: int, *, enabled: bool | None = None, params: dict | None = None,
                by: str | None = None) -> dict:  # fmt: skip
    """Turn a rule on or off and/or change some of its parameters (checked against their ranges)."""
    rows = list(db.query("SELECT * FROM alert_rules WHERE id = ?", [rule_id]))
    if not rows:
        raise NotFound(f"no alert rule {rule_id}")
    rule = rows[0]
    merged = json.loads(rule["params"])
    if params is not None:
        if not isinstance(params, dict):
            raise Invalid("params must be an object of parameter: number")
        for name, value in params.items():
            if name not in DEFAULTS[rule["kind"]]:
                raise Invalid(f"{rule['kind']} has no parameter {str(name)[:40]!r}; it has "
                              f"{', '.join(DEFAULTS[rule['kind']])}")  # fmt: skip
            low, high = _LIMITS[name]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
                raise Invalid(f"{name} must be a number from {low} to {high}")
            merged[name] = value
    if enabled is not None and not isinstance(enabled, bool):
        raise Invalid("enabled must be true or false")
    changes = {"params": json.dumps(merged), "updated_at": utcnow(), "updated_by": by}
    if enabled is not None:
        changes["enabled"] = int(enabled)
    with write_transaction(db):
        db["alert_rules"].update(rule_id, changes)
    return next(r for r in list_rules(db) if r["id"] == rule_id)
