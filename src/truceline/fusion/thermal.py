"""Fire seen from space: satellite hotspots joined into thermal events, persistent sources masked.

Level 1: nothing here knows parties or the agreement. The fire pixels of one overpass of one
satellite that touch (within ``join_m`` of the instrument) are one thermal event, located at their
FRP-weighted centre. A place that burns day after day (a steel works, a gas flare, a landfill)
is not conflict fire: a pixel with hotspots within ``persistent_radius_m`` on ``min_days`` or more
distinct earlier days of the look-back is *persistent*, and an event most of whose pixels are
persistent is *masked*: kept, with its reason, but not reported as fire. Saturated pixels are kept
and flagged (their brightness and FRP are lower bounds).

>>> events = thermal_events(hotspots, history=earlier_hotspots)          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from truceline.geodesy import LocalProjection
from truceline.model.tables import HOTSPOTS, THERMAL_EVENTS, Columns

CLASS_RANK = {"low": 0, "nominal": 1, "high": 2}
DAY_S = 86_400.0


@dataclass(frozen=True)
class ThermalParams:
    """Settings of thermal events and of learning persistent sources."""

    join_m: dict[str, float] = field(default_factory=lambda: {"VIIRS": 800.0, "MODIS": 2_100.0})
    """Pixels of one overpass this close are one fire (about two pixels: 375 m VIIRS, 1 km MODIS)."""
    overpass_s: float = 600.0          # hotspots of one satellite this close in time are one overpass
    persistent_radius_m: dict[str, float] = field(default_factory=lambda: {"VIIRS": 500.0, "MODIS": 1_500.0})
    """An earlier hotspot this close to a pixel counts as the same place burning."""
    min_days: int = 3                  # distinct earlier days that make a place persistent ...
    lookback_days: int = 90            # ... within this many days before the pixel's own day


def persistent_days(hotspots: Columns, history: Columns, proj: LocalProjection,
                    params: ThermalParams = ThermalParams()) -> np.ndarray:
    """Per hotspot, the number of distinct earlier days in the look-back with a hotspot of either
    instrument within the larger of the two instruments' persistence radii (0 with no history): a
    place that burns is persistent whichever satellite saw it."""
    out = np.zeros(len(hotspots), dtype=np.int64)
    if len(hotspots) == 0 or len(history) == 0:
        return out
    hx, hy = proj.to_xy(hotspots["lon"], hotspots["lat"])
    px, py = proj.to_xy(history["lon"], history["lat"])
    h_day = np.floor(np.asarray(history["time"], float) / DAY_S).astype(np.int64)
    day = np.floor(np.asarray(hotspots["time"], float) / DAY_S).astype(np.int64)
    seen: dict[int, set[int]] = {}
    radii = params.persistent_radius_m
    for instrument in radii:
        mine = np.flatnonzero(hotspots["instrument"].astype(str) == instrument)
        for other in radii:
            past = np.flatnonzero(history["instrument"].astype(str) == other)
            if len(mine) == 0 or len(past) == 0:
                continue
            near = cKDTree(np.column_stack([px[past], py[past]])).query_ball_point(
                np.column_stack([hx[mine], hy[mine]]), r=max(radii[instrument], radii[other]))
            for k, hits in zip(mine, near):
                days = h_day[past[np.asarray(hits, dtype=np.int64)]]
                seen.setdefault(int(k), set()).update(
                    days[(days < day[k]) & (days >= day[k] - params.lookback_days)].tolist())
    for k, days_seen in seen.items():
        out[k] = len(days_seen)
    return out


def overpass_groups(hotspots: Columns, proj: LocalProjection, params: ThermalParams = ThermalParams()) -> np.ndarray:
    """Per hotspot, the index of its thermal event: connected pixels of one overpass."""
    n = len(hotspots)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    x, y = proj.to_xy(hotspots["lon"], hotspots["lat"])
    t = np.asarray(hotspots["time"], float)
    sat = hotspots["satellite"].astype(str)
    inst = hotspots["instrument"].astype(str)
    order = np.lexsort((t, sat))
    new_pass = np.r_[True, (sat[order][1:] != sat[order][:-1]) | (np.diff(t[order]) > params.overpass_s)]
    passes = np.empty(n, dtype=np.int64)
    passes[order] = np.cumsum(new_pass) - 1
    rows, cols = [], []
    for instrument, join in params.join_m.items():
        sel = np.flatnonzero(inst == instrument)
        if len(sel) < 2:
            continue
        pairs = cKDTree(np.column_stack([x[sel], y[sel]])).query_pairs(join, output_type="ndarray")
        pairs = pairs[passes[sel[pairs[:, 0]]] == passes[sel[pairs[:, 1]]]]
        rows.append(sel[pairs[:, 0]])
        cols.append(sel[pairs[:, 1]])
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(r)), (r, c)), shape=(n, n))
    return connected_components(graph, directed=False)[1].astype(np.int64)


def thermal_events(hotspots: Columns, history: Columns | None = None,
                   params: ThermalParams = ThermalParams()) -> Columns:
    """The thermal events (``THERMAL_EVENTS``) of a hotspot table, persistent sources masked."""
    if len(hotspots) == 0:
        return Columns.empty(THERMAL_EVENTS)
    proj = LocalProjection.around(np.column_stack([hotspots["lon"], hotspots["lat"]]))
    days = persistent_days(hotspots, history if history is not None else Columns.empty(HOTSPOTS), proj, params)
    group = overpass_groups(hotspots, proj, params)
    x, y = proj.to_xy(hotspots["lon"], hotspots["lat"])
    frp = np.nan_to_num(np.asarray(hotspots["frp_mw"], float), nan=0.0)
    pixel_m = 1000.0 * np.sqrt(np.nan_to_num(np.asarray(hotspots["scan_km"], float) *
                                             np.asarray(hotspots["track_km"], float), nan=0.140625))
    rows = []
    for g in np.unique(group):
        k = np.flatnonzero(group == g)
        k = k[np.argsort(hotspots["hotspot_id"].astype(str)[k], kind="stable")]
        w = frp[k] + 1e-9
        cx, cy = float(np.average(x[k], weights=w)), float(np.average(y[k], weights=w))
        spread = float(np.sqrt(np.average((x[k] - cx) ** 2 + (y[k] - cy) ** 2, weights=w)))
        persistent = days[k] >= params.min_days
        masked = bool(persistent.sum() * 2 > len(k))
        conf = hotspots["confidence"].astype(str)[k]
        rows.append({"event_id": f"TH-{hotspots['hotspot_id'][k[0]]}", "time": float(hotspots["time"][k].min()),
                     "xy": (cx, cy), "sigma_m": float(np.hypot(np.mean(pixel_m[k]) / 2.0, spread)),
                     "instrument": str(hotspots["instrument"][k[0]]), "satellite": str(hotspots["satellite"][k[0]]),
                     "n_pixels": len(k), "frp_mw": float(np.nansum(np.asarray(hotspots["frp_mw"], float)[k])),
                     "brightness_max_k": float(np.max(hotspots["brightness_k"][k])),
                     "confidence": max(conf, key=lambda c: CLASS_RANK.get(c, -1)),
                     "saturated": bool(np.any(hotspots["saturated"][k])), "persistent_days": int(days[k].max()),
                     "masked": masked,
                     "reason": (f"persistent source: hotspots here on {int(days[k].max())} earlier days "
                                f"in {params.lookback_days}") if masked else "",
                     "hotspot_ids": " ".join(hotspots["hotspot_id"].astype(str)[k])})
    lon, lat = proj.to_lonlat(np.array([r["xy"][0] for r in rows]), np.array([r["xy"][1] for r in rows]))
    table = Columns.from_rows(THERMAL_EVENTS, [{**r, "lon": lo, "lat": la} for r, lo, la in zip(rows, lon, lat)])
    return table.take(np.lexsort((table["event_id"].astype(str), table["time"])))
