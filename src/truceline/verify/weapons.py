"""Weapons seen by drones: sightings of one weapon merged into one finding, judged against the
withdrawal zones.

Level 2. Sightings closer than ``merge_m`` (single linkage), or sharing a readable serial number,
are one weapon. Its class is the posterior over the agreement's classes given every sighting's
named class, each right with the producer's stated confidence (treated as calibrated; without one,
``1 - confusion``) and otherwise any other class alike, under the day's mix of classes (estimated
by EM over all the day's weapons: most weapons are of a few classes, and a flat prior would lend
the long-range classes, whose zones are widest, weight nobody saw); the weapon belongs to the party on whose
side it stands. It is inside its zone with probability P_in = Σ_k P(class k) · [inside class k's
withdrawal distance from its party's reference line]; it is real with P_real, from how many of
the flights over it saw it (:mod:`truceline.verify.observed`). It is a violation where it is
probably real (P_real ≥ ``model.p_real``, the standard coverage is measured by) and more likely
inside its zone than not (P_in ≥ ``violation_p``): a weapon 30 km behind the line named "mortar" once and "tube
artillery" twice is judged by the classes it probably is, and one flight's sighting under three
flights that saw nothing is a lead, not a finding.
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
from truceline.verify.observed import (SightingModel, coverage_grid, flights_over, p_covered, posterior_real,
                                       weapon_density)

CLASSES = tuple(w.value for w in WeaponClass)


@dataclass(frozen=True)
class WeaponParams:
    """Settings of merging sightings and judging weapons."""

    model: SightingModel = SightingModel()
    confusion: float = 0.15     # how often a class is named wrongly, where a sighting states no confidence
    violation_p: float = 0.5    # P_in at least this, the weapon real (P_real >= model.p_real): a violation


def weapon_groups(sightings: Columns, params: WeaponParams = WeaponParams()) -> np.ndarray:
    """Per sighting, the index of its weapon."""
    n = len(sightings)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    proj = LocalProjection.around(np.column_stack([sightings["lon"], sightings["lat"]]))
    x, y = proj.to_xy(sightings["lon"], sightings["lat"])
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(params.model.merge_m, output_type="ndarray")
    serial = sightings["serial"].astype(str)
    order = np.argsort(serial, kind="stable")
    same = (serial[order][1:] == serial[order][:-1]) & (serial[order][1:] != "")
    extra = np.column_stack([order[:-1][same], order[1:][same]]) if same.any() else np.zeros((0, 2), dtype=np.int64)
    links = np.vstack([pairs.reshape(-1, 2), extra]).astype(np.int64)
    graph = coo_matrix((np.ones(len(links)), (links[:, 0], links[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def class_loglik(named: np.ndarray, confidence: np.ndarray | None = None,
                 params: WeaponParams = WeaponParams()) -> np.ndarray:
    """log P(named classes | true class) over :data:`CLASSES`, each sighting right with its
    ``confidence`` (NaN or None: ``1 - confusion``) and otherwise naming any other class alike."""
    k = len(CLASSES)
    log_p = np.zeros(k)
    conf = np.full(len(named), np.nan) if confidence is None else np.asarray(confidence, float)
    conf = np.clip(np.where(np.isfinite(conf), conf, 1.0 - params.confusion), 0.05, 0.995)
    for c, q in zip(named, conf):
        log_p += np.where(np.array(CLASSES) == c, np.log(q), np.log((1.0 - q) / (k - 1)))
    return log_p


def class_posterior(named: np.ndarray, confidence: np.ndarray | None = None,
                    params: WeaponParams = WeaponParams(), prior: np.ndarray | None = None) -> np.ndarray:
    """P(true class) over :data:`CLASSES` given the classes a weapon's sightings named (flat prior
    unless ``prior``)."""
    log_p = class_loglik(named, confidence, params) + (0.0 if prior is None else np.log(prior))
    p = np.exp(log_p - log_p.max())
    return p / p.sum()


def class_mix(loglik: np.ndarray, iterations: int = 50, pseudo: float = 1.0) -> np.ndarray:
    """The day's mix of classes (the prior), by EM over every weapon's class likelihoods (rows),
    with ``pseudo`` weapons of each class added so that a class nobody named keeps some weight."""
    k = loglik.shape[1]
    prior = np.full(k, 1.0 / k)
    for _ in range(iterations):
        post = np.exp(loglik - loglik.max(axis=1, keepdims=True)) * prior
        post /= post.sum(axis=1, keepdims=True)
        prior = (post.sum(axis=0) + pseudo) / (len(loglik) + pseudo * k)
    return prior


def weapon_findings(sightings: Columns, zones: Zones, coverage: Columns,
                    params: WeaponParams = WeaponParams(), launches: np.ndarray | None = None) -> Columns:
    """One row per weapon (``WEAPON_FINDINGS``), its sightings merged, judged against the zones
    with the flights' footprints (``FLIGHT_COVERAGE``) saying how much its sightings weigh;
    ``launches`` (lon, lat rows of the day's located launches) raise the prior that a weapon
    stands where one was fired from."""
    if len(sightings) == 0:
        return Columns.empty(WEAPON_FINDINGS)
    group = weapon_groups(sightings, params)
    flight = sightings["flight_id"].astype(str)
    named, conf = sightings["weapon_class"].astype(str), np.asarray(sightings["confidence"], float)
    members = [np.flatnonzero(group == g) for g in np.unique(group)]
    loglik = np.array([class_loglik(named[k], conf[k], params) for k in members])
    prior = class_mix(loglik)
    rows = []
    for k, ll in zip(members, loglik):
        lon, lat = float(np.mean(sightings["lon"][k])), float(np.mean(sightings["lat"][k]))
        post = np.exp(ll - ll.max()) * prior
        post /= post.sum()
        party = str(zones.side_of([lon], [lat])[0])
        inside = np.array([bool(zones.within_withdrawal([lon], [lat], party, c)[0]) if party else False
                           for c in CLASSES])
        p_inside = float(np.sum(post * inside))
        best = int(np.argmax(post))
        dist = float(zones.distance_to_reference_line_m([lon], [lat], party)[0]) / 1000.0 if party else np.nan
        serials = sorted({s for s in sightings["serial"].astype(str)[k] if s})
        rows.append({"first_seen": float(np.min(sightings["time"][k])), "last_seen": float(np.max(sightings["time"][k])),
                     "lon": lon, "lat": lat, "weapon_class": CLASSES[best], "class_p": float(post[best]),
                     "party": party or "", "distance_km": dist,
                     "withdrawal_km": zones.agreement.withdrawal_distance_km(CLASSES[best]),
                     "p_inside": p_inside, "n_sightings": len(k), "n_flights": len(set(flight[k])),
                     "serials": " ".join(serials),
                     "sighting_ids": " ".join(sorted(sightings["sighting_id"].astype(str)[k]))})
    _weigh(rows, coverage, params, launches)
    rows.sort(key=lambda r: (r["first_seen"], r["sighting_ids"]))
    for i, r in enumerate(rows):
        r["finding_id"] = f"W{i + 1:05d}"
    return Columns.from_rows(WEAPON_FINDINGS, rows)


def _weigh(rows: list[dict], coverage: Columns, params: WeaponParams, launches: np.ndarray | None) -> None:
    """Give each finding its flights over, P_real, coverage probability, P(violation) and confidence."""
    m = params.model
    k = np.array([r["n_flights"] for r in rows])
    lon, lat = np.array([r["lon"] for r in rows]), np.array([r["lat"] for r in rows])
    n = np.maximum(flights_over(coverage, lon, lat), k)
    density = weapon_density(k, coverage_grid(coverage), m)
    prior = np.full(len(rows), np.nan)
    if launches is not None and len(launches):
        proj = LocalProjection.around(np.column_stack([lon, lat]))
        lx, ly = proj.to_xy(launches[:, 0], launches[:, 1])
        d, _ = cKDTree(np.column_stack([lx, ly])).query(np.column_stack(proj.to_xy(lon, lat)))
        prior[d <= m.launch_m] = m.launch_prior
    real = posterior_real(k, n, density, m, prior)
    covered = p_covered(n, density, m)
    for r, kk, nn, pr, pc in zip(rows, k, n, real, covered):
        p = float(pr) * r["p_inside"]
        r.update({"flights_over": int(nn), "p_real": float(pr), "coverage_p": float(pc), "p_violation": p,
                  "is_violation": bool(pr >= m.p_real and r["p_inside"] >= params.violation_p),
                  "confidence": "probable" if kk >= 2 and pr >= m.p_real else "possible"})
