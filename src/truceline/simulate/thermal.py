"""Fire from space, simulated: FIRMS hotspots of the day and of the month before it.

Impacts start fires (more often for rockets than for mortar bombs) that burn for hours; a
satellite sees a fire at an overpass when it is still burning, the sky over it is clear and its
radiative power beats the instrument's threshold. Beside them burn things the ceasefire does not
care about: industrial sites that burn every day (the history shows them on most days of the
month before) and one-off field fires. Pixels are placed with the instrument's geolocation error;
bright ones saturate the VIIRS I-4 channel at 367 K, as real files show. Draws come from a stream
of their own, so adding hotspots changes no pick of the acoustic feed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truceline.model.tables import HOTSPOTS, Columns
from truceline.simulate.world import World, offset_points

VIIRS_PASSES_H = {"N21": (10.0, 22.5), "N20": (10.8, 23.3), "N": (11.6, 0.3)}
"""UTC hours of the day and night overpasses over the Donbas (01:30 / 13:30 local solar time)."""
MODIS_PASSES_H = {"Terra": (8.1, 19.9), "Aqua": (10.9, 23.4)}
STREAM = 5
"""The random stream of this module: ``default_rng([seed, STREAM])``."""


@dataclass(frozen=True)
class ThermalSimParams:
    """What shapes the day's hotspots."""

    fire_prob: tuple[tuple[str, float], ...] = (("mortar", 0.05), ("tube_artillery", 0.12), ("mlrs", 0.25))
    burn_median_h: float = 3.0
    frp_median_mw: float = 6.0
    clear_prob: float = 0.45          # late-autumn Donbas: a pass sees the ground this often ...
    cloud_cell_m: float = 50_000.0    # ... in cells of this length along the line
    industry_spacing_km: float = 120.0
    industry_daily_prob: float = 0.85
    burns_per_100km: float = 2.5      # one-off field and rubbish fires per day
    history_days: int = 30
    viirs_geoloc_m: float = 150.0
    modis_geoloc_m: float = 500.0


@dataclass(frozen=True)
class ThermalDay:
    """Hotspots as FIRMS would deliver them, with their truth."""

    viirs: Columns
    modis: Columns
    history: Columns
    truth: Columns          # per hotspot of the day: hotspot_id, source (impact|industry|burn), source_id
    passes: Columns         # per overpass and cloud cell: satellite, time, cell, clear


def simulate_thermal(world: World, truth: Columns, day_start: float, seed: int,
                     params: ThermalSimParams = ThermalSimParams()) -> ThermalDay:
    """The day's hotspots (and the history before it) for the fire in ``truth``."""
    rng = np.random.default_rng([seed, STREAM])
    line = world.line_xy()
    proj = world.projection()
    fires = _impact_fires(truth, proj, params, rng)
    sites = _industry(world, line, params, rng)
    burns = _burns(world, line, day_start, params, rng, days=1)
    passes = _passes(day_start, line.length, params, rng)
    rows, tags = [], []
    for kind, sources in (("impact", fires), ("industry", _daily(sites, day_start, params, rng)), ("burn", burns)):
        r, t = _observe(sources, passes, line, proj, params, rng, kind)
        rows += r
        tags += t
    history = []
    for d in range(params.history_days, 0, -1):
        start = day_start - d * 86_400.0
        hp = _passes(start, line.length, params, rng)
        for kind, sources in (("industry", _daily(sites, start, params, rng)),
                              ("burn", _burns(world, line, start, params, rng, days=1))):
            history += _observe(sources, hp, line, proj, params, rng, kind)[0]
    viirs = [r for r in rows if r["instrument"] == "VIIRS"]
    modis = [r for r in rows if r["instrument"] == "MODIS"]
    truth_rows = {"hotspot_id": np.array([t[0] for t in tags], dtype=object),
                  "source": np.array([t[1] for t in tags], dtype=object),
                  "source_id": np.array([t[2] for t in tags], dtype=object)}
    pass_table = Columns({k: np.array([p[k] for p in passes["cells"]], dtype=object if k == "satellite" else None)
                          for k in ("satellite", "time", "cell", "clear")})
    return ThermalDay(_table(viirs), _table(modis), _table([r for r in history if r["instrument"] == "VIIRS"]),
                      Columns(truth_rows), pass_table)


def _impact_fires(truth: Columns, proj, params: ThermalSimParams, rng) -> list[dict]:
    kind = truth["kind"].astype(str)
    prob = dict(params.fire_prob)
    out = []
    for i in np.flatnonzero(kind == "impact"):
        if rng.random() >= prob.get(str(truth["weapon_class"][i]), 0.1):
            continue
        x, y = proj.to_xy(np.array([truth["lon"][i]]), np.array([truth["lat"][i]]))
        out.append({"id": str(truth["truth_id"][i]), "x": float(x[0]), "y": float(y[0]),
                    "start": float(truth["time"][i]), "hours": float(rng.lognormal(np.log(params.burn_median_h), 0.6)),
                    "frp": float(rng.lognormal(np.log(params.frp_median_mw), 0.8))})
    return out


def _industry(world: World, line, params: ThermalSimParams, rng) -> list[dict]:
    n = max(1, int(line.length / 1000.0 / params.industry_spacing_km))
    s = (np.arange(n) + 0.5) * line.length / n
    side = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    xy = offset_points(line, s, side * rng.uniform(12_000, 35_000, n))
    return [{"id": f"IND-{k + 1:02d}", "x": float(p[0]), "y": float(p[1]), "frp": float(rng.uniform(15, 60))}
            for k, p in enumerate(xy)]


