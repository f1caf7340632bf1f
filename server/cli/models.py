"""The classifier: ``classify``, ``train`` and ``eval``."""

from __future__ import annotations

import json

import click

from server import settings
from server.cli.base import _encoder_options, friendly, main, plain_model, progress, workspace


@main.command()
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--limit", type=click.IntRange(1), help="Tag at most this many comments.")
@friendly
def classify(batch_size: int, limit: int | None) -> None:
    """Tag every comment the current model has not tagged yet (new, or after a retrain/edit)."""
    from server.classify.languages import scored_languages
    from server.classify.tagging import (
        adapt_to_ratings,
        current_tagger,
        detect_languages,
        not_scored,
        pending_count,
    )
    from server.jobs.classifier import classify_pending

    with workspace() as db:
        options = _encoder_options()
        scored = scored_languages(options.setting)
        detect_languages(db, scored)
        adapted = adapt_to_ratings(db, options, scored)  # first: it may make everything pending
        tagger, version = current_tagger(db, options)
        todo = pending_count(db, tagger.model_id, version, scored)
        if limit is not None:
            todo = min(todo, limit)
        with progress(todo, "Classifying") as bar:
            report = classify_pending(
                db, batch_size=batch_size, limit=limit, options=options, progress=bar.update, adapt=False,
                adapted=adapted,
            )  # fmt: skip
        unread = not_scored(db, scored)
    if adapted is not None:
        before, after = adapted["agreement_before"], adapted["agreement_after"]
        verdict = "now used" if adapted["status"] == "active" else "not used: " + adapted.get("reason", "")
        learned, rated = adapted["learned_from"], adapted["ratings"]
        click.echo(f"Sentiment learned from {learned} of this workspace's {rated} star ratings: on other "
                   f"authors' ratings it agrees {before:.0%} → {after:.0%}; {verdict}.")  # fmt: skip
    said = plain_model(report.model)
    click.echo(f"Tagged {report.tagged} comments (customers' and the brands' own): {said} "
               f"(taxonomy version {report.taxonomy_version}; model {report.model[:40]}…).")  # fmt: skip
    if unread["comments"]:
        languages = ", ".join(f"{n} {name}" for name, n in unread["languages"].items())
        click.echo(
            f"Not scored: {unread['comments']} comments in languages the model does not read ({languages})."
        )


@main.command()
@click.option("--from", "labelled", type=click.Path(exists=True, dir_okay=False),
              help="A labelled JSONL file to learn from as well (see docs/classifiers.md).")  # fmt: skip
@click.option("--mode", type=click.Choice(["auto", "logistic", "setfit", "endtoend"]), default="auto",
              show_default=True, help="How to learn (auto: by how much is labelled).")  # fmt: skip
@click.option("--epochs", default=4, show_default=True, type=click.IntRange(1, 50))
@friendly
def train(labelled: str | None, mode: str, epochs: int) -> None:
    """Train the classifier on corrections, the taxonomy's examples and a labelled file."""
    from server.jobs.learning import train as train_model

    with workspace() as db:
        bar_state = {"shown": 0}
        with progress(1000, "Training") as bar:

            def step(_stage: str, fraction: float) -> None:
                target = int(fraction * 1000)
                bar.update(target - bar_state["shown"])
                bar_state["shown"] = target

            report = train_model(
                db, settings.load()["DB"], labelled_file=labelled, mode=mode, epochs=epochs,
                options=_encoder_options(), progress=step,
            )  # fmt: skip
    click.echo(
        f"Trained a {report.kind} model on {report.examples} labelled examples; it is now active "
        f"({report.folder}). Run `gapwatch classify` to re-tag."
    )


@main.command("eval")
@click.option("--workspace", "on_workspace", is_flag=True,
              help="Audit the current model on the workspace's labelled random sample instead.")  # fmt: skip
@click.option("--taxonomy", "taxonomy_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--train", "train_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--mode", type=click.Choice(["auto", "logistic", "setfit", "endtoend"]), default="auto",
              show_default=True, help="How to learn from --train (auto: by its size).")  # fmt: skip
@click.option("--epochs", default=4, show_default=True, type=click.IntRange(1, 50))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.argument("test_file", required=False, type=click.Path(exists=True, dir_okay=False))
@friendly
def eval_(on_workspace: bool, taxonomy_file: str | None, train_file: str | None, mode: str, epochs: int,
          as_json: bool, test_file: str | None) -> None:  # fmt: skip
    """Measure the classifier: train on TRAIN (or use the taxonomy alone), score TEST; or, with
    --workspace, the current model on the workspace's labelled random sample (the review queue)."""
    from classifiers.audit import run_eval

    if on_workspace:
        from server.cli.review import print_audit

        print_audit(as_json)
        return
    if taxonomy_file is None or test_file is None:
        raise click.UsageError("give --taxonomy TAXONOMY.json and TEST.jsonl, or --workspace")

    result = run_eval(
        taxonomy_file, test_file, train_file=train_file, mode=mode, epochs=epochs,
        options=_encoder_options(),
    )  # fmt: skip
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"model: {result['model']} ({result['kind']}, {result['comments']} test comments)")
    click.echo(f"micro-F1 {result['micro_f1'] * 100:.1f}   macro-F1 {result['macro_f1'] * 100:.1f}")
    for key, m in result["per_attribute"].items():
        click.echo(
            f"  {key:<16} P {m['precision'] * 100:5.1f}  R {m['recall'] * 100:5.1f}  "
            f"F1 {m['f1'] * 100:5.1f}  support {m['support']}"
        )
    if result["polarity_accuracy"] is not None:
        click.echo(
            f"polarity accuracy {result['polarity_accuracy'] * 100:.1f} "
            f"({result['polarity_pairs']} attribute mentions)"
        )
    click.echo(f"speed {result['comments_per_second']:.0f} comments/s")
