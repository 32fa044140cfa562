"""The processed days the API serves, read once from their folders and the store (I/O at the edge).

A day is a folder written by ``truceline process`` (or ``demo``): its ``run.json`` names the
stored run (whose sensors and picks the store holds) and its CSVs hold the results. ``--data``
is such a folder or a folder of them. Rows are turned into JSON-ready dicts once, at load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from truceline.model import tables as T
from truceline.model.tables import Columns, Contract
from truceline.model.timefmt import from_iso
from truceline.report.export import json_value, read_events_csv, read_table_csv

_TABLES: dict[str, tuple[str, Contract]] = {
    "incidents": ("incidents.csv", T.INCIDENTS), "engagements": ("engagements.csv", T.ENGAGEMENTS),
    "weapons": ("weapon_findings.csv", T.WEAPON_FINDINGS), "storage": ("storage_findings.csv", T.STORAGE_FINDINGS),
    "thermal": ("thermal_events.csv", T.THERMAL_EVENTS),
}


@dataclass(frozen=True)
class Day:
    """One processed period: its tables (``Columns``) and their rows as JSON-ready dicts."""

    day: str                          # YYYY-MM-DD of the period's start (UTC)
    folder: Path
    run_id: str
    period: tuple[float, float]
    tables: dict[str, Columns]
    rows: dict[str, list[dict[str, Any]]]
    parties: tuple[str, ...]
    texts: dict[str, list[str]] = field(default_factory=dict)
    """Each row of ``rows`` already as JSON text (pages are joined from these, not re-encoded)."""
    flights: Columns | None = None


def to_json_rows(table: Columns, contract: Contract) -> list[dict[str, Any]]:
    """A contract's table as a list of JSON-ready dicts (times as ISO text, NaN as null)."""
    cols = [c for c in contract.columns if c.name in table and c.dtype != "geometry"]
    data = [(c, table[c.name]) for c in cols]
    return [{c.name: json_value(c, v[i]) for c, v in data} for i in range(len(table))]


def find_days(data: Path) -> list[Path]:
    """The processed folders under ``data`` (itself, or its subfolders), in name order."""
    data = Path(data)
    if (data / "run.json").exists():
        return [data]
    found = sorted(p.parent for p in data.glob("*/run.json"))
    if not found:
        raise FileNotFoundError(f"{data}: no processed folder (run.json) here or one level below; run "
                                "`truceline demo` or `truceline process --out DIR` first")
    return found


def load_day(folder: Path, store: Any) -> Day:
    """One processed folder, with its run's sensors and picks from the store."""
    meta = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    period = (from_iso(meta["period_start"]), from_iso(meta["period_end"]))
    run_id = str(meta["run_id"])
    tables = {"events": read_events_csv(folder / "events.csv"), **_stored_inputs(run_id, store, folder)}
    for name, (file, contract) in _TABLES.items():
        tables[name] = read_table_csv(folder / file, contract) if (folder / file).exists() else Columns.empty(contract)
    contracts = {"events": T.EVENTS, "sensors": T.SENSORS, **{k: c for k, (_, c) in _TABLES.items()}}
    rows = {name: to_json_rows(tables[name], contracts[name]) for name in contracts}
    rows["violations"] = violation_rows(rows)
    assigned = folder / "pick_assignments.csv"            # for explanations only: no JSON rows
    tables["pick_assignments"] = (read_table_csv(assigned, T.PICK_ASSIGNMENTS) if assigned.exists()
                                  else Columns.empty(T.PICK_ASSIGNMENTS))
    flights = None
    coverage = input_path(meta, "drone_coverage", folder)
    if coverage is not None:
        from truceline.sources import read
        flights = read(coverage, format="drone-coverage").table
    from truceline.pipeline import load_history
    parties = tuple(load_history(input_path(meta, "agreement", folder)).at(period[0]).party_ids)
    texts = {name: [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in v] for name, v in rows.items()}
    return Day(meta["period_start"][:10], folder, run_id, period, tables, rows, parties, texts, flights)


def input_path(meta: dict[str, Any], name: str, folder: Path) -> Path | None:
    """An input ``run.json`` names: where it was, else the same relative path beside the folder."""
    text = meta.get("inputs", {}).get(name, "")
    if not text:
        return None
    path = Path(text)
    for candidate in (path, folder.parent / path, folder / path.name, folder / "scenario" / path.name):
        if candidate.exists():
            return candidate
    return None


def _stored_inputs(run_id: str, store: Any, folder: Path) -> dict[str, Columns]:
    """The run's sensors and picks: from the served store, else from the day folder's own store
    (a folder of days, each processed with its own store)."""
    from truceline.store import Store, StoreError
    try:
        return {name: store.load_table(run_id, name) for name in ("sensors", "picks")}
    except StoreError:
        own = folder / "store.sqlite"
        if not own.exists():
            raise StoreError(f"{folder / 'run.json'}: run {run_id!r} is neither in the served store nor in "
                             f"{own}") from None
        with Store.open(own) as day_store:
            return {name: day_store.load_table(run_id, name) for name in ("sensors", "picks")}


def violation_rows(rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Incidents in violation and weapons inside their withdrawal zone, in one shape (``Violation``)."""
    out = [{"violation_id": r["incident_id"], "kind": "incident", "time": r["start"], "lon": r["lon"], "lat": r["lat"],
            "party": r["attributed_side"], "attribution": r["attribution"], "confidence": r["confidence"],
            "evidence": (r["event_ids"] + " " + r["thermal_ids"] + " " + r["weapon_ids"]).split()}
           for r in rows["incidents"] if r["is_violation"]]
    out += [{"violation_id": r["finding_id"], "kind": "weapon", "time": r["first_seen"], "lon": r["lon"],
             "lat": r["lat"], "party": r["party"], "attribution": "attributed", "confidence": r["confidence"],
             "evidence": r["sighting_ids"].split()} for r in rows["weapons"] if r["is_violation"]]
    return out
