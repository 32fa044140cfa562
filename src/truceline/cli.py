"""The ``truceline`` command line: a thin shell over ``truceline.app`` and ``truceline.pipeline``."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator

import click
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from truceline import __version__
from truceline.cli_agreement import agreement
from truceline.cli_desk import serve, tokens
from truceline.cli_explain import explain
from truceline.cli_ledger import keys, ledger, sign, witness
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
cli.add_command(ledger)
cli.add_command(keys)
cli.add_command(sign)
cli.add_command(witness)
cli.add_command(serve)
cli.add_command(tokens)
cli.add_command(explain)


def trust_options(fn):
    """--keyring, --require-signed, --mission-key, --origin and --store (see app.Trust)."""
    fn = click.option("--store", default=None,
                      help="Store URL instead of OUT/store.sqlite: a SQLite path or postgresql://user@host/db.")(fn)
    fn = click.option("--origin", default="truceline/local", show_default=True,
                      help="The log's name in its checkpoints.")(fn)
    fn = click.option("--mission-key", type=click.Path(path_type=Path), default=None,
                      help="The log's private key file (default OUT/keys/mission.key, created if missing).")(fn)
    fn = click.option("--require-signed", is_flag=True,
                      help="Refuse (quarantine) input files without a verified signed manifest.")(fn)
    fn = click.option("--keyring", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                      help="Registered sources and their keys (sources.yaml); without it manifests are not "
                           "checked and inputs count as unsigned.")(fn)
    return fn


def _trust(keyring: Path | None, require_signed: bool, mission_key: Path | None, origin: str, store: str | None):
    from truceline.app import Trust
    return Trust(keyring=keyring, require_signed=require_signed, mission_key=mission_key, origin=origin, store=store)


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
    for stale in ("store.sqlite", "store.sqlite-wal", "store.sqlite-shm"):  # the demo starts a fresh log
        (out / stale).unlink(missing_ok=True)
    with progress_bar("processing") as bar:
        processed, outputs = run_process(paths["picks"], paths["sensors"], paths["agreement"], out, progress=bar,
                                         trust=_trust(paths["keyring"], True, None, "truceline/demo", None),
                                         firms=(paths["firms_viirs"], paths["firms_modis"]),
                                         firms_history=(paths["firms_history"],),
                                         drones=(paths["drone_sightings"], paths["drone_coverage"]),
                                         sar=tuple(sorted(Path(paths["sar"]).glob("*.tif"))), pdf=True)
    result = evaluate(read_truth(paths["truth"]), processed.events)
    _print_ingest(processed.ingest_counts)
    _print_summary(processed, violations_summary(processed.events))
    _print_eval(result)
    from truceline.evaluate_sources import evaluate_thermal, read_truth_hotspots
    thermal, found = outputs.thermal, outputs.incidents
    _print_thermal(thermal.counts)
    scores = evaluate_thermal(thermal.events, read_truth_hotspots(paths["truth"]))
    console.print(f"  against truth: {scores['impact_events']} from impact fires, {scores['impact_kept']:.0%} kept; "
                  f"{scores['industry_events']} from industrial sites, {scores['industry_masked']:.0%} masked; "
                  f"{scores['burn_events']} one-off field fires (satellite-only: at most 'possible')")
    from truceline.evaluate_sources import evaluate_incidents
    from truceline.evaluate import read_truth as _truth
    levels = evaluate_incidents(found.incidents, processed.events, thermal.events, _truth(paths["truth"]),
                                read_truth_hotspots(paths["truth"]))
    console.print(f"Incidents: {len(found.incidents)} ({found.incidents_csv.name}); by confidence, with the share "
                  "true against the truth: " + ", ".join(f"{r['confidence']} {r['n']} ({r['true_share']:.0%})"
                                                       for r in levels if r["n"]))
    _demo_weapons(paths, outputs.drones)
    _demo_sar(paths, outputs.sar)
    console.print(f"\nDaily report: [bold]{outputs.report['html'].resolve()}[/] (also {outputs.report['pdf'].name}, "
                  f"{outputs.report['markdown'].name})")
    console.print(f"Events: {outputs.events_csv}, {outputs.events_geojson}, {thermal.events_csv}, {found.incidents_csv}; store: {outputs.store}")
    _print_ledger(outputs)
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
    console.print(f"[bold]{path}[/]: format [cyan]{result.format}[/]", soft_wrap=True)
    console.print(f"received {result.received}, accepted {result.accepted}, duplicates {result.duplicates}, "
                  f"quarantined {result.quarantined}")
    _summary(result.table)
    for q in result.quarantine[:errors]:
        console.print(f"  row {q.row}: {q.reason}")


def _summary(table) -> None:
    """What an analyst checks first in a table that was read: its time span and flags."""
    if table is None or len(table) == 0:
        return
    from truceline.model.timefmt import to_iso
    if "time" in table:
        console.print(f"time {to_iso(float(table['time'].min()))} .. {to_iso(float(table['time'].max()))}")
    for name in ("instrument", "satellite", "confidence"):
        if name in table:
            values, counts = np.unique(table[name].astype(str), return_counts=True)
            console.print(f"{name}: " + ", ".join(f"{v} {c}" for v, c in zip(values, counts)))
    if "saturated" in table:
        console.print(f"saturated (kept, flagged): {int(np.sum(table['saturated']))}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--history", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Earlier FIRMS file(s) to learn persistent sources from (repeatable).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for thermal_events.csv.")
def thermal(files: tuple[Path, ...], history: tuple[Path, ...], out: Path) -> None:
    """Join FIRMS hotspots into thermal events, masking persistent sources learnt from --history."""
    from truceline.app import run_thermal
    try:
        result = run_thermal(list(files), list(history), out)
    except (FormatError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    _print_thermal(result.counts)
    console.print(f"wrote {result.events_csv}" + (f"; refused rows: {result.quarantine_csv}" if result.quarantine_csv
                                                    else ""))


def _demo_weapons(paths: dict[str, Path], drones) -> None:
    """The demo's drone part: weapon and storage findings, scored against the truth."""
    from truceline.evaluate_sources import (evaluate_absence, evaluate_storage, evaluate_weapons, read_truth_drones,
                                            read_truth_storage)
    from truceline.pipeline import load_history
    from truceline.rules.zones import Zones

    zones = Zones.from_agreement(load_history(paths["agreement"]).versions[-1])
    weapons, sighting_truth = read_truth_drones(paths["truth"])
    _print_drones(evaluate_weapons(drones.findings, weapons, sighting_truth, drones.coverage, zones),
                  evaluate_storage(drones.storage, read_truth_storage(paths["truth"])),
                  evaluate_absence(drones.zones, weapons, drones.coverage, drones.findings, zones))
    console.print(f"  written: {drones.findings_csv.name}, {drones.storage_csv.name}, {drones.zones_csv.name}")


