"""Is the classifier drifting? The two signals the overview shows (issue 9).

- **The audit fell for a new model.** Every time the labelled random sample or the model's tags
  of it change, the audit (``server.measure.audit``) is kept as a snapshot: per attribute F1 and the
  sentiment accuracy, with their intervals (``record_audit``; the classifier job,
  ``server.jobs.classifier.classify_pending``, runs it before it re-tags and after every run, so labels
  saved since count on its next run; reading the overview writes nothing). When the model now tagging
  scores lower than the previous model did, so that the previous model's figure lies above the
  new one's 95 % interval, the overview says which figure fell, from what to what.
- **More comments carry no attribute.** The share of customer comments that no attribute claims
  in the period shown against the period before it: when it rose by at least
  ``UNCLAIMED_RISE`` and a two-proportion z-test gives z ≥ ``UNCLAIMED_Z`` (about one chance
  in a thousand of noise), customers may be talking about something the taxonomy lacks (see
  Themes), or the classifier may no longer recognise how they say it.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from server.measure.audit import MIN_LABELLED, audit, labelled_comments, labels_digest
from server.measure.metrics import two_proportion_z
from server.store.db import utcnow, write_transaction

SNAPSHOT_RESAMPLES = 300
UNCLAIMED_RISE = 0.05
UNCLAIMED_Z = 3.0
MIN_COMMENTS = 30


def record_audit(db: Database) -> bool:
    """Keep a snapshot of the audit if its labels or the model's tags changed since the last one
    (and one model tags the whole sample); answer whether one was taken."""
    labelled = labelled_comments(db)
    models = sorted({r["model"] for r in labelled})
    if len(labelled) < MIN_LABELLED or len(models) != 1:
        return False
    digest = labels_digest(labelled)
    last = db.execute("SELECT digest FROM audit_snapshots ORDER BY id DESC LIMIT 1").fetchone()
    if last is not None and last[0] == digest:
        return False
    result = audit(db, resamples=SNAPSHOT_RESAMPLES)
    figures = {
        "f1": {a["attribute"]: a["f1"] for a in result["attributes"]},
        "sentiment": result["sentiment"],
    }
    with write_transaction(db):
        db["audit_snapshots"].insert({"taken_at": utcnow(), "model": models[0], "labelled": len(labelled),
                                      "digest": digest, "figures": json.dumps(figures)})  # fmt: skip
    return True


def snapshots(db: Database, limit: int = 50) -> list[dict]:
    """The latest audit snapshots, newest first."""
    rows = db.query("SELECT * FROM audit_snapshots ORDER BY id DESC LIMIT ?", [limit])
    return [{**r, "figures": json.loads(r["figures"])} for r in rows]


def audit_fell(db: Database) -> list[dict]:
    """The figures of the model tagging now that fell below the previous model's."""
    kept = snapshots(db)
    if not kept:
        return []
    now = kept[0]
    before = next((s for s in kept if s["model"] != now["model"]), None)
    if before is None:
        return []
    pairs = [(f"F1 for {attribute.replace('_', ' ')}", figure, before["figures"]["f1"].get(attribute))
             for attribute, figure in now["figures"]["f1"].items()]  # fmt: skip
    pairs.append(("sentiment accuracy", now["figures"]["sentiment"], before["figures"]["sentiment"]))
    notices = []
    for what, current, previous in pairs:
        if not current or not previous or current.get("value") is None or previous.get("value") is None:
            continue
        if current["high"] < previous["value"]:
            notices.append({
                "kind": "audit_fell",
                "figure": what,
                "message": (f"The classifier's {what} fell from {previous['value']:.2f} "
                            f"(model {before['model']}) to {current['value']:.2f} "
                            f"[{current['low']:.2f}–{current['high']:.2f}] "
                            f"(model {now['model']}), on {now['labelled']} labelled comments."),
                "before": previous, "now": current, "link": "audit",
            })  # fmt: skip
    return notices


def unclaimed_rose(before: tuple[int, int], now: tuple[int, int]) -> dict | None:
    """A notice when the share of customer comments with no attribute rose significantly: ``before``
    and ``now`` are (comments no attribute claims, comments) of the previous period and this one."""
    (none_before, n_before), (none_now, n_now) = before, now
    if min(n_before, n_now) < MIN_COMMENTS:
        return None
    share_before, share_now = none_before / n_before, none_now / n_now
    z = two_proportion_z(none_before, n_before, none_now, n_now)
    if share_now - share_before < UNCLAIMED_RISE or z < UNCLAIMED_Z:
        return None
    return {
        "kind": "unclaimed_rose",
        "message": (f"{share_now:.0%} of customer comments in this period carry no attribute, up from "
                    f"{share_before:.0%} in the period before ({n_now} and {n_before} comments): customers "
                    "may be talking about something the taxonomy lacks, or the classifier may no longer "
                    "recognise how they say it."),
        "before": round(share_before, 4), "now": round(share_now, 4), "z": round(z, 2), "link": "themes",
    }  # fmt: skip


def notices(db: Database, current: dict, previous: dict | None) -> list[dict]:
    """Everything the overview should tell the team about drift, from the gap answers of this
    period and the one before (``server.measure.perception.brand_gap``), newest audit first. Reads only:
    the snapshots are the classifier job's."""
    found = audit_fell(db)
    if previous is not None:
        rose = unclaimed_rose(
            (previous["unclaimed"], previous["comments"]), (current["unclaimed"], current["comments"])
        )
        found += [rose] if rose else []
    return found
