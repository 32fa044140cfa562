"""``truceline agreement …``: write a default agreement from a line, and validate agreements.

A thin shell: the work is done by :mod:`truceline.agreement_init` and
:mod:`truceline.sources.agreement_yaml`; errors become :class:`click.ClickException`.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from truceline.agreement_init import init_agreement, read_line_geojson
from truceline.model.agreement import AgreementHistory, format_time
from truceline.sources.agreement_yaml import history_from_document, load_agreement, write_agreement


def _console() -> Console:
    return Console(soft_wrap=True)


@click.group("agreement")
def agreement() -> None:
    """The agreement as data: create and validate agreement files."""


@agreement.command("init")
@click.option("--line", "line_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Contact line as GeoJSON (LineString, Feature or one-feature FeatureCollection).")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the agreement YAML.")
@click.option("--party-a", default="A", show_default=True,
              help="Id of the party holding the right-hand side walking the line first to last vertex.")
@click.option("--party-b", default="B", show_default=True, help="Id of the party holding the left-hand side.")
@click.option("--sector-km", default=50.0, show_default=True, type=float, help="Approximate sector length (km).")
@click.option("--effective", "effective", default=None,
              help="Effective time, ISO 8601 with zone (e.g. 2026-11-20T00:00:00Z); default: this hour.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def init_command(line_path: Path, out_path: Path, party_a: str, party_b: str, sector_km: float,
                 effective: str | None, force: bool) -> None:
    """Write a complete default agreement from a contact line alone."""
    if out_path.exists() and not force:
        raise click.ClickException(f"{out_path} exists; pass --force to overwrite it")
    try:
        line = read_line_geojson(line_path)
        doc = init_agreement(line, party_ids=(party_a, party_b), sector_km=sector_km, effective_time=effective)
        history = history_from_document(doc, out_path.name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    write_agreement(doc, out_path)
    _console().print(f"[green]wrote[/green] {out_path}")
    _show(history)


@agreement.command("validate")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def validate_command(path: Path) -> None:
    """Validate an agreement file; print its versions, content hashes, parties and sectors."""
    try:
        history = load_agreement(path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    _console().print(f"[green]valid[/green] {path}")
    _show(history)


def _show(history: AgreementHistory) -> None:
    """Print versions, parties and sectors of an agreement history."""
    console = _console()
    base = history.base
    console.print(f"[bold]{base.name}[/bold]")
    for v in history.versions:
        console.print(f"version [bold]{v.version}[/bold]  effective {format_time(v.effective_time)}  "
                      f"content hash sha256:{v.content_hash}", highlight=False)
    latest = history.latest
    parties = Table("id", "name", "side of the contact line", "reference line", title="Parties")
    for i, p in enumerate(latest.parties):
        side = ("right" if i == 0 else "left") if i < 2 else "-"
        parties.add_row(p.id, p.name, side, "own" if p.id in latest.reference_lines else "contact line")
    console.print(parties)
    sectors = Table("id", "name", "from km", "to km", title="Sectors")
    for s in latest.sectors:
        sectors.add_row(s.id, s.name, f"{s.from_km:.1f}", f"{s.to_km:.1f}")
    console.print(sectors)
    console.print(f"security zone {latest.security_zone.width_km:g} km; "
                  f"{len(latest.disengagement_areas)} disengagement areas; "
                  f"{len(latest.storage_sites)} storage sites; "
                  f"{len(latest.declared_activities)} declared activities")


if __name__ == "__main__":  # pragma: no cover
    agreement()
