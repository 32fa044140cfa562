"""The ``truceline`` command line: a thin shell over ``truceline.app`` and ``truceline.pipeline``."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from truceline import __version__
from truceline.cli_agreement import agreement
from truceline.sources import FormatError

console = Console()


@contextmanager
def progress_bar(label: str) -> Iterator:
    """A rich progress bar; yields a ``progress(stage, fraction)`` callback."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task(label, total=1.0)
        yield lambda stage, frac: bar.update(task, completed=frac, description=f"{label}: {stage}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="truceline")
def cli() -> None:
    """Truceline: ceasefire monitoring and verification (neutral verification, never targeting)."""


cli.add_command(agreement)


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("truceline-demo"), show_default=True,
              help="Workspace folder for the scenario and all outputs.")
@click.option("--seed", type=int, default=7, show_default=True, help="Scenario seed.")
@click.option("--calm", is_flag=True, help="Turn the simulator's nuisances down.")
def demo(out: Path, seed: int, calm: bool) -> None:
    """Simulate the bundled scenario, process it, report and score it against the truth."""
    from truceline.app import run_process, run_simulate, violations_summary
    from truceline.evaluate import evaluate, read_truth
    t0 = time.monotonic()
    scenario = out / "scenario"
    with console.status("simulating the bundled scenario"):
        paths = run_simulate(scenario, agreement=None, seed=seed, day=date(2026, 11, 26), calm=calm)
    with progress_bar("processing") as bar:
        processed, outputs = run_process(paths["picks"], paths["sensors"], paths["agreement"], out, progress=bar)
    result = evaluate(read_truth(paths["truth"]), processed.events)
    _print_ingest(processed.ingest_counts)
    _print_summary(processed, violations_summary(processed.events))
    _print_eval(result)
    console.print(f"\nDaily report: [bold]{outputs.report['html'].resolve()}[/] (also {outputs.report['markdown'].name})")
    console.print(f"Events: {outputs.events_csv}, {outputs.events_geojson}; store: {outputs.store}")
    console.print(f"Done in {time.monotonic() - t0:.1f} s.")


@cli.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder to write the scenario to.")
@click.option("--agreement", "agreement_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="Agreement YAML (default: the bundled demo agreement).")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default="2026-11-26", show_default=True,
              help="Simulated day (UTC).")
@click.option("--engagements", type=int, default=None, help="Number of engagements (default 60).")
@click.option("--calm", is_flag=True, help="Turn the nuisances down (for debugging).")
def simulate(out: Path, agreement_path: Path | None, seed: int, day, calm: bool, engagements: int | None) -> None:
    """Write a simulated day: sensors.csv, picks.csv, agreement.yaml and truth/."""
    from truceline.app import run_simulate
    with console.status("simulating"):
        paths = run_simulate(out, agreement=agreement_path, seed=seed, day=day.date(), calm=calm,
                             engagements=engagements)
    for name, p in paths.items():
        console.print(f"{name:10s} {p}")


@cli.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", default=None, help="Force a format by name (see the list in docs/formats.md).")
@click.option("--errors", type=int, default=10, show_default=True, help="How many quarantined records to show.")
def inspect(path: Path, fmt: str | None, errors: int) -> None:
    """Detect a file's format, validate it, and print what was found."""
    import truceline
    try:
        result = truceline.read(path, format=fmt)
    except (FormatError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"[bold]{path}[/]: format [cyan]{result.format}[/]")
    console.print(f"received {result.received}, accepted {result.accepted}, duplicates {result.duplicates}, "
                  f"quarantined {result.quarantined}")
    for q in result.quarantine[:errors]:
        console.print(f"  row {q.row}: {q.reason}")


