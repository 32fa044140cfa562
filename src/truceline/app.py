"""Application services behind the CLI: simulate, process and the demo, with files in and out.

Each function here reads and writes a workspace folder; the stages stay pure (see pipeline.py).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

from truceline.model.tables import Columns
from truceline.pipeline import (Processed, ProcessParams, Progress, analyse, declared_sites, load_history, storage_depots,
                                read_inputs, run_info)
from truceline.model.tables import ENGAGEMENTS
from truceline.report import render_daily, write_events_csv, write_events_geojson, write_table_csv
from truceline.simulate import ScenarioParams, simulate
from truceline.simulate.world import World
from truceline.simulate.writer import write_simulation
from truceline.sources.agreement_yaml import demo_agreement_path
from truceline.ledger.evidence import build_release
from truceline.ledger.keyfiles import load_or_create_signer
from truceline.ledger.keyring import Keyring
from truceline.ledger.manifest import sequence_gaps, sign_manifest, write_sidecar
from truceline.model.timefmt import to_iso
from truceline.ledger.signing import Signer
from truceline.model.tables import PICKS, SENSORS, THERMAL_EVENTS
from truceline.sources import ReadResult, read
from truceline.sources.signed import Provenance, check_file, quarantine_file
from truceline.store.sqlite import Store
from truceline.commit import checkpoint_line, cite_violations, commit_run, provenance_rows


FEED_SOURCE = "acoustic-network"
"""The source id the simulator signs its feeds as."""


@dataclass(frozen=True)
class Outputs:
    """Where a processing run put its results."""

    out_dir: Path
    events_csv: Path
    events_geojson: Path
    quarantine_csv: Path
    store: str | Path
    report: dict[str, Path]
    checkpoint: Path
    evidence: Path
    provenance: tuple[Provenance, ...]
    gaps: dict[str, list[tuple[int, int]]]
    thermal: "ThermalOutputs | None" = None
    incidents: "IncidentOutputs | None" = None
    drones: "DroneOutputs | None" = None
    sar: "SarOutputs | None" = None


def run_simulate(out: Path, *, agreement: Path | None, seed: int, day: date, calm: bool,
                 engagements: int | None = None) -> dict[str, Path]:
    """Simulate one day over an agreement and write its feeds and truth under ``out``."""
    agreement_path = Path(agreement) if agreement else demo_agreement_path()
    history = load_history(agreement_path)
    params = ScenarioParams(seed=seed, day=day)
    if engagements is not None:
        params = replace(params, n_engagements=engagements)
    params = params.calmed() if calm else params
    a = history.at(params.day_start)
    line = np.asarray(a.contact_line.coords)
    world = World(line, a.party_ids[0], a.party_ids[1], a.effective_time.timestamp(),
                  declared_sites(history, params.day_start), storage_depots(history, params.day_start))
    sim = simulate(world, params)
    paths = write_simulation(sim, Path(out), agreement_path)
    from truceline.simulate.sar import simulate_sar
    from truceline.simulate.writer import write_sar
    write_sar(simulate_sar(world, sim.truth, params.day_start, params.seed), Path(out) / "sar", paths["truth"])
    paths["sar"] = Path(out) / "sar"
    return {**paths, **sign_feeds(Path(out), {k: v for k, v in paths.items() if k != "sar"}, params.day_start)}


def sign_feeds(out: Path, paths: dict[str, Path], day_start: float) -> dict[str, Path]:
    """Sign the simulated feeds as their source would, and write the mission's keyring for it.

    The source's private key lands in ``out/keys/`` (in the field it never leaves the source);
    ``out/sources.yaml`` registers its public key, as the mission would at enrolment.
    """
    signer, _ = load_or_create_signer(out / "keys" / f"{FEED_SOURCE}.key", FEED_SOURCE)
    created = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    span = (to_iso(day_start), to_iso(day_start + 86400.0 - 0.001))
    for seq, name in enumerate(("sensors", "picks"), start=1):
        write_sidecar(paths[name], sign_manifest([paths[name]], FEED_SOURCE, seq, span, signer, created))
    keyring = Keyring()
    keyring.register(FEED_SOURCE, "sensor_owner", "Simulated acoustic network", signer.verifier)
    keyring.save(out / "sources.yaml")
    return {"keyring": out / "sources.yaml"}


@dataclass(frozen=True)
class Trust:
    """Whose signatures count and how the mission signs its own log.

    ``keyring``: the registered sources (YAML); without one, manifests are not checked and every
    input counts as unsigned. ``require_signed``: refuse unsigned files (quarantined with the
    reason). ``mission_key``: the log's private key file (default ``<out>/keys/mission.key``, created
    on first use). ``origin``: the log's name in its checkpoints. ``store``: where the store and
    log live — a SQLite path or a ``postgresql://`` URL (default ``<out>/store.sqlite``).
    """

    keyring: Path | None = None
    require_signed: bool = False
    mission_key: Path | None = None
    origin: str = "truceline/local"
    store: str | None = None

    def store_target(self, out: Path) -> str | Path:
        return self.store or Path(out) / "store.sqlite"


def run_process(picks: Path, sensors: Path, agreement: Path | None, out: Path,
                params: ProcessParams = ProcessParams(), progress: Progress | None = None,
                trust: Trust = Trust(), firms: tuple[Path, ...] = (),
                firms_history: tuple[Path, ...] = (),
                drones: tuple[Path, Path] | None = None, sar: tuple[Path, ...] = (),
                pdf: bool = False) -> tuple[Processed, Outputs]:
    """Check signatures, read, analyse, store, commit to the ledger, checkpoint and report under ``out``.

    ``firms``: FIRMS hotspot files of the period (``firms_history``: earlier ones), turned into
    thermal events and joined with the acoustic events into incidents (``incidents.csv``, written
    in any case) that the daily report shows. ``drones``: (sightings, coverage) GeoJSON files,
    judged by :func:`run_weapons` and shown in the report too. ``sar``: radar acquisitions
    (GeoTIFF), tested for damage across the period's start by :func:`run_sar`. ``pdf``: write the
    printed report ``daily_report.pdf`` too."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    history = load_history(agreement)
    keyring = Keyring.load(trust.keyring) if trust.keyring else None
    signer, _ = load_or_create_signer(trust.mission_key or out / "keys" / "mission.key", "truceline-mission")
    with Store.open(trust.store_target(out)) as store:
        seen = store.source_sequences()
        checked = [check_file(Path(p), keyring, seen, trust.require_signed) for p in (sensors, picks)]
        sensors_r, picks_r = _read_checked(Path(picks), Path(sensors), checked)
        processed = analyse(sensors_r, picks_r, history, params, progress, signed=all(c.signed for c in checked))
        inputs = {"picks": str(picks), "sensors": str(sensors), "agreement": str(agreement or demo_agreement_path())}
        info = run_info(history, processed, params, inputs)
        thermal = run_thermal(list(firms), list(firms_history), out) if firms else None
        flown = run_weapons(*drones, agreement, out, processed.events) if drones else None
        radar = run_sar(list(sar), processed.period[0], out) if sar else None
        found = run_incidents(processed.events, thermal.events if thermal else Columns.empty(THERMAL_EVENTS), out,
                              processed.period[0], flown.findings if flown else None,
                              radar.areas if radar else None)
        outputs = _write(processed, info, checked, store, signer, trust, out, found.incidents, flown, pdf)
        write_run_json(out, store, processed.period, {**inputs, "drone_coverage": str(drones[1]) if drones else ""})
    return processed, replace(outputs, thermal=thermal, incidents=found, drones=flown, sar=radar)