def _demo_sar(paths: dict[str, Path], result) -> None:
    """The demo's radar part: the PWTT over the simulated stack, scored against its damage mask."""
    import rasterio

    from truceline.evaluate_sources import evaluate_sar
    with rasterio.open(Path(paths["truth"]) / "sar_damage.tif") as src:
        truth = src.read(1)
    console.print(f"Radar ({result.counts['accepted']} acquisitions, {result.counts['orbits']} orbits): "
                  f"{result.counts['areas']} damaged areas ({result.damage_geojson.name}); against truth:")
    _print_sar(evaluate_sar(result.score, truth, result.pixel_m, result.window[1] - result.window[0]))


def _print_drones(s: dict, st: dict | None, ab: dict | None) -> None:
    console.print(f"Drones: {s['merged_sightings']} field sightings merged into {s['findings']} weapons; "
                  f"{s['violation_findings']} withdrawal violations; against truth: precision {s['precision']:.2f}, "
                  f"recall {s['recall_covered']:.2f} of the {s['violating_covered']} violating weapons where drone "
                  f"coverage was >= 0.9 ({s['recall_footprint']:.2f} of the {s['violating_under_footprint']} under "
                  "any footprint)")
    if st is not None:
        console.print(f"Storage sites: {st['sites']} declared; {st['missing_findings']} with pieces missing "
                      f"({st['missing_correct']} right against truth, {st['missing_false']} where none was taken), "
                      f"{st['complete_findings']} complete ({st['complete_correct']} right), {st['undetermined']} "
                      f"undetermined, {st['not_observed']} not observed")
    if ab is not None:
        console.print(f"Withdrawal zones: {ab['absent_statements']} 'observed, none seen' statements, "
                      f"{ab['absent_wrong']} wrong against truth, {ab['absent_below_coverage']} made below coverage "
                      f"0.9; {ab['not_observed_statements']} 'not observed'")