def _daily(sites: list[dict], day_start: float, params: ThermalSimParams, rng) -> list[dict]:
    return [{**s, "start": day_start, "hours": 24.0} for s in sites if rng.random() < params.industry_daily_prob]


def _burns(world: World, line, day_start: float, params: ThermalSimParams, rng, days: int) -> list[dict]:
    n = int(rng.poisson(params.burns_per_100km * line.length / 100_000.0 * days))
    s = rng.uniform(0, line.length, n)
    xy = offset_points(line, s, rng.uniform(-40_000, 40_000, n))
    return [{"id": f"BURN-{int(day_start // 86400)}-{k:03d}", "x": float(p[0]), "y": float(p[1]),
             "start": day_start + float(rng.uniform(6 * 3600, 18 * 3600)),
             "hours": float(rng.lognormal(np.log(2.0), 0.5)), "frp": float(rng.lognormal(np.log(4.0), 0.7))}
            for k, p in enumerate(xy)]


def _passes(day_start: float, length_m: float, params: ThermalSimParams, rng) -> dict:
    n_cells = int(np.ceil(length_m / params.cloud_cell_m))
    out = []
    for instrument, table in (("VIIRS", VIIRS_PASSES_H), ("MODIS", MODIS_PASSES_H)):
        for sat, hours in table.items():
            for h in hours:
                t = day_start + h * 3600.0 + float(rng.uniform(-900, 900))
                clear = rng.random(n_cells) < params.clear_prob
                out.append({"instrument": instrument, "satellite": sat, "time": t, "clear": clear})
    cells = [{"satellite": p["satellite"], "time": p["time"], "cell": c, "clear": bool(p["clear"][c])}
             for p in out for c in range(n_cells)]
    return {"passes": out, "cells": cells}


def _observe(sources: list[dict], passes: dict, line, proj, params: ThermalSimParams, rng, kind: str):
    import shapely

    rows, tags = [], []
    for src in sources:
        cell = int(line.project(shapely.Point(src["x"], src["y"])) // params.cloud_cell_m)
        for p in passes["passes"]:
            burning = src["start"] <= p["time"] <= src["start"] + src["hours"] * 3600.0
            if not burning or not p["clear"][min(cell, len(p["clear"]) - 1)]:
                continue
            viirs = p["instrument"] == "VIIRS"
            if rng.random() >= 1.0 - np.exp(-src["frp"] / (2.0 if viirs else 10.0)):
                continue
            n_pix = 1 + min(int(rng.poisson(src["frp"] / 15.0)), 3)
            size = 375.0 if viirs else 1000.0
            geo = params.viirs_geoloc_m if viirs else params.modis_geoloc_m
            centre = np.array([src["x"], src["y"]]) + rng.normal(0, geo, 2)
            for k in range(n_pix):
                xy = centre + np.array([(k % 2) * size, (k // 2) * size])
                lon, lat = proj.to_lonlat(np.array([xy[0]]), np.array([xy[1]]))
                rows.append(_hotspot(float(lon[0]), float(lat[0]), p, src["frp"] / n_pix, viirs, rng))
                tags.append((rows[-1]["hotspot_id"], kind, src["id"]))
    return rows, tags


def _hotspot(lon: float, lat: float, p: dict, frp: float, viirs: bool, rng) -> dict:
    from datetime import datetime, timezone

    t = round(p["time"] / 60.0) * 60.0
    hour = datetime.fromtimestamp(t, timezone.utc).hour
    scan = float(rng.uniform(0.37, 0.6) if viirs else rng.uniform(1.0, 2.0))
    if viirs:
        b4 = 300.0 + 24.0 * np.log1p(frp) + float(rng.normal(0, 3))
        saturated = b4 >= 367.0
        b4 = min(b4, 367.0)
        conf = "high" if b4 > 345 else "nominal" if b4 > 312 else "low"
        pct = float("nan")
    else:
        b4 = 305.0 + 18.0 * np.log1p(frp) + float(rng.normal(0, 3))
        saturated = False
        pct = float(np.clip(35 + 15 * np.log1p(frp) + rng.normal(0, 8), 0, 100))
        conf = "low" if pct < 30 else "nominal" if pct < 80 else "high"
    stamp = datetime.fromtimestamp(t, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return {"hotspot_id": f"{p['satellite']}-{stamp}-{lat:+.5f}{lon:+.5f}", "time": t, "lon": lon, "lat": lat,
            "instrument": "VIIRS" if viirs else "MODIS", "satellite": p["satellite"], "confidence": conf,
            "confidence_pct": pct, "brightness_k": round(float(b4), 2),
            "brightness2_k": round(285.0 + 3.0 * np.log1p(frp) + float(rng.normal(0, 1)), 2),
            "frp_mw": round(frp, 2), "scan_km": round(scan, 2), "track_km": round(scan * 0.9, 2),
            "daynight": "D" if 6 <= (hour + 2) % 24 < 18 else "N", "saturated": bool(saturated)}


def _table(rows: list[dict]) -> Columns:
    table = Columns.from_rows(HOTSPOTS, rows)
    return table.take(np.lexsort((table["hotspot_id"].astype(str), table["time"])))