def write_run_json(out: Path, store: Store, period: tuple[float, float], inputs: dict[str, str]) -> Path:
    """``OUT/run.json``: which stored run wrote this folder, its period and inputs (what ``truceline
    serve`` reads to find a day's sensors and picks in the store; docs/formats.md#runjson)."""
    run = store.runs()[-1]
    body = {"run_id": run["run_id"], "period_start": to_iso(period[0]), "period_end": to_iso(period[1]),
            "store": store.url, "inputs": {k: str(Path(v).resolve()) if v else "" for k, v in inputs.items()}}
    path = Path(out) / "run.json"
    path.write_text(json.dumps(body, indent=1), encoding="utf-8")
    return path


def _read_checked(picks: Path, sensors: Path, checked: list[Provenance]):
    s_prov, p_prov = checked
    if not s_prov.accepted:
        sensors_r = quarantine_file(sensors, f"batch refused ({s_prov.status}): {s_prov.reason}", SENSORS)
    if not p_prov.accepted:
        picks_r = quarantine_file(picks, f"batch refused ({p_prov.status}): {p_prov.reason}", PICKS)
    if s_prov.accepted and p_prov.accepted:
        return read_inputs(picks, sensors)
    if s_prov.accepted:
        sensors_r = read(sensors, format="sensors-csv")
    if p_prov.accepted:
        picks_r = read(picks, format="picks-csv", sensor_ids=set(sensors_r.table["sensor_id"]))
    return sensors_r, picks_r


