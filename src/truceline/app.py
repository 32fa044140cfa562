"""Application services behind the CLI: simulate, process and the demo, with files in and out.

Each function here reads and writes a workspace folder; the stages stay pure (see pipeline.py).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from truceline.model.tables import Columns
from truceline.pipeline import (Processed, ProcessParams, Progress, analyse, declared_sites, load_history,
                                read_inputs, run_info)
from truceline.report import render_daily, write_events_csv, write_events_geojson
from truceline.simulate import ScenarioParams, simulate
from truceline.simulate.world import World
from truceline.simulate.writer import write_simulation
from truceline.sources.agreement_yaml import demo_agreement_path
from truceline.store.sqlite import Store


@dataclass(frozen=True)
class Outputs:
    """Where a processing run put its results."""

    out_dir: Path
    events_csv: Path
    events_geojson: Path
    quarantine_csv: Path
    store: Path
    report: dict[str, Path]


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
                  declared_sites(history, params.day_start))
    return write_simulation(simulate(world, params), Path(out), agreement_path)


def run_process(picks: Path, sensors: Path, agreement: Path | None, out: Path,
                params: ProcessParams = ProcessParams(), progress: Progress | None = None) -> tuple[Processed, Outputs]:
    """Read, analyse, store and report; every output lands under ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    history = load_history(agreement)
    sensors_r, picks_r = read_inputs(Path(picks), Path(sensors))
    processed = analyse(sensors_r, picks_r, history, params, progress)
    inputs = {"picks": str(picks), "sensors": str(sensors), "agreement": str(agreement or demo_agreement_path())}
    info = run_info(history, processed, params, inputs)
    outputs = _write(processed, info, out)
    return processed, outputs


def _write(processed: Processed, info: dict[str, str], out: Path) -> Outputs:
    events_csv, events_geojson = out / "events.csv", out / "events.geojson"
    quarantine_csv, store_path = out / "quarantine.csv", out / "store.sqlite"
    write_events_csv(processed.events, events_csv)
    write_events_geojson(processed.events, events_geojson)
    quarantine = processed.sensors.quarantine + processed.picks.quarantine
    write_quarantine(quarantine, quarantine_csv)
    with Store.open(store_path) as store, store.run(info, processed.ingest_counts) as run_id:
        store.save_table(run_id, "sensors", processed.sensors.table)
        store.save_table(run_id, "picks", processed.picks.table)
        store.save_table(run_id, "events", processed.events)
        store.save_quarantine(run_id, quarantine)
    report = render_daily(agreement=processed.history.at(processed.period[0]), events=processed.events,
                          sensors=processed.sensors.table, coverage=processed.coverage,
                          ingest=processed.ingest_counts, run=info, period_start=processed.period[0],
                          period_end=processed.period[1], out_dir=out)
    return Outputs(out, events_csv, events_geojson, quarantine_csv, store_path, report)


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
