"""The daily report's drone part: weapons in violation, storage sites, and what the flights could
say where they saw nothing — each beside the coverage behind it. Pure formatting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple
from datetime import datetime, timezone

import numpy as np

from truceline.model.agreement import Agreement
from truceline.model.tables import Columns
from truceline.report.content import Table
from truceline.report.i18n import Translator

DASH = "—"
CLASS_COLUMNS = ("mortar", "tube_artillery", "mlrs", "heavy_mlrs")


class DroneTables(NamedTuple):
    """What the drones gave a run: ``WEAPON_FINDINGS``, ``STORAGE_FINDINGS``, ``ZONE_COVERAGE``."""

    findings: Columns
    storage: Columns
    zones: Columns


@dataclass(frozen=True)
class DroneSection:
    """What the report says about drone observations, in one language."""

    line: str
    weapons: Table
    storage: Table
    zones: Table
    note: str


def _hm(t: float) -> str:
    return f"{datetime.fromtimestamp(float(t), timezone.utc):%H:%M}"


def _name(agreement: Agreement, pid: str) -> str:
    return next((f"{p.name} ({p.id})" for p in agreement.parties if p.id == pid), pid or DASH)


def _weapons(agreement: Agreement, f: Columns, tr: Translator) -> Table:
    rows = []
    for k in np.flatnonzero(np.asarray(f["is_violation"], bool)):
        n, over = int(f["n_sightings"][k]), int(f["flights_over"][k])
        rows.append((str(f["finding_id"][k]), f"{_hm(f['first_seen'][k])}–{_hm(f['last_seen'][k])}",
                     f"{f['lat'][k]:.4f}° N, {f['lon'][k]:.4f}° E", _name(agreement, str(f["party"][k])),
                     f"{tr.term(str(f['weapon_class'][k]))} (p = {f['class_p'][k]:.2f})",
                     tr("weapon.distance", d=f"{f['distance_km'][k]:.1f}", limit=f"{f['withdrawal_km'][k]:g}",
                        p=f"{f['p_inside'][k]:.2f}"),
                     tr.term(str(f["confidence"][k])), tr("weapon.attribution"),
                     tr("weapon.coverage", p=f"{f['coverage_p'][k]:.2f}", k=int(f["n_flights"][k]), n=over),
                     tr("weapon.evidence", sightings=tr.count(n, "sighting"),
                        first=str(f["sighting_ids"][k]).split()[0]) + (" …" if n > 1 else "")))
    return Table(tr.headers("t.weapons"), tuple(rows))


def _storage(agreement: Agreement, s: Columns, tr: Translator) -> Table:
    rows = []
    for r in s.rows():
        seen = r["status"] != "not observed"
        missing = (f"{r['missing_est']} ({r['missing_low']}–{r['missing_high']}), p = {r['p_missing']:.2f}"
                   if seen and np.isfinite(r["p_missing"]) else DASH)
        rows.append((f"{r['site_id']} {r['name']}", _name(agreement, str(r["party"])), str(r["declared"]),
                     str(r["surveys"]), f"p = {r['coverage_p']:.2f}", tr.term(str(r["status"])), missing,
                     str(r["missing_by_class"]) or DASH, str(len(str(r["serials_confirmed"]).split())),
                     str(r["serials_elsewhere"]) or DASH, tr.term(str(r["confidence"]))))
    return Table(tr.headers("t.storage"), tuple(rows))


def _statement(r: dict, tr: Translator) -> str:
    text = str(r["statement"])
    if text == "not observed":
        return tr.term(text)
    n = int(r["violations"])
    said = tr("zone.violations", n=n) if n else tr.term(text)
    return tr("zone.observed", text=said, seen=f"{r['observed_km2']:.0f}", area=f"{r['zone_km2']:.0f}",
              share=f"{r['observed_share']:.0%}")


def _zones(agreement: Agreement, z: Columns, tr: Translator) -> Table:
    headers = (*tr.headers("t.zones"), *(tr("zone.column", cls=tr.term(c)) for c in CLASS_COLUMNS))
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for r in z.rows():
        cells.setdefault((str(r["party"]), str(r["sector"])), {})[str(r["weapon_class"])] = _statement(r, tr)
    rows = tuple((_name(agreement, p), sec, *(by.get(c, DASH) for c in CLASS_COLUMNS))
                 for (p, sec), by in sorted(cells.items()))
    return Table(headers, rows)


def drone_section(agreement: Agreement, findings: Columns, storage: Columns, zones: Columns,
                  language: str = "en") -> DroneSection:
    """The drone part of the report from ``WEAPON_FINDINGS``, ``STORAGE_FINDINGS`` and ``ZONE_COVERAGE``."""
    tr = Translator(language)
    viol = int(np.sum(np.asarray(findings["is_violation"], bool))) if len(findings) else 0
    status = storage["status"].astype(str) if len(storage) else np.zeros(0, str)
    observed = zones.take(zones["statement"].astype(str) != "not observed") if len(zones) else zones
    share = float(np.sum(observed["observed_km2"]) / max(float(np.sum(zones["zone_km2"])), 1e-9)) if len(zones) else 0.0
    line = tr("drones.line", weapons=tr.count(len(findings), "weapon"), viol=viol,
              missing=int(np.sum(status == "missing")), complete=int(np.sum(status == "complete")),
              undetermined=int(np.sum(status == "undetermined")), unobserved=int(np.sum(status == "not observed")),
              share=f"{share:.0%}")
    return DroneSection(line, _weapons(agreement, findings, tr), _storage(agreement, storage, tr),
                        _zones(agreement, zones, tr), tr("note.drones"))