def _write(processed: Processed, info: dict[str, str], checked: list[Provenance], store: Store, signer: Signer,
           trust: Trust, out: Path, incidents: Columns | None = None, drones: "DroneOutputs | None" = None,
           pdf: bool = False) -> Outputs:
    from truceline.report.drones import DroneTables

    events_csv, events_geojson = out / "events.csv", out / "events.geojson"
    quarantine_csv = out / "quarantine.csv"
    write_events_csv(processed.events, events_csv)
    write_events_geojson(processed.events, events_geojson)
    quarantine = processed.sensors.quarantine + processed.picks.quarantine
    write_quarantine(quarantine, quarantine_csv)
    write_table_csv(processed.pick_assignments, out / "pick_assignments.csv")
    write_table_csv(processed.engagements, out / "engagements.csv", ENGAGEMENTS)
    previous = store.latest_checkpoint()
    with store.run(info, processed.ingest_counts) as run_id:
        tables = {"sensors": processed.sensors.table, "picks": processed.picks.table, "events": processed.events}
        committed = commit_run(store, run_id, tables, {**info, "input_range": list(processed.period)}, checked,
                               quarantine)
    note = committed.ledger.checkpoint(signer, trust.origin)
    (out / "checkpoint.txt").write_text(note, encoding="utf-8")
    release = build_release(committed.ledger, signer.verifier, note, previous["note"] if previous else None,
                            cite_violations(processed, committed), committed.records)
    (out / "evidence.json").write_text(json.dumps(release, indent=1, ensure_ascii=False), encoding="utf-8")
    gaps = {s: sequence_gaps(seqs) for s, seqs in store.source_sequences().items()}
    run_rows = {**info, **provenance_rows(checked, gaps), "ledger checkpoint": checkpoint_line(note),
                "evidence": f"evidence.json: {len(release['findings'])} findings with inclusion proofs; "
                            "check with `truceline ledger verify`",
                "sensors needing service": service_line(processed)}
    agreement = processed.history.at(processed.period[0])
    section = DroneTables(drones.findings, drones.storage, drones.zones) if drones else None
    report = render_daily(agreement=agreement, events=processed.events,
                          sensors=processed.sensors.table, coverage=processed.coverage,
                          ingest=processed.ingest_counts, run=run_rows, period_start=processed.period[0],
                          period_end=processed.period[1], out_dir=out, engagements=processed.engagements,
                          incidents=incidents, drones=section, pdf=pdf)
    return Outputs(out, events_csv, events_geojson, quarantine_csv, trust.store_target(out), report,
                   out / "checkpoint.txt", out / "evidence.json", tuple(checked), gaps)


def service_line(processed: Processed, service_s: float = 0.15) -> str:
    """The sensors whose learnt time term says their clock (or site) needs service, worst first."""
    terms = np.asarray(processed.sensor_terms, dtype=float)
    ids = processed.sensors.table["sensor_id"]
    bad = [k for k in np.argsort(-np.abs(terms)) if abs(terms[k]) >= service_s]
    if not bad:
        return f"none (no sensor time term reaches {service_s:.2f} s)"
    return ", ".join(f"{ids[k]} ({terms[k]:+.2f} s)" for k in bad)


