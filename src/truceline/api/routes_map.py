"""Map routes for the dashboard: the offline base layer, a day's findings as GeoJSON with 95 %
ellipses, coverage as a grid of detection probability, and the evidence behind an incident with
its ledger proof status."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from fastapi import APIRouter, Request

from truceline.api.app import NOT_FOUND, Caller, allow
from truceline.api.desk import Desk, NotFound
from truceline.api.workspace import Day
from truceline.geodesy import LocalProjection
from truceline.report.mapplot import ELLIPSE_95_SCALE, ellipse_lonlat
from truceline.report.spot import release_status

router = APIRouter(prefix="/v1", responses=NOT_FOUND)
MISSION = ("analyst", "publisher")
GRID_KM = 5.0


def _desk(request: Request) -> Desk:
    return request.app.state.desk


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


@router.get("/days/{day}/base", summary="The offline base layer: contact line, sectors, security zone, towns (any caller)")
async def base(request: Request, day: str) -> dict[str, Any]:
    return _base_layer(_desk(request).day(day))


def _base_layer(d: Day) -> dict[str, Any]:
    from truceline.api.workspace import input_path
    from truceline.pipeline import load_history
    from truceline.report.places import gazetteer
    meta = json.loads((d.folder / "run.json").read_text(encoding="utf-8"))
    agreement = load_history(input_path(meta, "agreement", d.folder)).at(d.period[0])
    line = np.asarray(agreement.contact_line.coords)
    features = [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": line.tolist()},
                 "properties": {"layer": "contact_line", "name": "contact line"}}]
    features += _sectors_and_zone(agreement, line)
    west, south = line.min(axis=0) - 0.5
    east, north = line.max(axis=0) + 0.5
    gaz = gazetteer()
    inside = (gaz.lon >= west) & (gaz.lon <= east) & (gaz.lat >= south) & (gaz.lat <= north) & (gaz.population >= 20000)
    features += [_point(float(gaz.lon[k]), float(gaz.lat[k]), {"layer": "town", "name": str(gaz.names[k]),
                                                              "population": int(gaz.population[k])})
                 for k in np.flatnonzero(inside)]
    return _collection(features)


def _sectors_and_zone(agreement: Any, line: np.ndarray) -> list[dict[str, Any]]:
    """The sectors as stretches of the line (by geodesic chainage) and the security zone as a polygon."""
    import shapely

    from truceline.geodesy import GEOD, densify
    dense = densify(line, 1000.0)
    _, _, step = GEOD.inv(dense[:-1, 0], dense[:-1, 1], dense[1:, 0], dense[1:, 1])
    chain_km = np.concatenate([[0.0], np.cumsum(step)]) / 1000.0
    out = []
    for k, sector in enumerate(agreement.sectors):
        part = dense[(chain_km >= sector.from_km) & (chain_km <= sector.to_km)]
        if len(part) >= 2:
            out.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": part.round(5).tolist()},
                        "properties": {"layer": "sector", "id": sector.id, "name": sector.name, "index": k % 2}})
    proj = LocalProjection.around(dense)
    x, y = proj.to_xy(dense[:, 0], dense[:, 1])
    zone = shapely.LineString(np.column_stack([x, y])).buffer(agreement.security_zone.width_km * 500.0)
    ring = np.asarray(zone.exterior.coords)
    lon, lat = proj.to_lonlat(ring[:, 0], ring[:, 1])
    out.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [np.column_stack([lon, lat]).round(5).tolist()]},
                "properties": {"layer": "security_zone", "name": "security zone",
                               "width_km": agreement.security_zone.width_km}})
    return out


@router.get("/days/{day}/map", summary="A day's incidents and engagements as GeoJSON, with 95 % ellipses (mission)")
async def day_map(request: Request, who: Caller, day: str) -> dict[str, Any]:
    allow(who, *MISSION)
    return _findings(_desk(request).day(day))


def _findings(d: Day) -> dict[str, Any]:
    ev = d.tables["events"]
    row_of = {str(e): k for k, e in enumerate(ev["event_id"])}
    proj = LocalProjection.around(np.column_stack([ev["lon"], ev["lat"]])) if len(ev) else None
    features = []
    for r in d.rows["incidents"]:
        ids = r["event_ids"].split()
        k = next((row_of[i] for i in ids if i in row_of and str(ev["kind"][row_of[i]]) == "impact"),
                 row_of.get(ids[0]) if ids and ids[0] in row_of else None)
        sector = str(ev["sector"][k]) if k is not None else ""
        props = {"layer": "incident", "id": r["incident_id"], "time": r["start"], "hour": _hour(r["start"], d),
                 "confidence": r["confidence"], "party": r["attributed_side"], "attribution": r["attribution"],
                 "violation": r["is_violation"], "modalities": r["modalities"], "sector": sector}
        features.append(_point(r["lon"], r["lat"], props))
        if k is not None and proj is not None and math.isfinite(float(ev["sigma_major_m"][k])):
            ring = ellipse_lonlat(proj, float(ev["lon"][k]), float(ev["lat"][k]),
                                  float(ev["sigma_major_m"][k]) * ELLIPSE_95_SCALE,
                                  float(ev["sigma_minor_m"][k]) * ELLIPSE_95_SCALE, float(ev["azimuth_deg"][k]), 36)
            features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring.round(6).tolist()]},
                             "properties": {**props, "layer": "ellipse"}})
    for r in d.rows["engagements"]:
        features.append(_point(r["lon"], r["lat"], {"layer": "engagement", "id": r["engagement_id"], "time": r["start"],
                                                    "hour": _hour(r["start"], d), "party": r["opened_by"],
                                                    "sector": r["sector"], "n_events": r["n_events"]}))
    return _collection(features)


def _hour(iso: str | None, d: Day) -> int:
    from truceline.model.timefmt import from_iso
    return -1 if not iso else int((from_iso(iso) - d.period[0]) // 3600)


@router.get("/days/{day}/coverage", summary="Detection probability of an impact on a 5 km grid, day mean (mission)")
async def day_coverage(request: Request, who: Caller, day: str) -> dict[str, Any]:
    allow(who, *MISSION)
    d = _desk(request).day(day)
    key = (d.day, d.run_id)
    if key not in _GRIDS:
        _GRIDS[key] = _coverage_grid(d)
    return _GRIDS[key]


_GRIDS: dict[tuple[str, str], dict[str, Any]] = {}
"""Coverage grids made so far, by (day, run): a day's picks do not change while it is served."""


