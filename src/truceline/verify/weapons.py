"""Weapons seen by drones: sightings of one weapon merged into one finding, judged against the
withdrawal zones.

Level 2. Sightings closer than ``merge_m`` (single linkage), or sharing a readable serial number,
are one weapon. Its class is the posterior over the agreement's classes given every sighting's
named class, each named correctly with probability ``1 - confusion`` and as any other class
otherwise; the weapon belongs to the party on whose side it stands. It is in violation with
probability P = Σ_k P(class k) · [inside class k's withdrawal distance from its party's reference
line], and reported as a violation where P ≥ ``violation_p`` and ``min_flights`` separate flights
saw it (one flight's sighting alone is a lead, not a finding: it may be false): a weapon 30 km behind the line named
"mortar" once and "tube artillery" twice is judged by the classes it probably is, not by one label.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from truceline.geodesy import LocalProjection
from truceline.model.agreement import WeaponClass
from truceline.model.tables import WEAPON_FINDINGS, Columns
from truceline.rules.zones import Zones

CLASSES = tuple(w.value for w in WeaponClass)


@dataclass(frozen=True)
class WeaponParams:
    """Settings of merging sightings and judging weapons."""

    merge_m: float = 300.0      # sightings this close are one weapon (positions err by ~100 m)
    confusion: float = 0.15     # how often a class is named wrongly (measured on checked sightings)
    violation_p: float = 0.5    # a weapon this likely inside its withdrawal zone ...
    min_flights: int = 2        # ... and seen by this many flights is a violation (one is 'possible')


def weapon_groups(sightings: Columns, params: WeaponParams = WeaponParams()) -> np.ndarray:
    """Per sighting, the index of its weapon."""
    n = len(sightings)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    proj = LocalProjection.around(np.column_stack([sightings["lon"], sightings["lat"]]))
    x, y = proj.to_xy(sightings["lon"], sightings["lat"])
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(params.merge_m, output_type="ndarray")
    serial = sightings["serial"].astype(str)
    order = np.argsort(serial, kind="stable")
    same = (serial[order][1:] == serial[order][:-1]) & (serial[order][1:] != "")
    extra = np.column_stack([order[:-1][same], order[1:][same]]) if same.any() else np.zeros((0, 2), dtype=np.int64)
    links = np.vstack([pairs.reshape(-1, 2), extra]).astype(np.int64)
    graph = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def class_posterior(named: np.ndarray, params: WeaponParams = WeaponParams()) -> np.ndarray:
    """P(true class) over :data:`CLASSES` given the classes a weapon's sightings named (flat prior)."""
    k = len(CLASSES)
    log_p = np.zeros(k)
    right, wrong = np.log(1.0 - params.confusion), np.log(params.confusion / (k - 1))
    for c in named:
        log_p += np.where(np.array(CLASSES) == c, right, wrong)
    p = np.exp(log_p - log_p.max())
    return p / p.sum()


def weapon_findings(sightings: Columns, zones: Zones, params: WeaponParams = WeaponParams()) -> Columns:
    """One row per weapon (``WEAPON_FINDINGS``), its sightings merged, judged against the zones."""
    if len(sightings) == 0:
        return Columns.empty(WEAPON_FINDINGS)
    group = weapon_groups(sightings, params)
    rows = []
    for g in np.unique(group):
        k = np.flatnonzero(group == g)
        lon, lat = float(np.mean(sightings["lon"][k])), float(np.mean(sightings["lat"][k]))
        post = class_posterior(sightings["weapon_class"].astype(str)[k], params)
        party = str(zones.side_of([lon], [lat])[0])
        inside = np.array([bool(zones.within_withdrawal([lon], [lat], party, c)[0]) if party else False
                           for c in CLASSES])
        p_violation = float(np.sum(post * inside))
        best = int(np.argmax(post))
        dist = float(zones.distance_to_reference_line_m([lon], [lat], party)[0]) / 1000.0 if party else np.nan
        serials = sorted({s for s in sightings["serial"].astype(str)[k] if s})
        rows.append({"first_seen": float(np.min(sightings["time"][k])), "last_seen": float(np.max(sightings["time"][k])),
                     "lon": lon, "lat": lat, "weapon_class": CLASSES[best], "class_p": float(post[best]),
                     "party": party or "", "distance_km": dist,
                     "withdrawal_km": zones.agreement.withdrawal_distance_km(CLASSES[best]),
                     "p_violation": p_violation,
                     "is_violation": p_violation >= params.violation_p and
                     len(set(sightings["flight_id"].astype(str)[k])) >= params.min_flights,
                     "n_sightings": len(k), "n_flights": len(set(sightings["flight_id"].astype(str)[k])),
                     "serials": " ".join(serials),
                     "sighting_ids": " ".join(sorted(sightings["sighting_id"].astype(str)[k]))})
    rows.sort(key=lambda r: (r["first_seen"], r["sighting_ids"]))
    for i, r in enumerate(rows):
        r["finding_id"] = f"W{i + 1:05d}"
    return Columns.from_rows(WEAPON_FINDINGS, rows)
