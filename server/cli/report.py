"""``gapwatch report``: the evidence pack for the board as HTML and PDF (``server.tell.report``)."""

from __future__ import annotations

from pathlib import Path

import click

from server.cli.base import friendly, main, workspace


@main.command("report")
@click.option("--brand", help="The brand (default: the workspace's own).")
@click.option("--period", default="90d", show_default=True,
              help="90d (the latest 90 days with comments), 2026, 2026-Q3, 2026-09 or "
                   "2026-07-01..2026-09-30.")  # fmt: skip
@click.option("--out", "folder", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder the files are written to.")  # fmt: skip
@click.option("--format", "formats", default="html,pdf", show_default=True,
              help="Which files: html, pdf or both, comma-separated.")  # fmt: skip
@friendly
def report(brand: str | None, period: str, folder: str, formats: str) -> None:
    """Write the evidence pack of a brand for a period: self-contained HTML (opens offline) and PDF."""
    from server.tell.report import build, file_stem, render_html, render_pdf

    wanted = [f.strip() for f in formats.split(",") if f.strip()]
    if not wanted or any(f not in ("html", "pdf") for f in wanted):
        raise click.BadParameter("use html, pdf or html,pdf", param_hint="--format")
    with workspace() as db:
        data = build(db, brand, period)
    html = render_html(data)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    stem = file_stem(data)
    written = []
    if "html" in wanted:
        (out / f"{stem}.html").write_text(html, encoding="utf-8")
        written.append(out / f"{stem}.html")
    if "pdf" in wanted:
        (out / f"{stem}.pdf").write_bytes(render_pdf(html))
        written.append(out / f"{stem}.pdf")
    gap = data["overview"]["gap_score"]
    figure = (
        "too few comments"
        if gap["value"] is None
        else f"{gap['value']:.0%} [{gap['low']:.0%}–{gap['high']:.0%}]"
    )
    period = data["period"]
    click.echo(f"{data['brand']}, {period['label']} ({period['from']} to {period['to']}): gap {figure}, "
               f"{data['overview']['comments']} customer comments.")  # fmt: skip
    for path in written:
        click.echo(f"wrote {path}")