def _coverage_grid(d: Day) -> dict[str, Any]:
    """The day's detection grid (:func:`truceline.verify.coverage.detection_grid`) as GeoJSON cells."""
    from truceline.verify.coverage import detection_grid
    if len(d.tables["sensors"]) == 0:
        return _collection([])
    step = GRID_KM * 1000.0
    proj, xs, ys, mean = detection_grid(d.tables["sensors"], d.tables["picks"], d.period[0], d.period[1], step)
    square = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]]) * step / 2
    features = []
    for k in np.flatnonzero(mean >= 0.05):
        lon, lat = proj.to_lonlat(xs[k] + square[:, 0], ys[k] + square[:, 1])
        features.append({"type": "Feature", "geometry": {"type": "Polygon",
                                                         "coordinates": [np.column_stack([lon, lat]).round(5).tolist()]},
                         "properties": {"layer": "coverage", "p": round(float(mean[k]), 3)}})
    return _collection(features)


@router.get("/days/{day}/incidents/{incident_id}/evidence",
            summary="The evidence behind an incident and its ledger proof status (mission)")
async def evidence(request: Request, who: Caller, day: str, incident_id: str) -> dict[str, Any]:
    allow(who, *MISSION)
    desk = _desk(request)
    d = desk.day(day)
    row = next((r for r in d.rows["incidents"] if r["incident_id"] == incident_id), None)
    if row is None:
        raise NotFound(f"no incident {incident_id!r}")
    status, size, findings = release_status(str(d.folder.resolve()))
    items = []
    for eid in row["event_ids"].split():
        cites = findings.get(eid, [])
        by_table: dict[str, int] = {}
        for c in cites:
            by_table[c.split("/")[0]] = by_table.get(c.split("/")[0], 0) + 1
        items.append({"source": "acoustic", "id": eid, "cited_records": by_table,
                      "proof": status if cites else "not a violation: no proof released"})
    for kind, key in (("thermal", "thermal_ids"), ("drone", "weapon_ids"), ("sar", "damage_ids")):
        items += [{"source": kind, "id": i, "cited_records": {}, "proof": "file evidence (not in the ledger)"}
                  for i in row[key].split()]
    return {"incident_id": incident_id, "confidence": row["confidence"], "attribution": row["attribution"],
            "checkpoint_size": size, "items": items}