def _print_thermal(c: dict[str, int]) -> None:
    console.print(f"Thermal (FIRMS): received {c['received']}, accepted {c['accepted']}, duplicates "
                  f"{c['duplicates']}, quarantined {c['quarantined']}; {c['events']} thermal events, "
                  f"{c['masked']} masked as persistent sources (learnt from {c['history_hotspots']} earlier "
                  f"hotspots), {c['saturated_events']} with saturated pixels"
                  + (f"; history: {c['history_quarantined']} rows quarantined" if c["history_quarantined"] else ""))


@cli.command()
@click.option("--picks", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--sensors", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for quarantine.csv and the store.")
@trust_options
def ingest(picks: Path, sensors: Path, out: Path, keyring: Path | None, require_signed: bool,
           mission_key: Path | None, origin: str, store: str | None) -> None:
    """Check signatures, validate, store and commit picks and sensors to the ledger; quarantine what is refused."""
    from truceline.app import run_ingest
    try:
        (s, p), outputs = run_ingest(picks, sensors, out, _trust(keyring, require_signed, mission_key, origin, store))
    except (FormatError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    _print_ingest({"received": p.received, "accepted": p.accepted, "duplicates": p.duplicates,
                   "quarantined": p.quarantined, "sensors_received": s.received, "sensors_accepted": s.accepted,
                   "sensors_duplicates": s.duplicates, "sensors_quarantined": s.quarantined})
    console.print(f"stored in {outputs.store}; quarantine: {outputs.quarantine_csv}")
    _print_ledger(outputs)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--event-start", required=True, help="ISO 8601 UTC time the change is tested at (e.g. the report's day).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for damage_score.tif and damage.geojson.")
def sar(files: tuple[Path, ...], event_start: str, out: Path) -> None:
    """Radar damage: a local pixel-wise t-test over Sentinel-1 acquisitions (GeoTIFF), per orbit."""
    from truceline.app import run_sar
    from truceline.model.timefmt import from_iso, to_iso
    try:
        with console.status("testing every pixel"):
            result = run_sar(list(files), from_iso(event_start), out)
    except (FormatError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    c = result.counts
    console.print(f"Radar: received {c['received']} acquisitions, accepted {c['accepted']}, quarantined "
                  f"{c['quarantined']}; {c['orbits']} orbits; {c['damaged_cells']} damaged cells in {c['areas']} areas, "
                  f"known to lie between {to_iso(result.window[0])} and {to_iso(result.window[1])}")
    console.print(f"wrote {result.score_tif}, {result.damage_geojson}"
                  + (f"; refused files: {result.quarantine_csv}" if result.quarantine_csv else ""))


@cli.command()
@click.option("--picks", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--sensors", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--agreement", "agreement_path", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--out", type=click.Path(path_type=Path), required=True)
@click.option("--firms", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="FIRMS hotspot file(s) of the period (repeatable): thermal events joined into incidents.")
@click.option("--firms-history", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Earlier FIRMS file(s) to learn persistent sources from (repeatable).")
@click.option("--drone-sightings", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Drone weapon sightings (GeoJSON): weapon and storage findings; needs --drone-coverage.")
@click.option("--drone-coverage", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The flights' footprints (GeoJSON) the sightings were made in.")
@click.option("--sar", "sar_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Radar acquisition GeoTIFF(s) (repeatable): damage tested across the period's start.")
@click.option("--pdf", is_flag=True, help="Also write the printed report, OUT/daily_report.pdf.")
@trust_options
def process(picks: Path, sensors: Path, agreement_path: Path, out: Path, firms: tuple[Path, ...],
            firms_history: tuple[Path, ...], drone_sightings: Path | None, drone_coverage: Path | None,
            sar_files: tuple[Path, ...], pdf: bool, keyring: Path | None, require_signed: bool, mission_key: Path | None,
            origin: str, store: str | None) -> None:
    """Check signatures; associate, locate, pair, attribute and judge; store, commit to the ledger, checkpoint, report."""
    from truceline.app import run_process, violations_summary
    from truceline.model.agreement import AgreementError
    if (drone_sightings is None) != (drone_coverage is None):
        raise click.UsageError("--drone-sightings and --drone-coverage go together: absence needs the footprints")
    try:
        with progress_bar("processing") as bar:
            processed, outputs = run_process(picks, sensors, agreement_path, out, progress=bar,
                                             trust=_trust(keyring, require_signed, mission_key, origin, store),
                                             firms=firms, firms_history=firms_history,
                                             drones=(drone_sightings, drone_coverage) if drone_sightings else None,
                                             sar=sar_files, pdf=pdf)
    except (FormatError, AgreementError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    _print_ingest(processed.ingest_counts)
    _print_summary(processed, violations_summary(processed.events))
    if outputs.thermal is not None:
        _print_thermal(outputs.thermal.counts)
    console.print(f"events: {outputs.events_csv}, {outputs.events_geojson}; incidents: {outputs.incidents.incidents_csv}")
    if outputs.drones is not None:
        d = outputs.drones
        console.print(f"drones: {int(np.sum(d.findings['is_violation']))} weapons in violation of {len(d.findings)} "
                      f"seen ({d.findings_csv}); storage sites: "
                      + ", ".join(f"{r['site_id']} {r['status']}" for r in d.storage.rows())
                      + f" ({d.storage_csv}); zone statements: {d.zones_csv}")
    console.print(f"report: {outputs.report['html']}" + (f", {outputs.report['pdf']}" if pdf else "")
                  + f"; store: {outputs.store}")
    _print_ledger(outputs)


@cli.command()
@click.option("--dir", "out", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="A folder written by `truceline process` (holds store.sqlite).")
@click.option("--agreement", "agreement_path", type=click.Path(exists=True, path_type=Path), required=True)
@click.option("--store", default=None, help="Store URL instead of DIR/store.sqlite (e.g. postgresql://…).")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Report the period ending at this day's cut-off (local time), from every stored run in it.")
@click.option("--cutoff", default="19:30", show_default=True, help="The daily cut-off, HH:MM local time.")
@click.option("--tz", "zone", default="Europe/Kyiv", show_default=True, help="IANA time zone of the cut-off.")
@click.option("--spot", "spot", default=None, metavar="INCIDENT",
              help="Write the spot report of this incident (HTML and PDF, three languages) instead.")
def report(out: Path, agreement_path: Path, store: str | None, day, cutoff: str, zone: str, spot: str | None) -> None:
    """Render the daily report again from a processing folder's store (the latest run, or --day's period)."""
    from truceline.report.cutoff import report_period
    from truceline.report_again import rerender
    if spot is not None:
        from truceline.report.spot import spot_report
        try:
            written = spot_report(out, spot)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        console.print("spot report: " + ", ".join(str(p) for p in written.values()))
        return
    try:
        period = report_period(day.date(), cutoff, zone) if day is not None else None
        paths = rerender(out, agreement_path, store, period)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    console.print(f"report: {paths['html']} and {paths['markdown']}")


@cli.command()
@click.option("--truth", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True,
              help="The truth/ folder a simulation wrote.")
@click.option("--events", type=click.Path(exists=True, path_type=Path), help="events.csv to score (acoustic only).")
@click.option("--out", "out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A processed folder (truceline process or demo): score every source it holds.")
@click.option("--drone-coverage", type=click.Path(exists=True, path_type=Path),
              help="Flight footprints GeoJSON (default: drone_coverage.geojson beside the truth folder).")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Also write the scores as JSON here.")
def evaluate(truth: Path, events: Path | None, out_dir: Path | None, drone_coverage: Path | None,
             json_out: Path | None) -> None:
    """Score a run against simulator ground truth: acoustic events (|dt| <= 2 s, <= 1 km, one-to-one)
    and, with --out, thermal events, incidents by confidence level, weapons, storage sites and
    "observed, none seen" statements."""
    import json as _json

    from truceline.evaluate import evaluate as score
    from truceline.evaluate import read_truth
    from truceline.evaluate_sources import score_run
    from truceline.report import read_events_csv
    if (events is None) == (out_dir is None):
        raise click.UsageError("give either --events FILE or --out DIR")
    try:
        if events is not None:
            result = score(read_truth(truth), read_events_csv(events))
            scores = {"acoustic": result.to_dict()}
        else:
            scores = score_run(truth, out_dir, drone_coverage=drone_coverage)
            result = score(read_truth(truth), read_events_csv(out_dir / "events.csv"))
    except (ValueError, FormatError) as exc:
        raise click.ClickException(str(exc)) from None
    _print_eval(result)
    _print_scores(scores)
    if json_out is not None:
        json_out.write_text(_json.dumps(scores, indent=2, default=float), encoding="utf-8")
        console.print(f"wrote {json_out}")


def _print_scores(scores: dict) -> None:
    if "thermal" in scores:
        t = scores["thermal"]
        console.print(f"Thermal events: {t['impact_events']} from impact fires, {t['impact_kept']:.0%} kept; "
                      f"{t['industry_events']} from industrial sites, {t['industry_masked']:.0%} masked")
    if "incidents" in scores:
        console.print("Incidents by confidence, share true: " + ", ".join(
            f"{r['confidence']} {r['n']} ({r['true_share']:.0%})" for r in scores["incidents"] if r["n"]))
    if "weapons" in scores:
        _print_drones(scores["weapons"], scores.get("storage"), scores.get("absence"))
    if "sar" in scores:
        _print_sar(scores["sar"])


def _print_sar(r: dict) -> None:
    console.print(f"Radar damage: {r['damaged_cells']} of {r['cells']} cells damaged ({r['damaged_share']:.2%}); "
                  f"precision {r['precision']:.2f}, recall {r['recall']:.2f}, F1 {r['f1']:.2f}, AUC {r['auc']:.3f}; "
                  f"{r['false_alarm_areas']} false-alarm areas ({r['false_alarms_per_1000km2_week']:.0f} per 1,000 km² "
                  "per week)")


def _print_ledger(outputs) -> None:
    from pathlib import Path as _P
    for prov in outputs.provenance:
        name = _P(prov.path).name
        if prov.signed:
            console.print(f"{name}: signed by {prov.source_id}, sequence {prov.sequence}")
        elif prov.accepted:
            console.print(f"[yellow]{name}: UNSIGNED[/] ({prov.reason}); its findings stay unverified")
        else:
            console.print(f"[red]{name}: REFUSED ({prov.status})[/]: {prov.reason}")
    for source, gaps in outputs.gaps.items():
        if gaps:
            console.print(f"[red]{source}: missing sequence numbers[/] "
                          + ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in gaps))
    console.print(f"ledger: checkpoint {outputs.checkpoint}, evidence {outputs.evidence}; "
                  f"check with `truceline ledger verify {outputs.out_dir}`")


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
