"""Drone flights, simulated: heavy weapons behind the line, the areas flights saw, the sightings.

Each party parks heavy weapons behind its side of the line, about one in five inside its class's
withdrawal distance (Minsk II defaults); half the batteries that fired that day (``battery_stays``)
are still at their firing position, where the acoustic sensors located their launches. Flights fly patrol routes, each a few times a day, and observe a
rectangle of the zone for forty minutes each time; a weapon inside a footprint is sighted with probability ``p_sight`` per flight, its class
named with a calibrated confidence (Beta-distributed, mean ``1 - confusion``: the class is right with
exactly the stated probability), its position off by ~100 m; the same weapon is seen again by
overlapping flights, and flights report false sightings too. Draws come from a stream of their
own, so drones change nothing in the acoustic or thermal feeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from truceline.model.agreement import MINSK_II_WITHDRAWAL_KM, WeaponClass
from truceline.model.tables import FLIGHT_COVERAGE, SIGHTINGS, Columns
from truceline.simulate.storage import survey
from truceline.simulate.world import World, offset_points

STREAM = 6
"""The random stream of this module: ``default_rng([seed, STREAM])``."""
CLASS_MIX = {WeaponClass.MORTAR: 0.3, WeaponClass.TUBE_ARTILLERY: 0.4, WeaponClass.MLRS: 0.2,
             WeaponClass.HEAVY_MLRS: 0.1}


@dataclass(frozen=True)
class DroneSimParams:
    """What shapes the day's drone observations."""

    weapons_per_10km: float = 2.0     # per party
    violation_share: float = 0.2      # parked inside the class's withdrawal distance
    routes_per_10km: float = 0.8      # patrol routes ...
    flights_per_route: int = 3        # ... each flown this often a day
    footprint_m: tuple[float, float] = (20_000.0, 14_000.0)
    p_sight: float = 0.9
    confusion: float = 0.15
    position_sigma_m: float = 100.0
    false_per_flight: float = 0.3
    serial_readable: float = 0.3
    battery_stays: float = 0.5        # a battery that fired is still at its firing position all day


@dataclass(frozen=True)
class DroneDay:
    """The flights' sightings and footprints, with their truth."""

    sightings: Columns
    coverage: Columns
    weapons: Columns        # truth: weapon_id, lon, lat, weapon_class, party
    sighting_truth: Columns  # truth: sighting_id, weapon_id ('' for a false sighting, SITE/k at a storage site)
    storage: Columns = field(default_factory=lambda: Columns({}))
    """Truth per storage site and class: site_id, weapon_class, declared, present, removed_serials."""


def simulate_drones(world: World, day_start: float, seed: int, params: DroneSimParams = DroneSimParams(),
                    fire: Columns | None = None) -> DroneDay:
    """One day of drone observations over ``world``; with the day's truth ``fire`` (launches), some
    of the batteries that fired stay where they fired from, to be seen there."""
    rng = np.random.default_rng([seed, STREAM])
    line = world.line_xy()
    proj = world.projection()
    weapons = _weapons(world, line, params, rng)
    if fire is not None:
        _batteries(weapons, fire, proj, params, np.random.default_rng([seed, STREAM, 1]))
    flights = _flights(line, day_start, params, rng)
    sight, truth = [], []
    for f in flights:
        _fly(f, weapons, params, rng, sight, truth)
    lonlat = [proj.to_lonlat(np.array([s["x"]]), np.array([s["y"]])) for s in sight]
    for s, (lo, la) in zip(sight, lonlat):
        s["lon"], s["lat"] = float(lo[0]), float(la[0])
    at_sites, site_foot, storage, site_truth = survey(world, day_start, seed, lambda r: _confidence(params, r), flights)
    sight += at_sites
    truth += site_truth
    w_lon, w_lat = proj.to_lonlat(weapons["x"], weapons["y"])
    foot = []
    for f in flights:
        ring = np.asarray(f["box"].exterior.coords)
        lo, la = proj.to_lonlat(ring[:, 0], ring[:, 1])
        foot.append({"footprint_id": f"{f['id']}-0", "flight_id": f["id"], "start": f["start"], "end": f["end"],
                     "footprint": shapely.Polygon(np.column_stack([lo, la])), "area_km2": f["box"].area / 1e6})
    foot += site_foot
    return DroneDay(Columns.from_rows(SIGHTINGS, sight), Columns.from_rows(FLIGHT_COVERAGE, foot),
                    Columns({"weapon_id": np.array(weapons["id"], dtype=object), "lon": w_lon, "lat": w_lat,
                             "weapon_class": np.array(weapons["cls"], dtype=object),
                             "party": np.array(weapons["party"], dtype=object)}),
                    Columns({"sighting_id": np.array([t[0] for t in truth], dtype=object),
                             "weapon_id": np.array([t[1] for t in truth], dtype=object)}),
                    _storage_truth(storage))


def _storage_truth(rows: list[dict]) -> Columns:
    names = ("site_id", "weapon_class", "declared", "present", "removed_serials")
    return Columns({k: np.array([r[k] for r in rows], dtype=object if k in ("site_id", "weapon_class", "removed_serials")
                                else np.int64) for k in names})