def run_ingest(picks: Path, sensors: Path, out: Path, trust: Trust = Trust()) -> tuple[list[ReadResult], Outputs]:
    """Check signatures, read, store and commit sensors and picks (no processing); checkpoint the log."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    keyring = Keyring.load(trust.keyring) if trust.keyring else None
    signer, _ = load_or_create_signer(trust.mission_key or out / "keys" / "mission.key", "truceline-mission")
    with Store.open(trust.store_target(out)) as store:
        checked = [check_file(Path(p), keyring, store.source_sequences(), trust.require_signed)
                   for p in (sensors, picks)]
        sensors_r, picks_r = _read_checked(Path(picks), Path(sensors), checked)
        quarantine = sensors_r.quarantine + picks_r.quarantine
        write_quarantine(quarantine, out / "quarantine.csv")
        counts = {"received": picks_r.received, "accepted": picks_r.accepted, "duplicates": picks_r.duplicates,
                  "quarantined": picks_r.quarantined}
        with store.run({"inputs": json.dumps({"picks": str(picks), "sensors": str(sensors)})}, counts) as run_id:
            committed = commit_run(store, run_id, {"sensors": sensors_r.table, "picks": picks_r.table},
                                   {"kind": "ingest"}, checked, quarantine)
        note = committed.ledger.checkpoint(signer, trust.origin)
        (out / "checkpoint.txt").write_text(note, encoding="utf-8")
        gaps = {s: sequence_gaps(seqs) for s, seqs in store.source_sequences().items()}
    return [sensors_r, picks_r], Outputs(out, out / "events.csv", out / "events.geojson", out / "quarantine.csv",
                                         trust.store_target(out), {}, out / "checkpoint.txt", out / "evidence.json",
                                         tuple(checked), gaps)


def write_quarantine(records, path: Path) -> None:
    """quarantine.csv: source, row, reason, record (the raw record as JSON)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "row", "reason", "record"])
        for q in records:
            w.writerow([q.source, q.row, q.reason, json.dumps(q.record, ensure_ascii=False)])


def violations_summary(events: Columns) -> dict[str, int]:
    """Counts of violations by attributed side (for the printed summary)."""
    v = events["is_violation"].astype(bool)
    sides = events["attributed_side"][v]
    out = {str(s): int((sides == s).sum()) for s in sorted(set(sides))}
    out["total"] = int(v.sum())
    return out


@dataclass(frozen=True)
class ThermalOutputs:
    """What ``run_thermal`` found and wrote."""

    events: Columns
    counts: dict[str, int]
    events_csv: Path
    quarantine_csv: Path | None


def run_thermal(files: list[Path], history: list[Path], out: Path) -> ThermalOutputs:
    """Read FIRMS files (``history``: earlier ones, to learn persistent sources), join their hotspots
    into thermal events and write ``OUT/thermal_events.csv`` (and ``OUT/quarantine_firms.csv``
    when rows of any file, history included, were refused). Counts add up over the period's files:
    received = accepted + duplicates + quarantined; ``history_*`` the same over the history."""
    from truceline.fusion.thermal import thermal_events
    from truceline.model.tables import HOTSPOTS, THERMAL_EVENTS

    def load(paths: list[Path]) -> tuple[Columns, list[ReadResult]]:
        results = [read(p, format="firms") for p in paths]
        tables = [r.table for r in results if r.table is not None and len(r.table)]
        if not tables:
            return Columns.empty(HOTSPOTS), results
        return Columns({c: np.concatenate([t[c] for t in tables]) for c in HOTSPOTS.names}), results

    today, results = load(files)
    past, earlier = load(history)
    events = thermal_events(today, history=past)
    out.mkdir(parents=True, exist_ok=True)
    events_csv = out / "thermal_events.csv"
    write_table_csv(events, events_csv, THERMAL_EVENTS)
    refused = [q for r in results + earlier for q in r.quarantine]
    quarantine_csv = None
    if refused:
        quarantine_csv = out / "quarantine_firms.csv"
        write_quarantine(refused, quarantine_csv)
    counts = {**_counts(results), **{f"history_{k}": v for k, v in _counts(earlier).items()},
              "history_hotspots": len(past), "events": len(events), "masked": int(np.sum(events["masked"])),
              "saturated_events": int(np.sum(events["saturated"]))}
    return ThermalOutputs(events, counts, events_csv, quarantine_csv)


def _counts(results: list[ReadResult]) -> dict[str, int]:
    return {"received": sum(r.received for r in results), "accepted": sum(r.accepted for r in results),
            "duplicates": sum(r.duplicates for r in results), "quarantined": sum(r.quarantined for r in results)}


