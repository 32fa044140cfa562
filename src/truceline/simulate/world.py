"""The simulated world: sensors along the line and what truly happened (fire and nuisances).

Geometry is generated in a local metric projection centred on the contact line and converted to
WGS 84 at the end, so positions are in the same terms as real feeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from truceline.geodesy import LocalProjection
from truceline.model.tables import SENSORS, TRUTH_EVENTS, Columns
from truceline.model.weapons import WEAPONS

DAY_S = 86_400.0
CLASS_MIX = {"mortar": 0.3, "tube_artillery": 0.5, "mlrs": 0.2}
DEPTH_M = {"mortar": (1_000.0, 4_000.0), "tube_artillery": (5_000.0, 16_000.0), "mlrs": (8_000.0, 22_000.0)}
ROUNDS = {"mortar": (2, 7), "tube_artillery": (2, 6), "mlrs": (3, 8)}


@dataclass(frozen=True)
class DeclaredSite:
    """A declared non-military activity site with its windows on the simulated day (epoch s)."""

    id: str
    lon: float
    lat: float
    radius_m: float
    windows: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class World:
    """What the simulator needs of an agreement: the line, who holds which side, declared sites."""

    line_lonlat: np.ndarray
    party_right: str
    party_left: str
    effective_time: float
    sites: tuple[DeclaredSite, ...] = ()
    depots: tuple = ()          # declared storage sites (truceline.simulate.storage.Depot)

    def projection(self) -> LocalProjection:
        mid = self.line_lonlat[len(self.line_lonlat) // 2]
        return LocalProjection(float(mid[0]), float(mid[1]))

    def line_xy(self) -> shapely.LineString:
        x, y = self.projection().to_xy(self.line_lonlat[:, 0], self.line_lonlat[:, 1])
        return shapely.LineString(np.column_stack([x, y]))


def _frame(line: shapely.LineString, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points on the line at chainages ``s`` and the right-hand unit normals there."""
    p0 = shapely.get_coordinates(line.interpolate(np.maximum(s - 500.0, 0.0)))
    p1 = shapely.get_coordinates(line.interpolate(np.minimum(s + 500.0, line.length)))
    t = p1 - p0
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    return shapely.get_coordinates(line.interpolate(s)), np.column_stack([t[:, 1], -t[:, 0]])


def offset_points(line: shapely.LineString, s: np.ndarray, offset_m: np.ndarray) -> np.ndarray:
    """xy points at chainage ``s``, ``offset_m`` to the right (positive) or left (negative)."""
    p, n = _frame(line, np.asarray(s, dtype=float))
    return p + n * np.asarray(offset_m, dtype=float)[:, None]


def make_sensors(world: World, params, rng: np.random.Generator) -> tuple[Columns, Columns]:
    """Two staggered rows of sensors, one each side of the line, and their hidden faults."""
    line = world.line_xy()
    s_right = np.arange(params.sensor_spacing_m / 2, line.length, params.sensor_spacing_m)
    s_left = np.arange(params.sensor_spacing_m, line.length, params.sensor_spacing_m)
    s = np.concatenate([s_right, s_left])
    off = np.concatenate([np.full(len(s_right), params.row_offset_m), np.full(len(s_left), -params.row_offset_m)])
    xy = offset_points(line, s, off) + rng.normal(0.0, 400.0, (len(s), 2))
    n = len(s)
    lon, lat = world.projection().to_lonlat(xy[:, 0], xy[:, 1])
    owners = np.array([f"coalition-{k}" for k in (1, 2, 3)], dtype=object)[rng.integers(0, 3, n)]
    ids = np.array([f"AS-{int(k):04d}-{h:04x}" for k, h in zip(range(1, n + 1), rng.integers(0, 65536, n))], dtype=object)
    sensors = Columns.conform(SENSORS, {"sensor_id": ids, "lon": np.round(lon, 6), "lat": np.round(lat, 6),
                                        "elevation_m": np.round(rng.uniform(60, 320, n), 1), "owner": owners})
    return sensors, _sensor_faults(ids, params, rng)


def _sensor_faults(ids: np.ndarray, params, rng: np.random.Generator) -> Columns:
    n = len(ids)
    offset = np.where(rng.random(n) < params.clock_offset_fraction,
                      rng.choice([-1.0, 1.0], n) * rng.uniform(0.15, params.clock_offset_max_s, n), 0.0)
    has_outage = rng.random(n) < params.outage_fraction
    start = params.day_start + rng.uniform(0, DAY_S - 3 * 3600, n)
    length = np.where(rng.random(n) < 0.25, DAY_S, rng.uniform(2, 8, n) * 3600)
    start = np.where(length >= DAY_S, params.day_start, start)
    return Columns({"sensor_id": ids, "clock_offset_s": offset,
                    "outage_start": np.where(has_outage, start, np.nan),
                    "outage_end": np.where(has_outage, start + length, np.nan)})


