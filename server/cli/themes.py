"""CLI command for the themes nobody declared: ``gapwatch themes``."""

from __future__ import annotations

import json

import click

from server.cli.base import _encoder_options, friendly, main, progress, workspace


class _Bar:
    """A progress bar whose length is known only once the run has counted its comments."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar = None

    def start(self, total: int) -> None:
        self.bar = progress(total, self.label).__enter__()

    def update(self, n: int) -> None:
        self.bar.update(n)

    def __enter__(self) -> _Bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@main.command()
@click.option("--brand", "brands", multiple=True, help="Only this brand (repeatable; default: every brand).")
@click.option("--if-changed", is_flag=True, help="Skip a brand whose unclaimed comments are unchanged.")
@click.option("--list", "list_only", is_flag=True, help="Print the current themes; find none again.")
@click.option("--json", "as_json", is_flag=True, help="Print the themes as JSON.")
@friendly
def themes(brands: tuple[str, ...], if_changed: bool, list_only: bool, as_json: bool) -> None:
    """Find what customers talk about that no attribute claims, and print the themes."""
    from server.classify.themes import list_themes, run_themes
    from server.store.brands import list_brands

    with workspace() as db:
        names = list(brands) or [b["name"] for b in list_brands(db, counts=False)]
        if not names:
            raise click.ClickException("no brands yet: add one with `gapwatch brands add NAME`")
        if not list_only:
            from server.classify.tagging import theme_encoder

            encoder = theme_encoder(db, _encoder_options())
            for name in names:
                with _Bar(f"Embedding {name}'s unclaimed comments") as bar:
                    run = run_themes(db, name, encoder, trigger="cli", only_if_changed=if_changed,
                                     progress=bar.update, on_total=bar.start)  # fmt: skip
                if run.skipped:
                    click.echo(f"{run.brand}: unchanged since run {run.run_id}; skipped.", err=True)
                    continue
                click.echo(
                    f"{run.brand}: {run.themes} themes in {run.comments} unclaimed comments; "
                    f"{run.outlier_share:.0%} in no theme ({run.seconds:.1f} s).",
                    err=True,
                )
        found = [list_themes(db, name) for name in names]
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    for result in found:
        click.echo(f"\n{result['brand']}: {len(result['themes'])} themes")
        for theme in result["themes"]:
            growth = "new" if theme["new"] else "–" if theme["growth"] is None else f"{theme['growth']:+.0%}"
            click.echo(f"  #{theme['id']:<5} {theme['size']:>6} comments  {growth:>6}  {theme['label']}")
