"""CLI commands for the review queues and the audit: ``gapwatch review sample|uncertain`` and
``gapwatch eval --workspace``'s printing (``server.measure.audit``)."""

from __future__ import annotations

import json

import click

from server.cli.base import friendly, main, workspace


@main.group()
def review() -> None:
    """Queue comments for people to label (the labels measure and teach the classifier)."""


@review.command("sample")
@click.option("--per-stratum", default=10, show_default=True, type=click.IntRange(1, 500),
              help="Comments drawn per brand and leading attribute (and per brand with none).")  # fmt: skip
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 3650),
              help="Draw from the latest days that have comments.")  # fmt: skip
@click.option("--seed", type=int, help="Make the draw repeatable.")
@friendly
def review_sample(per_stratum: int, days: int, seed: int | None) -> None:
    """Draw a stratified random sample into the random queue (the audit's sample)."""
    from server.classify.review import draw_sample

    with workspace() as db:
        result = draw_sample(db, per_stratum=per_stratum, days=days, seed=seed)
    click.echo(f"Drew {result['drawn']} comments from {len(result['strata'])} strata into the random queue.")


@review.command("uncertain")
@click.option("--count", default=20, show_default=True, type=click.IntRange(1, 200))
@friendly
def review_uncertain(count: int) -> None:
    """Queue the comments the model is least sure of (for training; not in the audit)."""
    from server.classify.review import draw_uncertain

    with workspace() as db:
        result = draw_uncertain(db, count=count)
    click.echo(
        f"Queued {result['drawn']} comments in the least-certain queue "
        f"({result['rating_disagrees']} first: their star rating disagrees with their sentiment tag)."
    )


def print_audit(as_json: bool) -> None:
    """The audit of the current model on the workspace's labelled random sample."""
    from server.measure.audit import audit

    with workspace() as db:
        result = audit(db)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"{result['labelled']} labelled comments in the random sample (model: "
               f"{', '.join(result['models']) or 'none'})")  # fmt: skip
    if result["note"]:
        click.echo(result["note"])
        return

    def pct(figure: dict) -> str:
        if figure["value"] is None:
            return "    –        "
        return f"{figure['value'] * 100:5.1f} [{figure['low'] * 100:.0f}–{figure['high'] * 100:.0f}]"

    for a in result["attributes"]:
        click.echo(f"  {a['attribute']:<16} P {pct(a['precision'])}  R {pct(a['recall'])}  "
                   f"F1 {pct(a['f1'])}  (said {a['precision']['n']}, true {a['recall']['n']})")  # fmt: skip
    if result["sentiment"]:
        click.echo(f"sentiment accuracy {pct(result['sentiment'])} ({result['sentiment']['n']} labelled)")
