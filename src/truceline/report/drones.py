"""The daily report's drone part: weapons in violation, storage sites, and what the flights could
say where they saw nothing — each beside the coverage behind it. Pure formatting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from truceline.model.agreement import Agreement
from truceline.model.tables import Columns
from truceline.report.daily import Table

DASH = "—"
CLASS_COLUMNS = ("mortar", "tube_artillery", "mlrs", "heavy_mlrs")
DRONE_NOTE = (
    "A weapon is reported when it is probably there (p_real >= 0.8, from how many of the flights over its "
    "place saw it) and more likely inside its class's withdrawal zone than not. Coverage is the probability "
    "that a weapon standing there would have been reported: one flight over a place is not enough, since a "
    "single sighting may be false. \"Observed, none seen\" speaks only for the area observed with coverage "
    ">= 0.9 and says how much of the zone that is; everywhere else the zone was not observed, and nothing "
    "may be concluded there. A storage site is \"missing\" only at p >= 0.99 from surveys that held the whole "
    "site; a site nobody surveyed is \"not observed\", never complete. Criteria: docs/verification.md.")


@dataclass(frozen=True)
class DroneSection:
    """What the report says about drone observations."""

    line: str
    weapons: Table
    storage: Table
    zones: Table
    note: str = DRONE_NOTE


def _hm(t: float) -> str:
    return f"{datetime.fromtimestamp(float(t), timezone.utc):%H:%M}"


def _name(agreement: Agreement, pid: str) -> str:
    return next((f"{p.name} ({p.id})" for p in agreement.parties if p.id == pid), pid or DASH)


def _weapons(agreement: Agreement, f: Columns) -> Table:
    headers = ("Finding", "Seen (UTC)", "Where", "Party (by position)", "Class", "Distance / limit",
               "Confidence", "Attribution", "Coverage there", "Evidence")
    rows = []
    for k in np.flatnonzero(np.asarray(f["is_violation"], bool)):
        n, over = int(f["n_sightings"][k]), int(f["flights_over"][k])
        rows.append((str(f["finding_id"][k]), f"{_hm(f['first_seen'][k])}–{_hm(f['last_seen'][k])}",
                     f"{f['lat'][k]:.4f}° N, {f['lon'][k]:.4f}° E", _name(agreement, str(f["party"][k])),
                     f"{f['weapon_class'][k]} (p = {f['class_p'][k]:.2f})",
                     f"{f['distance_km'][k]:.1f} km of {f['withdrawal_km'][k]:g} km (p inside {f['p_inside'][k]:.2f})",
                     str(f["confidence"][k]), "attributed (stands on its side)",
                     f"p = {f['coverage_p'][k]:.2f}; seen by {int(f['n_flights'][k])} of {over} flights",
                     f"{n} sighting{'s' if n != 1 else ''}: {str(f['sighting_ids'][k]).split()[0]}"
                     + (" …" if n > 1 else "")))
    return Table(headers, tuple(rows))


def _storage(agreement: Agreement, s: Columns) -> Table:
    headers = ("Site", "Party", "Declared", "Surveys", "Coverage", "Status", "Missing (90 % interval)",
               "By class", "Serials read there", "Serials read elsewhere", "Confidence")
    rows = []
    for r in s.rows():
        seen = r["status"] != "not observed"
        missing = (f"{r['missing_est']} ({r['missing_low']}–{r['missing_high']}), p = {r['p_missing']:.2f}"
                   if seen and np.isfinite(r["p_missing"]) else DASH)
        rows.append((f"{r['site_id']} {r['name']}", _name(agreement, str(r["party"])), str(r["declared"]),
                     str(r["surveys"]), f"p = {r['coverage_p']:.2f}", str(r["status"]), missing,
                     str(r["missing_by_class"]) or DASH, str(len(str(r["serials_confirmed"]).split())),
                     str(r["serials_elsewhere"]) or DASH, str(r["confidence"])))
    return Table(headers, tuple(rows))


def _zones(agreement: Agreement, z: Columns) -> Table:
    headers = ("Party", "Sector", *(f"{c} zone" for c in CLASS_COLUMNS))
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for r in z.rows():
        text = str(r["statement"])
        if text != "not observed":
            text += f"; {r['observed_km2']:.0f} of {r['zone_km2']:.0f} km² observed ({r['observed_share']:.0%})"
        cells.setdefault((str(r["party"]), str(r["sector"])), {})[str(r["weapon_class"])] = text
    rows = tuple((_name(agreement, p), sec, *(by.get(c, DASH) for c in CLASS_COLUMNS))
                 for (p, sec), by in sorted(cells.items()))
    return Table(headers, rows)


def drone_section(agreement: Agreement, findings: Columns, storage: Columns, zones: Columns) -> DroneSection:
    """The drone part of the report from ``WEAPON_FINDINGS``, ``STORAGE_FINDINGS`` and ``ZONE_COVERAGE``."""
    viol = int(np.sum(np.asarray(findings["is_violation"], bool))) if len(findings) else 0
    status = storage["status"].astype(str) if len(storage) else np.zeros(0, str)
    observed = zones.take(zones["statement"].astype(str) != "not observed") if len(zones) else zones
    share = float(np.sum(observed["observed_km2"]) / max(float(np.sum(zones["zone_km2"])), 1e-9)) if len(zones) else 0.0
    line = (f"{len(findings)} weapons seen by drones, {viol} in violation of the withdrawal zones. Storage sites: "
            f"{int(np.sum(status == 'missing'))} with pieces missing, {int(np.sum(status == 'complete'))} complete, "
            f"{int(np.sum(status == 'undetermined'))} undetermined, {int(np.sum(status == 'not observed'))} not "
            f"observed. Of the withdrawal zones, {share:.0%} of the area was observed with coverage >= 0.9.")
    return DroneSection(line, _weapons(agreement, findings), _storage(agreement, storage), _zones(agreement, zones))
