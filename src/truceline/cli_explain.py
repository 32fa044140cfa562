"""``truceline explain``: one event or engagement of a processing folder, and why."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

console = Console()


@click.command()
@click.argument("ident", metavar="ID")
@click.option("--dir", "out", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="A folder written by `truceline process` (events.csv, pick_assignments.csv, engagements.csv).")
def explain(ident: str, out: Path) -> None:
    """Explain event ID (E…) or engagement ID (G…): kind and its basis, place and uncertainty,
    picks with residuals, picks left out and why, pair, firing side, verdict, engagement."""
    from truceline.report.explain import explain as build
    from truceline.report.explain import read_folder

    try:
        found = build(read_folder(out), ident)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise click.ClickException(str(exc.args[0] if isinstance(exc, KeyError) else exc)) from None
    console.print(f"[bold]{found.title}[/]")
    for label, text in found.facts:
        console.print(f"  [cyan]{label:>11}[/] {text}", soft_wrap=True)
    for title, header, rows in found.tables:
        table = Table(title=title, show_header=True, title_justify="left")
        for name in header:
            table.add_column(name, justify="right" if name in ("residual (s)", "p") else "left")
        for row in rows:
            table.add_row(*row)
        console.print(table)