@dataclass(frozen=True)
class IncidentOutputs:
    """The incidents of a run and where they were written."""

    incidents: Columns
    incidents_csv: Path


def run_incidents(events: Columns, thermal: Columns, out: Path, day_start: float | None = None,
                  weapons: Columns | None = None, damage: Columns | None = None) -> IncidentOutputs:
    """Join a run's acoustic events and thermal events into incidents, each with the satellite
    coverage of the day starting ``day_start``; write ``OUT/incidents.csv``."""
    from truceline.model.tables import INCIDENTS
    from truceline.verify.incidents import IncidentParams, incidents
    from truceline.verify.satellite import day_passes

    day = day_passes(events, thermal, day_start) if day_start is not None else None
    found = incidents(events, thermal, IncidentParams(), day, weapons, damage)
    path = Path(out) / "incidents.csv"
    write_table_csv(found, path, INCIDENTS)
    return IncidentOutputs(found, path)


@dataclass(frozen=True)
class DroneOutputs:
    """What ``run_weapons`` found and wrote."""

    findings: Columns           # WEAPON_FINDINGS
    storage: Columns            # STORAGE_FINDINGS
    zones: Columns              # ZONE_COVERAGE: what may be said where nothing was seen
    coverage: Columns           # FLIGHT_COVERAGE, as read
    findings_csv: Path
    storage_csv: Path
    zones_csv: Path
    quarantine_csv: Path | None


def run_weapons(sightings: Path, coverage: Path, agreement: Path | None, out: Path,
                events: Columns | None = None) -> DroneOutputs:
    """Read drone sightings and footprints; merge field sightings into weapon findings judged
    against the agreement's withdrawal zones (the launches among ``events`` raising the prior of a
    weapon where one was fired from), count the declared storage sites; write
    ``OUT/weapon_findings.csv``, ``OUT/storage_findings.csv``, ``OUT/zone_coverage.csv`` (and
    ``OUT/quarantine_drones.csv`` when features were refused)."""
    from truceline.model.tables import STORAGE_FINDINGS, WEAPON_FINDINGS, ZONE_COVERAGE
    from truceline.rules.zones import Zones
    from truceline.verify.absence import zone_statements
    from truceline.verify.storage import site_of, storage_findings
    from truceline.verify.weapons import weapon_findings

    results = [read(sightings, format="drone-sightings"), read(coverage, format="drone-coverage")]
    seen, flown = results[0].table, results[1].table
    refused = [q for r in results for q in r.quarantine]
    quarantine = Path(out) / "quarantine_drones.csv" if refused else None
    if quarantine is not None:
        write_quarantine(refused, quarantine)
    history = load_history(agreement)
    start = float(np.min(seen["time"])) if len(seen) else datetime.now(timezone.utc).timestamp()
    a = history.at(start)
    field = site_of(seen, a.storage_sites) == ""
    zones = Zones.from_agreement(a)
    launch = events.take(events["kind"].astype(str) == "launch") if events is not None else None
    findings = weapon_findings(seen.take(field), zones, flown, launches=None if launch is None else
                               np.column_stack([launch["lon"], launch["lat"]]).astype(float))
    depots = storage_findings(seen, flown, a.storage_sites)
    statements = zone_statements(zones, flown, findings)
    paths = Path(out) / "weapon_findings.csv", Path(out) / "storage_findings.csv", Path(out) / "zone_coverage.csv"
    write_table_csv(findings, paths[0], WEAPON_FINDINGS)
    write_table_csv(depots, paths[1], STORAGE_FINDINGS)
    write_table_csv(statements, paths[2], ZONE_COVERAGE)
    return DroneOutputs(findings, depots, statements, flown, *paths, quarantine)


@dataclass(frozen=True)
class SarOutputs:
    """What ``run_sar`` found and wrote."""

    score: np.ndarray
    areas: Columns                  # DAMAGE_AREAS
    window: tuple[float, float]     # damage known to lie between these acquisitions (epoch s)
    pixel_m: float
    counts: dict[str, int]
    score_tif: Path
    damage_geojson: Path
    quarantine_csv: Path | None