class _Events:
    """An accumulator of true events in local xy (columns built once at the end)."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def add(self, t: float, xy: np.ndarray, kind: str, wclass: str = "", side: str = "",
            mission: str = "", pair: str = "", violation: bool = False, engagement: str = "") -> str:
        tid = f"T{len(self.rows) + 1:06d}"
        self.rows.append((tid, t, float(xy[0]), float(xy[1]), kind, wclass, side, mission, pair, violation,
                          engagement))
        return tid

    def columns(self, world: World) -> Columns:
        if not self.rows:
            return Columns.empty(TRUTH_EVENTS)
        cols = list(zip(*self.rows))
        lon, lat = world.projection().to_lonlat(np.array(cols[2]), np.array(cols[3]))
        data = {"truth_id": cols[0], "time": cols[1], "lon": lon, "lat": lat, "kind": cols[4],
                "weapon_class": cols[5], "side": cols[6], "mission_id": cols[7], "pair_truth_id": cols[8],
                "is_violation": cols[9], "engagement_id": cols[10]}
        table = Columns.conform(TRUTH_EVENTS, {k: np.array(v, dtype=object) if isinstance(v[0], str) else np.array(v)
                                               for k, v in data.items()})
        return table.take(np.argsort(table["time"], kind="stable"))


def make_truth(world: World, params, rng: np.random.Generator) -> Columns:
    """Fire missions grouped in engagements, counter-battery fire, thunderstorms and quarry blasts."""
    ev = _Events()
    line = world.line_xy()
    _fire(ev, world, line, params, rng)
    for k in range(params.n_storms):
        _storm(ev, line, params, rng, k)
    _blasts(ev, world, params, rng)
    return ev.columns(world)


def _fire(ev: _Events, world: World, line, params, rng) -> None:
    sides = (world.party_right, world.party_left)
    mission = 0
    for e in range(params.n_engagements):
        engagement = f"E{e + 1:04d}"  # opened by the side of its first mission
        s0 = rng.uniform(15_000, line.length - 15_000)
        t = params.day_start + rng.uniform(0, DAY_S - 5400)
        opener = int(rng.integers(0, 2))
        last_battery: dict[int, np.ndarray] = {}
        for m in range(int(rng.integers(1, 5))):
            side = (opener + m) % 2
            target = last_battery.get(1 - side) if (m > 0 and rng.random() < 0.25) else None
            mission += 1
            last_battery[side] = _mission(ev, world, line, params, rng, f"M{mission:04d}", s0, t, side, sides, target,
                                          engagement=engagement)
            t += rng.uniform(120, 1200)
    for k, site in enumerate(world.sites[: params.fire_in_blast_window]):
        w0, w1 = site.windows[0]
        x, y = world.projection().to_xy(np.array([site.lon]), np.array([site.lat]))
        tgt = np.array([x[0], y[0]])
        s_site = float(line.project(shapely.Point(tgt)))
        side_of_site = 0 if _is_right(line, tgt) else 1
        mission += 1
        _mission(ev, world, line, params, rng, f"M{mission:04d}", s_site, rng.uniform(w0 + 300, w1 - 900),
                 1 - side_of_site, sides, tgt, wclass="tube_artillery", engagement=f"E{params.n_engagements + k + 1:04d}")


def _is_right(line: shapely.LineString, xy: np.ndarray) -> bool:
    s = float(line.project(shapely.Point(xy)))
    p, n = _frame(line, np.array([s]))
    return float(np.dot(xy - p[0], n[0])) > 0


def _mission(ev, world, line, params, rng, mid, s0, t, side, sides, target=None, wclass=None,
             engagement: str = "") -> np.ndarray:
    """One fire mission (a salvo of rounds from one battery); returns the battery position."""
    wclass = wclass or str(rng.choice(list(CLASS_MIX), p=list(CLASS_MIX.values())))
    prof = WEAPONS[wclass]
    sign = 1.0 if side == 0 else -1.0
    depth = rng.uniform(*DEPTH_M[wclass])
    s_bat = float(np.clip(s0 + rng.normal(0, 3000), 5000, line.length - 5000))
    battery = offset_points(line, np.array([s_bat]), np.array([sign * depth]))[0]
    if target is None:
        s_tgt = float(np.clip(s_bat + rng.normal(0, 2500), 2000, line.length - 2000))
        target = offset_points(line, np.array([s_tgt]), np.array([-sign * rng.uniform(500, 5000)]))[0]
    rng_m = float(np.linalg.norm(target - battery))
    if rng_m > prof.max_range_m:  # bring the target within range along the same bearing
        target = battery + (target - battery) * (0.95 * prof.max_range_m / rng_m)
    n_rounds = int(rng.integers(*ROUNDS[wclass]))
    for _ in range(n_rounds):
        launch = battery + rng.normal(0, 30, 2)
        impact = target + rng.normal(0, 120, 2)
        tof = float(prof.time_of_flight(np.linalg.norm(impact - launch))) * (1 + rng.normal(0, prof.tof_rel_sigma / 2))
        violation = t >= world.effective_time
        lid = ev.add(t, launch, "launch", wclass, sides[side], mid, f"T{len(ev.rows) + 2:06d}", violation, engagement)
        ev.add(t + tof, impact, "impact", wclass, sides[side], mid, lid, violation, engagement)
        t += rng.uniform(3.0, 7.0)
    return battery


def _storm(ev: _Events, line, params, rng, k: int) -> None:
    s = rng.uniform(20_000, line.length - 20_000)
    centre = offset_points(line, np.array([s]), np.array([rng.uniform(-15_000, 15_000)]))[0]
    heading = rng.uniform(0, 2 * np.pi)
    velocity = rng.uniform(8, 15) * np.array([np.sin(heading), np.cos(heading)])
    t0 = params.day_start + rng.uniform(0, DAY_S - 3 * 3600)
    t, t_end = t0, t0 + rng.uniform(3600, 7200)
    while t < t_end:
        pos = centre + velocity * (t - t0) + rng.normal(0, 3000, 2)
        ev.add(t, pos, "thunder")
        t += rng.exponential(45.0)


def _blasts(ev: _Events, world: World, params, rng) -> None:
    proj = world.projection()
    for site in world.sites:
        x, y = proj.to_xy(np.array([site.lon]), np.array([site.lat]))
        for _ in range(params.blasts_per_site):
            w0, w1 = site.windows[int(rng.integers(0, len(site.windows)))]
            pos = np.array([x[0], y[0]]) + rng.normal(0, site.radius_m / 5, 2)
            ev.add(rng.uniform(w0 + 60, w1 - 60), pos, "blast")