@cli.command()
@click.option("--picks", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--sensors", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for quarantine.csv and the store.")
def ingest(picks: Path, sensors: Path, out: Path) -> None:
    """Validate and store picks and sensors; quarantine what is malformed."""
    from truceline.app import write_quarantine
    from truceline.pipeline import read_inputs
    from truceline.store.sqlite import Store
    try:
        s, p = read_inputs(picks, sensors)
    except (FormatError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    out.mkdir(parents=True, exist_ok=True)
    write_quarantine(s.quarantine + p.quarantine, out / "quarantine.csv")
    with Store.open(out / "store.sqlite") as store, store.run({"inputs": f"{picks},{sensors}"}) as run_id:
        store.save_table(run_id, "sensors", s.table)
        store.save_table(run_id, "picks", p.table)
        store.save_quarantine(run_id, s.quarantine + p.quarantine)
        store.set_counts(run_id, {"received": p.received, "accepted": p.accepted, "duplicates": p.duplicates,
                                  "quarantined": p.quarantined})
    _print_ingest({"received": p.received, "accepted": p.accepted, "duplicates": p.duplicates,
                   "quarantined": p.quarantined, "sensors_received": s.received, "sensors_accepted": s.accepted,
                   "sensors_duplicates": s.duplicates, "sensors_quarantined": s.quarantined})
    console.print(f"stored in {out / 'store.sqlite'} (run {run_id}); quarantine: {out / 'quarantine.csv'}")


@cli.command()
@click.option("--picks", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--sensors", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--agreement", "agreement_path", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
def process(picks: Path, sensors: Path, agreement_path: Path, out: Path) -> None:
    """Associate, locate, pair, attribute and judge; write events, store and daily report."""
    from truceline.app import run_process, violations_summary
    from truceline.model.agreement import AgreementError
    try:
        with progress_bar("processing") as bar:
            processed, outputs = run_process(picks, sensors, agreement_path, out, progress=bar)
    except (FormatError, AgreementError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    _print_ingest(processed.ingest_counts)
    _print_summary(processed, violations_summary(processed.events))
    console.print(f"events: {outputs.events_csv}, {outputs.events_geojson}")
    console.print(f"report: {outputs.report['html']}; store: {outputs.store}")


@cli.command()
@click.option("--dir", "out", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="A folder written by `truceline process` (holds store.sqlite).")
@click.option("--agreement", "agreement_path", type=click.Path(exists=True, path_type=Path), required=True)
def report(out: Path, agreement_path: Path) -> None:
    """Render the daily report again from the latest run in a processing folder's store."""
    from truceline.report_again import rerender
    try:
        paths = rerender(out, agreement_path)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"report: {paths['html']} and {paths['markdown']}")


@cli.command()
@click.option("--truth", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="The truth/ folder a simulation wrote.")
@click.option("--events", type=click.Path(exists=True, path_type=Path), required=True, help="events.csv to score.")
def evaluate(truth: Path, events: Path) -> None:
    """Score events against simulator ground truth (|dt| <= 2 s, <= 1 km, one-to-one)."""
    from truceline.evaluate import evaluate as score
    from truceline.evaluate import read_truth
    from truceline.report import read_events_csv
    try:
        result = score(read_truth(truth), read_events_csv(events))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    _print_eval(result)


def _print_ingest(c: dict[str, int]) -> None:
    console.print(f"picks: received {c['received']} = accepted {c['accepted']} + duplicates {c['duplicates']} "
                  f"+ quarantined {c['quarantined']}; sensors: received {c['sensors_received']} = accepted "
                  f"{c['sensors_accepted']} + duplicates {c['sensors_duplicates']} + quarantined "
                  f"{c['sensors_quarantined']}")


def _print_summary(processed, counts: dict[str, int]) -> None:
    ev = processed.events
    table = Table(title="Summary", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for kind in ("launch", "impact", "explosion", "thunder", "unknown"):
        table.add_row(f"events: {kind}", str(int((ev["kind"] == kind).sum())))
    for side, n in counts.items():
        table.add_row(f"violations: {side}", str(n))
    for s in processed.coverage.sides:
        table.add_row(f"side {s.party}: sensors online / total", f"{s.sensors_online} / {s.sensors_total}")
        table.add_row(f"side {s.party}: P(detect launch)", f"{s.p_detect_launch:.2f}")
    console.print(table)


def _print_eval(result) -> None:
    table = Table(title="Against ground truth", show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for label, value in result.table():
        table.add_row(label, value)
    console.print(table)


def main() -> None:
    """Entry point of the ``truceline`` script and ``python -m truceline``."""
    cli()
