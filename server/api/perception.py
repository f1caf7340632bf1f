"""``/api/brands/<brand>/gap``, ``/api/brands/<brand>/trends``, ``/api/competitors``: the
perception figures, each with its interval and sample size (see ``server.measure.perception``)."""

from flask import current_app, jsonify, request

from server.api import bp
from server.classify.languages import scored_languages
from server.measure.perception import Scope, brand_gap, brand_trends, competitors, overview
from server.request_db import get_db


def _scope() -> Scope:
    return Scope.from_args(request.args, request.args.getlist("channel"))


@bp.get("/brands/<brand>/gap")
def gap(brand: str):
    """the brand's perception gap (SPEC §4) for `from`, `to` (dates, inclusive) and `channel` (repeatable):
    `{"brand", "scope", "comments", "unclaimed" (customer comments no attribute claims), "emitted",
    "gap_score", "message_gap", "attributes": [{"attribute", "declared", "share", "gap", "mention_rate",
    "net_sentiment", "emitted_share", "corrected_share", "corrected_mention_rate"}], "correction",
    "corrected_gap_score"}`. `"correction"` says whether figures corrected for the classifier's errors are
    available: `{"available", "labelled", "models", "corrected": [attributes], "not_corrected": {attribute:
    why}, "note"}`; the `corrected_*` figures are `null` while the audit has fewer than 10 labels, and
    `{"value": null, "note": "not corrected: …"}` for an attribute with too few. Each figure is `{"value",
    "low", "high", "n"}` with a 95 % bootstrap interval (seeded by the question: the same on reload), or
    `{"value": null, "note": "too few comments (12 < 30)"}` / `"no declared positioning"`. `<id>` is the
    brand's name"""
    return jsonify(brand_gap(get_db(), brand, _scope()))


@bp.get("/brands/<brand>/overview")
def overview_view(brand: str):
    """what the Overview page shows: the gap above plus `"previous"` (the period of equal length before),
    `"change"` of the gap score, `"reading"`, the gap in one sentence, and `"drift"`: notices `[{"kind":
    "audit_fell"|"unclaimed_rose", "message", "before", "now", "link"}]` (see "How sure are we?" in
    docs/pages.md),
    `"period_note"`: which period is shown and why, and `"not_scored"`: `{"comments", "languages": {name:
    count}}`, the brand's customer comments in the period that the model does not read (kept out of every
    figure). `period=30d|90d|365d|qtd|yoy` asks for a named period ending at the newest comment (`qtd`: this
    quarter to date; `yoy`: the latest 90 days against the same days a year before, as `"previous"`).
    Without `from`/`to` or `period`: the shortest of the latest 90, 180 or 365 days in which as many
    attributes have the 30 comments a net sentiment needs as in 365 days"""
    return jsonify(
        overview(
            get_db(),
            brand,
            _scope(),
            period=request.args.get("period") or None,
            scored=scored_languages(current_app.config["MODEL"]),
        )
    )


@bp.get("/brands/<brand>/trends")
def trends(brand: str):
    """`interval=auto` (the default: month, or quarter when fewer than half of the months' mentioned
    attributes have 30 comments), `month`, `week` or `quarter`, plus the filters above: `{"interval" (the
    one used), "declared", "correction", "periods": [{"start", "comments", "gap_score",
    "corrected_gap_score", "attributes": {a: {"share", "net_sentiment", "corrected_share"}}}]}`"""
    return jsonify(brand_trends(get_db(), brand, _scope(), request.args.get("interval") or "auto"))


@bp.get("/competitors")
def competitors_view():
    """attributes × brands with the filters above: per attribute its `leader` (the brand whose ownership
    interval lies above every other brand's, else null) and per brand `share`, `net_sentiment`,
    `mention_rate`, `ownership` (its mention rate divided by the sum of the brands' mention rates:
    independent of how many comments were collected per brand) and `share_of_voice` (its share of all
    mentions of the attribute: follows collection volume, never used for leading)"""
    return jsonify(competitors(get_db(), _scope()))


@bp.get("/brands/<brand>/language")
def language(brand: str):
    """the language gap: `from`, `to`, `attribute` (customers speaking of it). `{"brand",
    "customer_comments", "brand_pieces", "threshold", "customers": [{"phrase", "z", "delta", "customers",
    "brand"}], "brand_words": [...], "note"}`: the 1–3-word phrases distinctive of the customers'
    comments (z ≥ 1.96) and of the brand's own content (z ≤ −1.96), by weighted log-odds with an
    informative Dirichlet prior (Monroe, Colaresi & Quinn 2008), most distinctive first"""
    from server.measure.language_gap import language_gap

    scope = Scope.from_args(request.args)
    return jsonify(language_gap(get_db(), brand, start=scope.start, end=scope.end,
                                attribute=request.args.get("attribute") or None))  # fmt: skip


@bp.get("/brands/<brand>/report")
def report(brand: str):
    """the evidence pack: `period` (as `gapwatch report`), `format=json` (the default: every figure the
    report shows), `html` (one self-contained document) or `pdf` (a download). 400 for a bad period or
    format, or a brand without classified comments; 503 when the PDF library cannot run (the HTML still
    can)"""
    from server.answers import report_response

    return report_response(brand, request.args.get("period") or None, request.args.get("format", "json"))
