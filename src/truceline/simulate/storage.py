"""Declared storage sites, simulated: what is really parked there, the drone surveys, the sightings.

Half the sites (``p_emptied``) have had pieces of one class driven away (``removed`` pieces, at
most what was declared); the rest hold their declaration. Each site is surveyed by 0, 2 or 3
dedicated flights (a site nobody flew over is "not observed", never "complete"), and seen by any
patrol whose footprint holds it; every flight sees each piece with probability ``p_sight`` (the
patrols' own), names its class with a calibrated confidence like the patrols, reads its serial at
``serial_readable``.
Draws come from a stream of their own (``[seed, STREAM]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from truceline.model.tables import Columns
from truceline.simulate.world import World

STREAM = 7
CLASSES = ("mortar", "tube_artillery", "mlrs", "heavy_mlrs")


@dataclass(frozen=True)
class Depot:
    """A declared storage site as the simulator needs it."""

    id: str
    party: str
    lon: float
    lat: float
    radius_m: float
    inventory: tuple[tuple[str, int], ...]
    serials: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class StorageSimParams:
    """What shapes the surveys of storage sites."""

    p_emptied: float = 0.5
    removed: tuple[int, int] = (3, 12)
    visits: tuple[tuple[int, float], ...] = ((0, 0.2), (2, 0.4), (3, 0.4))
    p_sight: float = 0.9
    serial_readable: float = 0.5
    position_sigma_m: float = 30.0


def survey(world: World, day_start: float, seed: int, confidence, patrols: list[dict],
           params: StorageSimParams = StorageSimParams()):
    """(sightings, footprints, truth rows, what each sighting shows) of the day's storage sites:
    dedicated surveys, and the ``patrols`` (id, box in local metres, start, end) that flew over."""
    rng = np.random.default_rng([seed, STREAM])
    proj = world.projection()
    sight, foot, truth, of = [], [], [], []
    for d in world.depots:
        pieces = [(c, _serial(d, c, j)) for c, n in d.inventory for j in range(n)]
        gone = _emptied(pieces, params, rng)
        cx, cy = proj.to_xy(np.array([d.lon]), np.array([d.lat]))
        r = d.radius_m * np.sqrt(rng.uniform(0, 0.64, len(pieces)))
        a = rng.uniform(0, 2 * np.pi, len(pieces))
        parked = np.column_stack([cx[0] + r * np.cos(a), cy[0] + r * np.sin(a)])
        truth += _truth_rows(d, pieces, gone)
        looks = [(f["id"], f["start"], f["end"]) for f in patrols if f["box"].contains(shapely.Point(cx[0], cy[0]))]
        looks += _visits(d, (cx[0], cy[0]), day_start, proj, params, rng, foot)
        for fid, start, end in looks:
            _look(d, fid, start, end, pieces, gone, parked, proj, confidence, params, rng, sight, of)
    return sight, foot, truth, of


def _emptied(pieces: list[tuple[str, str]], params: StorageSimParams, rng) -> set[int]:
    """The pieces driven away: of one class, ``removed`` of them, at a share ``p_emptied`` of sites."""
    if not pieces or rng.random() >= params.p_emptied:
        return set()
    cls = str(rng.choice(sorted({c for c, _ in pieces})))
    of_cls = [j for j, (c, _) in enumerate(pieces) if c == cls]
    k = min(int(rng.integers(params.removed[0], params.removed[1] + 1)), len(of_cls))
    return set(int(j) for j in rng.choice(of_cls, size=k, replace=False))


def _truth_rows(d: Depot, pieces: list[tuple[str, str]], gone: set[int]) -> list[dict]:
    rows = []
    for c in sorted({c for c, _ in pieces}):
        declared = sum(1 for cc, _ in pieces if cc == c)
        removed = sum(1 for j in gone if pieces[j][0] == c)
        rows.append({"site_id": d.id, "weapon_class": c, "declared": declared, "present": declared - removed,
                     "removed_serials": " ".join(sorted(pieces[j][1] for j in gone if pieces[j][0] == c and pieces[j][1]))})
    return rows


def _visits(d: Depot, centre: tuple[float, float], day_start: float, proj, params: StorageSimParams, rng,
            foot: list[dict]) -> list[tuple[str, float, float]]:
    """The site's dedicated surveys: their footprints appended to ``foot``, their (id, start, end)."""
    n_visits = int(rng.choice([v for v, _ in params.visits], p=[q for _, q in params.visits]))
    looks = []
    for v in range(n_visits):
        fid = f"S-{d.id}-{v + 1}"
        start = day_start + float(rng.uniform(6 * 3600, 16 * 3600))
        half = d.radius_m + 1_000.0
        ring = np.asarray(shapely.box(centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half).exterior.coords)
        lo, la = proj.to_lonlat(ring[:, 0], ring[:, 1])
        foot.append({"footprint_id": f"{fid}-0", "flight_id": fid, "start": start, "end": start + 1200.0,
                     "footprint": shapely.Polygon(np.column_stack([lo, la])), "area_km2": (2 * half) ** 2 / 1e6})
        looks.append((fid, start, start + 1200.0))
    return looks


def _look(d: Depot, fid: str, start: float, end: float, pieces, gone, parked, proj, confidence,
          params: StorageSimParams, rng, sight: list[dict], of: list[tuple[str, str]]) -> None:
    """One flight over the site: a sighting per piece it sees (appended to ``sight``, truth to ``of``)."""
    for j, (c, serial) in enumerate(pieces):
        if j in gone or rng.random() >= params.p_sight:
            continue
        conf = confidence(rng)
        named = c if rng.random() < conf else str(rng.choice([x for x in CLASSES if x != c]))
        x, y = parked[j, 0] + rng.normal(0, params.position_sigma_m), parked[j, 1] + rng.normal(0, params.position_sigma_m)
        lo, la = proj.to_lonlat(np.array([x]), np.array([y]))
        sid = f"{fid}-{len(sight):04d}"
        sight.append({"sighting_id": sid, "time": start + float(rng.uniform(0, end - start)), "lon": float(lo[0]),
                      "lat": float(la[0]), "weapon_class": named, "confidence": conf,
                      "image_hash": "".join(rng.choice(list("0123456789abcdef"), 64)),
                      "image_ref": f"flights/{fid}/{len(sight):04d}.jpg", "flight_id": fid,
                      "serial": serial if serial and rng.random() < params.serial_readable else ""})
        of.append((sid, f"{d.id}/{j}"))


def _serial(d: Depot, cls: str, j: int) -> str:
    declared = dict(d.serials).get(cls, ())
    return declared[j] if j < len(declared) else ""