def _fly(flight: dict, weapons: dict, params: DroneSimParams, rng, sight: list, truth: list) -> None:
    """One flight's sightings (appended to ``sight``, what each shows to ``truth``)."""
    classes = [c.value for c in CLASS_MIX]
    box = flight["box"]
    for w in np.flatnonzero(shapely.contains_xy(box, weapons["x"], weapons["y"])):
        if rng.random() >= params.p_sight:
            continue
        named = weapons["cls"][w]
        conf = _confidence(params, rng)
        if rng.random() >= conf:
            named = str(rng.choice([c for c in classes if c != named]))
        xy = np.array([weapons["x"][w], weapons["y"][w]]) + rng.normal(0, params.position_sigma_m, 2)
        serial = weapons["serial"][w] if rng.random() < params.serial_readable else ""
        sight.append(_sighting(flight, len(sight), xy, named, serial, conf, rng))
        truth.append((sight[-1]["sighting_id"], weapons["id"][w]))
    for _ in range(int(rng.poisson(params.false_per_flight))):
        minx, miny, maxx, maxy = box.bounds
        xy = np.array([rng.uniform(minx, maxx), rng.uniform(miny, maxy)])
        sight.append(_sighting(flight, len(sight), xy, str(rng.choice(classes)), "", _confidence(params, rng), rng))
        truth.append((sight[-1]["sighting_id"], ""))


def _weapons(world: World, line, params: DroneSimParams, rng) -> dict:
    n = max(1, int(round(params.weapons_per_10km * line.length / 10_000.0)))
    classes = list(CLASS_MIX)
    ids, xs, ys, cls, party, serials = [], [], [], [], [], []
    for side, pid in ((1.0, world.party_right), (-1.0, world.party_left)):
        wc = rng.choice(len(classes), size=n, p=list(CLASS_MIX.values()))
        limit = np.array([MINSK_II_WITHDRAWAL_KM[classes[k]] * 1000.0 for k in wc])
        inside = rng.random(n) < params.violation_share
        depth = np.where(inside, rng.uniform(0.15, 0.85, n) * limit, limit + rng.uniform(3_000, 30_000, n))
        s = rng.uniform(0.05, 0.95, n) * line.length
        xy = offset_points(line, s, side * depth)
        for k in range(n):
            ids.append(f"WPN-{pid}-{k + 1:03d}")
            xs.append(xy[k, 0])
            ys.append(xy[k, 1])
            cls.append(classes[wc[k]].value)
            party.append(pid)
            serials.append(f"{pid}{int(rng.integers(10_000, 99_999))}")
    return {"id": ids, "x": np.array(xs), "y": np.array(ys), "cls": cls, "party": party, "serial": serials}


def _batteries(weapons: dict, fire: Columns, proj, params: DroneSimParams, rng) -> None:
    """Append to ``weapons`` the batteries that stayed at their firing position (``battery_stays``)."""
    launch = fire.take(fire["kind"].astype(str) == "launch")
    for mid in sorted(set(launch["mission_id"].astype(str))):
        k = np.flatnonzero(launch["mission_id"].astype(str) == mid)
        if rng.random() >= params.battery_stays:
            continue
        x, y = proj.to_xy(np.asarray(launch["lon"], float)[k], np.asarray(launch["lat"], float)[k])
        party = str(launch["side"][k[0]])
        weapons["id"].append(f"WPN-{party}-{mid}")
        weapons["x"] = np.append(weapons["x"], x.mean())
        weapons["y"] = np.append(weapons["y"], y.mean())
        weapons["cls"].append(str(launch["weapon_class"][k[0]]))
        weapons["party"].append(party)
        weapons["serial"].append(f"{party}{int(rng.integers(10_000, 99_999))}")


def _flights(line, day_start: float, params: DroneSimParams, rng) -> list[dict]:
    n = max(1, int(round(params.routes_per_10km * line.length / 10_000.0)))
    w, h = params.footprint_m
    out = []
    for k in range(n):                                    # a patrol route, flown several times a day
        s = rng.uniform(0, line.length)
        side = 1.0 if rng.random() < 0.5 else -1.0
        centre = offset_points(line, np.array([s]), np.array([side * rng.uniform(2_000, 100_000)]))[0]
        for _ in range(params.flights_per_route):
            jitter = rng.normal(0, 1_500.0, 2)             # no two flights see quite the same area
            c = centre + jitter
            box = shapely.box(c[0] - w / 2, c[1] - h / 2, c[0] + w / 2, c[1] + h / 2)
            start = day_start + float(rng.uniform(5 * 3600, 17 * 3600))
            out.append({"id": f"F-{len(out) + 1:04d}", "box": box, "start": start, "end": start + 2400.0})
    return out


def _confidence(params: DroneSimParams, rng) -> float:
    """A classifier's stated confidence, calibrated: Beta with mean ``1 - confusion``."""
    mean, strength = 1.0 - params.confusion, 8.0
    return round(float(np.clip(rng.beta(mean * strength, (1 - mean) * strength), 0.3, 0.99)), 2)


def _sighting(flight: dict, k: int, xy: np.ndarray, named: str, serial: str, conf: float, rng) -> dict:
    t = flight["start"] + float(rng.uniform(0, flight["end"] - flight["start"]))
    digest = "".join(rng.choice(list("0123456789abcdef"), 64))
    return {"sighting_id": f"{flight['id']}-{k:04d}", "time": t, "x": float(xy[0]), "y": float(xy[1]),
            "weapon_class": named, "confidence": conf, "image_hash": digest,
            "image_ref": f"flights/{flight['id']}/{k:04d}.jpg", "flight_id": flight["id"], "serial": serial}