def run_sar(files: list[Path], event_start: float, out: Path) -> SarOutputs:
    """Read radar acquisitions (``sar-geotiff``), run the local PWTT with the event start between
    its windows, write ``OUT/damage_score.tif`` (the smoothed score on the stack's grid) and
    ``OUT/damage.geojson`` (damaged areas, WGS 84, with the window they are known to lie in)."""
    from truceline.fusion.sar import PwttParams, damage_polygons, lazy_score, windows
    from truceline.model.tables import SAR_SCENES
    from truceline.sources.sar_geotiff import open_stack

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = [read(p, format="sar-geotiff") for p in files]
    refused = [q for r in results for q in r.quarantine]
    quarantine = out / "quarantine_sar.csv" if refused else None
    if quarantine is not None:
        write_quarantine(refused, quarantine)
    scenes = Columns.from_rows(SAR_SCENES, [row for r in results for row in r.table.rows()])
    if len(scenes) == 0:
        raise ValueError("no readable radar acquisition among the files")
    stack = open_stack(scenes)
    score = np.asarray(lazy_score(stack.read, stack.times, stack.shape, event_start, stack.pixel_m).compute())
    times = np.asarray(scenes["time"], float)
    pre, post = windows(times, event_start)
    window = (float(times[pre].max()), float(times[post].max()))   # the change lies between
    score_tif, geojson = out / "damage_score.tif", out / "damage.geojson"
    _write_score(score, stack, score_tif)
    polygons = damage_polygons(score, stack.transform)
    _write_damage(polygons, stack, window, geojson)
    counts = {"received": sum(r.received for r in results), "accepted": len(scenes), "quarantined": len(refused),
              "orbits": len(stack.times), "damaged_cells": int(np.sum(score >= PwttParams().threshold)),
              "areas": len(polygons)}
    return SarOutputs(score, read_damage(geojson), window, stack.pixel_m, counts, score_tif, geojson, quarantine)


def _write_score(score: np.ndarray, stack, path: Path) -> None:
    """The smoothed score as a float32 GeoTIFF on the stack's grid."""
    import rasterio

    profile = {"driver": "GTiff", "width": score.shape[1], "height": score.shape[0], "count": 1, "dtype": "float32",
               "crs": stack.crs, "transform": stack.transform, "compress": "deflate"}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(score[None].astype(np.float32))


def _write_damage(polygons: list[dict], stack, window: tuple[float, float], path: Path) -> None:
    """The damaged areas as a WGS 84 GeoJSON FeatureCollection (docs/formats.md#damagegeojson)."""
    import shapely
    from pyproj import Transformer
    from shapely.geometry import mapping, shape

    to_wgs = Transformer.from_crs(stack.crs, "EPSG:4326", always_xy=True)

    def wgs(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))

    features = [{"type": "Feature", "geometry": mapping(shapely.transform(shape(p["geometry"]), wgs)),
                 "properties": {"damage_id": f"D{k + 1:05d}", "cells": p["cells"],
                                "area_m2": p["cells"] * stack.pixel_m ** 2, "score_max": round(p["score_max"], 2),
                                "score_mean": round(p["score_mean"], 2), "window_start": to_iso(window[0]),
                                "window_end": to_iso(window[1]), "modality": "sar", "confidence": "possible"}}
                for k, p in enumerate(polygons)]
    path.write_text(json.dumps({"type": "FeatureCollection", "window": list(window), "features": features}),
                    encoding="utf-8")


def read_damage(path: Path) -> Columns:
    """A ``damage.geojson`` that :func:`run_sar` wrote, as ``DAMAGE_AREAS``."""
    from shapely.geometry import shape

    from truceline.model.tables import DAMAGE_AREAS
    from truceline.model.timefmt import from_iso
    rows = []
    for f in json.loads(Path(path).read_text(encoding="utf-8"))["features"]:
        g, pr = shape(f["geometry"]), f["properties"]
        rows.append({**{k: pr[k] for k in ("damage_id", "cells", "area_m2", "score_max", "score_mean")},
                     "window_start": from_iso(pr["window_start"]), "window_end": from_iso(pr["window_end"]),
                     "lon": g.centroid.x, "lat": g.centroid.y, "area": g})
    return Columns.from_rows(DAMAGE_AREAS, rows)
