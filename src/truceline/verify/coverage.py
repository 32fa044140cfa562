"""Coverage: how likely fire on each side of the line was to be detected, hour by hour.

A sensor counts as up in an hour when it reported at least one pick in it (the picks feed has no
separate state-of-health channel yet). The detection model is the engine's stated assumption
(``WeaponProfile.launch_r50_m`` / ``impact_r50_m`` with a logistic fall-off), not the simulator's
hidden truth; an event counts as detected when at least ``min_sensors`` sensors hear it.
"""

from __future__ import annotations

import numpy as np

from truceline.geodesy import LocalProjection
from truceline.model.coverage import Coverage, Gap, SectorCoverage, SideCoverage
from truceline.model.tables import Columns
from truceline.model.weapons import WEAPONS
from truceline.rules.zones import Zones

WIDTH_M = 2_500.0
DEPTHS_M = (2_000.0, 6_000.0, 10_000.0, 15_000.0)
MAX_HOURS = 24 * 8
"""Longest window :func:`point_detection` answers for (a claim element's week, plus its edges)."""


def p_hear(d: np.ndarray, kind: str = "impact") -> np.ndarray:
    """Probability that a sensor ``d`` metres away hears a tube-artillery ``kind`` (launch | impact):
    the engine's stated logistic fall-off around the profile's r50."""
    tube = WEAPONS["tube_artillery"]
    r50 = tube.launch_r50_m if kind == "launch" else tube.impact_r50_m
    return 1 / (1 + np.exp((d - r50) / WIDTH_M))


def p_at_least(p: np.ndarray, k: int) -> np.ndarray:
    """P(at least k successes) of independent Bernoulli trials, rows of ``p`` (points x sensors)."""
    dist = np.zeros((p.shape[0], k + 1))
    dist[:, 0] = 1.0
    for j in range(p.shape[1]):
        q = p[:, j:j + 1]
        shifted = np.concatenate([np.zeros((p.shape[0], 1)), dist[:, :-1]], axis=1)
        top = dist[:, k] + q[:, 0] * dist[:, k - 1]
        dist = dist * (1 - q) + shifted * q
        dist[:, k] = top
    return dist[:, k]


def _probe_points(zones: Zones, proj: LocalProjection, party: str) -> tuple[np.ndarray, np.ndarray]:
    line = zones.contact_line
    verts = np.asarray(line.vertices)
    x, y = proj.to_xy(verts[:, 0], verts[:, 1])
    import shapely
    ls = shapely.LineString(np.column_stack([x, y]))
    s = np.arange(2_500.0, ls.length, 5_000.0)
    p0 = shapely.get_coordinates(ls.interpolate(np.maximum(s - 200, 0)))
    p1 = shapely.get_coordinates(ls.interpolate(np.minimum(s + 200, ls.length)))
    t = (p1 - p0) / np.linalg.norm(p1 - p0, axis=1, keepdims=True)
    normal = np.column_stack([t[:, 1], -t[:, 0]])
    sign = 1.0 if party == zones.party_ids[0] else -1.0
    pts = np.concatenate([shapely.get_coordinates(ls.interpolate(s)) + sign * d * normal for d in DEPTHS_M])
    return proj.to_lonlat(pts[:, 0], pts[:, 1])


def coverage(zones: Zones, sensors: Columns, picks: Columns, start: float, end: float,
             min_sensors: int = 5) -> Coverage:
    """Coverage of the period [start, end) per side, with gaps and silent sensors."""
    proj = LocalProjection.around(np.column_stack([sensors["lon"], sensors["lat"]])) if len(sensors) else None
    hours = max(int(np.ceil((end - start) / 3600.0)), 1)
    up = _up_matrix(sensors, picks, start, hours)
    sides, gaps, sectors = [], [], []
    sensor_side = zones.side_of(sensors["lon"], sensors["lat"]) if len(sensors) else np.zeros(0, object)
    for party in zones.party_ids:
        on_side = sensor_side == party
        if proj is None:
            sides.append(SideCoverage(party, 0, 0, 0.0, 0, 0.0, 0.0))
            continue
        lon, lat = _probe_points(zones, proj, party)
        px, py = proj.to_xy(lon, lat)
        sx, sy = proj.to_xy(sensors["lon"], sensors["lat"])
        d = np.hypot(px[:, None] - sx[None, :], py[:, None] - sy[None, :])
        p_l, p_i = p_hear(d, "launch"), p_hear(d, "impact")
        launch_h = np.array([p_at_least(p_l * up[:, h][None, :], min_sensors) for h in range(hours)])
        impact_h = np.array([p_at_least(p_i * up[:, h][None, :], min_sensors) for h in range(hours)])
        sector = zones.sector_of(lon, lat)
        gaps += _gaps(party, sector, launch_h, start)
        sectors += _per_sector(party, sector, launch_h, impact_h)
        sides.append(SideCoverage(party, int(on_side.sum()), int((up[on_side].sum(axis=1) > 0).sum()),
                                  float(up[on_side].sum()), int((launch_h.mean(axis=1) >= 0.5).sum()),
                                  round(float(launch_h.mean()), 3), round(float(impact_h.mean()), 3)))
    silent = up.shape[1] - up.sum(axis=1)
    offline = tuple((str(s), float(h)) for s, h in zip(sensors["sensor_id"], silent) if h >= 3)
    return Coverage(start, end, tuple(sides), tuple(gaps), offline, tuple(sectors))


