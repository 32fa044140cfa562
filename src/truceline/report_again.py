"""Rendering a daily report again from what a processing run stored (``truceline report``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

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
from truceline.model.tables import EVENTS, THERMAL_EVENTS, Columns
from truceline.report.cutoff import ReportPeriod
from truceline.report.export import read_table_csv, with_later_columns


def rerender(out: Path, agreement_path: Path, store_url: str | None = None,
             period: ReportPeriod | None = None) -> dict[str, Path]:
    """Re-render ``out``'s daily report from its store (``out/store.sqlite`` unless ``store_url``
    names another, e.g. a PostgreSQL URL): the latest finished run's UTC day, or with ``period``
    the report period between two cut-offs, from every stored run that holds data in it (a later
    run over the same span replaces an earlier one)."""
    store_path = store_url or Path(out) / "store.sqlite"
    if store_url is None and not Path(store_path).exists():
        raise FileNotFoundError(f"{store_path}: no store here; run `truceline process --out {out}` first")
    with Store.open(store_path) as store:
        runs = [r for r in store.runs() if r.get("finished_at") and r.get("counts") and "events" in r.get("tables", [])]
        if not runs:
            raise ValueError(f"{store_path}: holds no finished run")
        chosen = _runs_for(store, runs, period)
        latest = store.latest_checkpoint()
    run = chosen[-1][0]
    events, sensors, picks, (start, end, label) = _in_period(chosen, period)
    counts = _counts([c[0] for c in chosen])
    agreement = load_history(agreement_path).at(start)
    zones = Zones.from_agreement(agreement)
    cov = coverage(zones, sensors, picks, start, end)
    info = {k: str(run.get(k, "")) for k in ("run_id", "code_version", "params_hash", "agreement_version",
                                             "agreement_hash", "started_at")}
    if len(chosen) > 1:
        info["runs"] = " ".join(str(c[0]["run_id"]) for c in chosen)
    if latest is not None:
        info["ledger checkpoint"] = checkpoint_line(latest["note"])
    grouped, _ = engagements(events, zones)  # recomputed from the stored events, as processing did
    thermal_csv = Path(out) / "thermal_events.csv"     # satellite fires are not in the store: the run's file
    thermal = read_table_csv(thermal_csv, THERMAL_EVENTS) if thermal_csv.is_file() else Columns.empty(THERMAL_EVENTS)
    if period is not None:
        thermal = thermal.take((thermal["time"] > start) & (thermal["time"] <= end))
    section, weapons = _drones(Path(out), agreement)
    return render_daily(agreement=agreement, events=events, sensors=sensors, coverage=cov, ingest=counts,
                        run=info, period_start=start, period_end=end, out_dir=Path(out), period_text=label,
                        engagements=grouped, drones=section,
                        incidents=incidents(events, thermal, IncidentParams(), day_passes(events, thermal, start), weapons,
                                            read_damage(Path(out) / "damage.geojson")
                                            if (Path(out) / "damage.geojson").is_file() else None))


def _runs_for(store: Store, runs: list[dict], period: ReportPeriod | None) -> list[tuple[dict, dict[str, Columns]]]:
    """(run, its events, sensors and picks) for the latest run, or for every run with events in the
    period whose span no later kept run covers (oldest first)."""
    def tables(r: dict) -> dict[str, Columns]:
        got = {n: store.load_table(str(r["run_id"]), n) for n in ("events", "sensors", "picks")}
        return {**got, "events": with_later_columns(got["events"], EVENTS)}   # a run stored by an older version
    if period is None:
        return [(runs[-1], tables(runs[-1]))]
    kept: list[tuple[dict, dict[str, Columns]]] = []
    spans: list[tuple[float, float]] = []
    for r in reversed(runs):
        t = tables(r)
        times = t["picks"]["time"] if len(t["picks"]) else t["events"]["time"]
        if not len(times):
            continue
        lo, hi = float(times.min()), float(times.max())
        if hi <= period.start or lo > period.end or any(lo < b and hi > a for a, b in spans):
            continue
        kept.append((r, t))
        spans.append((lo, hi))
    if not kept:
        raise ValueError(f"no stored run holds data in the period {period.label}")
    return kept[::-1]


def _in_period(chosen: list[tuple[dict, dict[str, Columns]]], period: ReportPeriod | None
               ) -> tuple[Columns, Columns, Columns, tuple[float, float, str | None]]:
    """The chosen runs' events, sensors (once each) and picks, within the period (or the latest
    run's UTC day), with the period's (start, end, label in local time)."""
    events, sensors, picks = (_concat([c[1][n] for c in chosen]) for n in ("events", "sensors", "picks"))
    sensors = sensors.take(np.unique(sensors["sensor_id"].astype(str), return_index=True)[1])
    if period is None:
        first = picks["time"].min() if len(picks) else events["time"].min()
        start = float((first // 86400) * 86400)
        return events, sensors, picks, (start, start + 86400.0, None)
    inside = (lambda t: (t > period.start) & (t <= period.end))
    return (events.take(inside(events["time"])), sensors, picks.take(inside(picks["time"])),
            (period.start, period.end, period.label))


def _concat(tables: list[Columns]) -> Columns:
    names = [n for n in tables[0].names if all(n in t for t in tables)]
    return Columns({n: np.concatenate([t[n] for t in tables]) for n in names})


def _counts(runs: list[dict]) -> dict[str, int]:
    total: dict[str, int] = {}
    for r in runs:
        counts = r["counts"] if isinstance(r["counts"], dict) else json.loads(str(r["counts"]))
        for k, v in counts.items():
            total[k] = total.get(k, 0) + int(v)
    return total


def _drones(out: Path, agreement):
    """The run's drone findings, from its files (drone data is not in the store either)."""
    from truceline.model.tables import STORAGE_FINDINGS, WEAPON_FINDINGS, ZONE_COVERAGE
    from truceline.report.drones import DroneTables

    files = [out / n for n in ("weapon_findings.csv", "storage_findings.csv", "zone_coverage.csv")]
    if not all(f.is_file() for f in files):
        return None, None
    tables = [read_table_csv(f, c) for f, c in zip(files, (WEAPON_FINDINGS, STORAGE_FINDINGS, ZONE_COVERAGE))]
    return DroneTables(*tables), tables[0]
