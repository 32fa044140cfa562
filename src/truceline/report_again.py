"""Rendering a daily report again from what a processing run stored (``truceline report``)."""

from __future__ import annotations

import json
from pathlib import Path

from truceline.commit import checkpoint_line
from truceline.pipeline import load_history
from truceline.report import render_daily
from truceline.rules.zones import Zones
from truceline.store.sqlite import Store
from truceline.verify.coverage import coverage
from truceline.verify.engagements import engagements
from truceline.app import read_damage
from truceline.verify.incidents import IncidentParams, incidents
from truceline.verify.satellite import day_passes
from truceline.model.tables import THERMAL_EVENTS, Columns
from truceline.report.export import read_table_csv


def rerender(out: Path, agreement_path: Path, store_url: str | None = None) -> dict[str, Path]:
    """Re-render ``out``'s daily report from the latest finished run in its store (``out/store.sqlite``
    unless ``store_url`` names another, e.g. a PostgreSQL URL)."""
    store_path = store_url or Path(out) / "store.sqlite"
    if store_url is None and not Path(store_path).exists():
        raise FileNotFoundError(f"{store_path}: no store here; run `truceline process --out {out}` first")
    with Store.open(store_path) as store:
        runs = [r for r in store.runs() if r.get("finished_at") and r.get("counts")]
        if not runs:
            raise ValueError(f"{store_path}: holds no finished run")
        run = runs[-1]
        run_id = str(run["run_id"])
        events, sensors, picks = (store.load_table(run_id, n) for n in ("events", "sensors", "picks"))
        latest = store.latest_checkpoint()
    counts = run["counts"] if isinstance(run["counts"], dict) else json.loads(str(run["counts"]))
    history = load_history(agreement_path)
    start = float((picks["time"].min() // 86400) * 86400) if len(picks) else float((events["time"].min() // 86400) * 86400)
    agreement = history.at(start)
    cov = coverage(Zones.from_agreement(agreement), sensors, picks, start, start + 86400.0)
    info = {k: str(run.get(k, "")) for k in ("run_id", "code_version", "params_hash", "agreement_version",
                                             "agreement_hash", "started_at")}
    if latest is not None:
        info["ledger checkpoint"] = checkpoint_line(latest["note"])
    zones = Zones.from_agreement(agreement)
    grouped, _ = engagements(events, zones)  # recomputed from the stored events, as processing did
    thermal_csv = Path(out) / "thermal_events.csv"     # satellite fires are not in the store: the run's file
    thermal = read_table_csv(thermal_csv, THERMAL_EVENTS) if thermal_csv.is_file() else Columns.empty(THERMAL_EVENTS)
    section, weapons = _drones(Path(out), agreement)
    return render_daily(agreement=agreement, events=events, sensors=sensors, coverage=cov, ingest=counts,
                        run=info, period_start=start, period_end=start + 86400.0, out_dir=Path(out),
                        engagements=grouped, drones=section,
                        incidents=incidents(events, thermal, IncidentParams(), day_passes(events, thermal, start), weapons,
                                            read_damage(Path(out) / "damage.geojson")
                                            if (Path(out) / "damage.geojson").is_file() else None))


def _drones(out: Path, agreement):
    """The run's drone findings, from its files (drone data is not in the store either)."""
    from truceline.model.tables import STORAGE_FINDINGS, WEAPON_FINDINGS, ZONE_COVERAGE
    from truceline.report.drones import DroneTables

    files = [out / n for n in ("weapon_findings.csv", "storage_findings.csv", "zone_coverage.csv")]
    if not all(f.is_file() for f in files):
        return None, None
    tables = [read_table_csv(f, c) for f, c in zip(files, (WEAPON_FINDINGS, STORAGE_FINDINGS, ZONE_COVERAGE))]
    return DroneTables(*tables), tables[0]