def _up_matrix(sensors: Columns, picks: Columns, start: float, hours: int) -> np.ndarray:
    up = np.zeros((len(sensors), hours), dtype=bool)
    if len(picks) == 0 or len(sensors) == 0:
        return up
    index = {s: k for k, s in enumerate(sensors["sensor_id"])}
    si = np.array([index.get(s, -1) for s in picks["sensor_id"]])
    h = ((picks["time"] - start) // 3600).astype(int)
    ok = (si >= 0) & (h >= 0) & (h < hours)
    up[si[ok], h[ok]] = True
    return up


def _clock(start: float, hours: int) -> str:
    """The UTC clock time ``hours`` after ``start`` (``24:00`` for a midnight that ends the span)."""
    from datetime import datetime, timezone
    text = f"{datetime.fromtimestamp(start + 3600.0 * hours, timezone.utc):%H:%M}"
    return "24:00" if text == "00:00" and hours > 0 else text


def _per_sector(party: str, sector: np.ndarray, launch_h: np.ndarray, impact_h: np.ndarray) -> list[SectorCoverage]:
    """Per sector of the line, the side's mean detection probabilities over its probe points and
    hours (arrays are hours x probe points), and the launch probability at its worst hour."""
    out = []
    for sec in sorted(set(sector) - {""}):
        at = sector == sec
        out.append(SectorCoverage(party, str(sec), round(float(launch_h[:, at].mean()), 3),
                                  round(float(impact_h[:, at].mean()), 3),
                                  round(float(launch_h[:, at].mean(axis=1).min()), 3)))
    return out


def _gaps(party: str, sector: np.ndarray, p_hour: np.ndarray, start: float) -> list[Gap]:
    out = []
    for sec in sorted(set(sector) - {""}):
        mean = p_hour[:, sector == sec].mean(axis=1)
        low = mean < 0.5
        h = 0
        while h < len(low):
            if not low[h]:
                h += 1
                continue
            h0 = h
            while h < len(low) and low[h]:
                h += 1
            p = float(mean[h0:h].mean())
            out.append(Gap(party, str(sec), f"{_clock(start, h0)}-{_clock(start, h)} UTC", round(p, 2),
                           f"detection probability of a launch {p:.2f} (sensors silent or too sparse)"))
    return out


def point_detection(sensors: Columns, picks: Columns, lon: float, lat: float, start: float, end: float,
                    kind: str = "impact", min_sensors: int = 5) -> float:
    """The probability that a tube-artillery ``kind`` (launch | impact) at (lon, lat) would have been
    located in each hour of [start, end), at its worst hour: the sensors up that hour (see
    :func:`coverage`), each hearing it by the engine's stated detection model."""
    if len(sensors) == 0:
        return 0.0
    h0 = np.floor(start / 3600.0) * 3600.0
    hours = max(int(np.ceil((end - h0) / 3600.0)), 1)
    if hours > MAX_HOURS:
        raise ValueError(f"a window of {hours} hours is longer than the {MAX_HOURS} this answers for")
    up = _up_matrix(sensors, picks, h0, hours)
    proj = LocalProjection.around(np.column_stack([sensors["lon"], sensors["lat"]]))
    px, py = proj.to_xy(np.atleast_1d(lon), np.atleast_1d(lat))
    sx, sy = proj.to_xy(sensors["lon"], sensors["lat"])
    p = p_hear(np.hypot(sx - px[0], sy - py[0]), kind)
    by_hour = p_at_least(p[None, :] * up.T, min_sensors)
    return float(by_hour.min())


def detection_grid(sensors: Columns, picks: Columns, start: float, end: float, step_m: float = 5_000.0,
                   margin_m: float = 20_000.0, min_sensors: int = 5
                   ) -> tuple[LocalProjection, np.ndarray, np.ndarray, np.ndarray]:
    """The mean over the hours of [start, end) of the probability that a tube-artillery impact is
    located, on a square grid around the sensors: (projection, cell centres x, y in metres, p)."""
    proj = LocalProjection.around(np.column_stack([sensors["lon"], sensors["lat"]]))
    sx, sy = proj.to_xy(sensors["lon"], sensors["lat"])
    gx, gy = np.meshgrid(np.arange(sx.min() - margin_m, sx.max() + margin_m, step_m),
                         np.arange(sy.min() - margin_m, sy.max() + margin_m, step_m))
    x, y = gx.ravel(), gy.ravel()
    p = p_hear(np.hypot(x[:, None] - sx[None, :], y[:, None] - sy[None, :]))
    hours = max(int(np.ceil((end - start) / 3600.0)), 1)
    up = _up_matrix(sensors, picks, start, hours)
    mean = np.mean([p_at_least(p * up[:, h][None, :], min_sensors) for h in range(hours)], axis=0)
    return proj, x, y, mean
