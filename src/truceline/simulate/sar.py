"""Radar from space, simulated: a Sentinel-1-like stack (VV and VH backscatter, two relative
orbits, a pass every ``revisit_days``) over the tile of the front where most rounds fell, with
damage where rounds hit buildings.

The tile is a grid of ``pixel_m`` cells: built-up blocks (bright in VV from double bounce), denser
in the villages the day's fire missions aimed at, among fields (dark, their backscatter drifting from pass to pass with soil moisture, the
whole field at once). Each acquisition multiplies the true backscatter by gamma speckle of
``enl`` looks. A round that lands on a built-up cell destroys it with a probability by class,
and the cells within ``damage_radius_m`` with it: from the next pass after the hit their VV falls by ~3 dB
and their VH by ~2 dB (collapsed walls lose their double bounce). Beside the damage, a few
non-conflict changes (new roofs, cleared plots; ``other_per_km2_year``) change backscatter too:
real changes the t-test cannot tell from damage, they set its false-alarm floor.
Draws come from a stream of their own (``[seed, STREAM]``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import Transformer

from truceline.model.tables import Columns
from truceline.simulate.world import World

STREAM = 8


@dataclass(frozen=True)
class SarSimParams:
    """What shapes the stack."""

    tile_m: float = 4_000.0
    pixel_m: float = 10.0
    orbits: tuple[tuple[str, float], ...] = (("043", 15.75), ("123", 4.25))   # relative orbit, UTC hour
    revisit_days: int = 6
    pre_days: int = 150
    post_days: int = 30
    enl: float = 4.4
    builtup_share: float = 0.3
    block_m: float = 200.0
    village_m: float = 350.0                            # the places missions fire at: built up ...
    village_density: float = 0.7                        # ... this densely
    destroy_p: tuple[tuple[str, float], ...] = (("mortar", 0.15), ("tube_artillery", 0.4), ("mlrs", 0.5))
    damage_radius_m: float = 40.0
    damage_db: tuple[float, float] = (-3.0, -2.0)      # VV, VH change of a destroyed cell (mean)
    other_per_km2_year: float = 0.5                     # non-conflict changes (building, clearing)
    field_drift_db: float = 1.5                         # a field's pass-to-pass drift (sd)


@dataclass(frozen=True)
class SarStack:
    """The simulated stack and its truth; ``db`` is (orbit, time, pol, y, x) float32 sigma0 in dB."""

    db: np.ndarray
    times: np.ndarray               # (orbit, time) epoch seconds UTC
    orbits: tuple[str, ...]
    crs: str                        # the tile's UTM zone, e.g. EPSG:32637
    x0: float                       # UTM easting of the tile's west edge (m)
    y0: float                       # ... northing of its north edge (rows run south)
    pixel_m: float
    damaged: np.ndarray             # (y, x) bool: destroyed by fire
    changed: np.ndarray             # (y, x) bool: non-conflict change
    event_start: float              # the simulated day: damage happens on it


def simulate_sar(world: World, truth: Columns, day_start: float, seed: int,
                 params: SarSimParams = SarSimParams()) -> SarStack:
    """The stack over the tile holding most of the day's impacts."""
    rng = np.random.default_rng([seed, STREAM])
    impact = truth.take(truth["kind"].astype(str) == "impact")
    crs = utm_crs(float(np.median(world.line_lonlat[:, 0])))
    ix, iy = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(
        np.asarray(impact["lon"], float), np.asarray(impact["lat"], float))
    x0, y0 = _tile(ix, iy, params.tile_m)
    n = int(params.tile_m // params.pixel_m)
    cx = x0 + (np.arange(n) + 0.5) * params.pixel_m
    cy = y0 - (np.arange(n) + 0.5) * params.pixel_m
    built = _blocks(n, params, rng) | _villages(ix, iy, impact["mission_id"].astype(str), cx, cy, params, rng)
    hit_at = _damage(ix, iy, np.asarray(impact["time"], float), impact["weapon_class"].astype(str), cx, cy, built,
                     params, rng)
    damaged = np.isfinite(hit_at)
    n_other = int(rng.poisson(params.other_per_km2_year * (params.tile_m / 1000.0) ** 2
                              * (params.pre_days + params.post_days) / 365.0))
    changed = _changes(n, n_other, rng) & ~damaged
    fields = _field_ids(n, params)
    base = np.where(built[None], np.array([-5.0, -12.0])[:, None, None], np.array([-11.0, -18.0])[:, None, None])
    base = base + rng.normal(0, 0.8, (2, n, n))
    times = np.array([[day_start + h * 3600.0 + d * 86400.0 for d in
                       range(-params.pre_days, params.post_days + 1, params.revisit_days)] for _, h in params.orbits])
    db = np.empty((len(params.orbits), times.shape[1], 2, n, n), dtype=np.float32)
    step = np.array(params.damage_db)[:, None, None] + rng.normal(0, 1.0, (2, n, n))
    other = rng.normal(0, 3.0, (2, n, n)) * changed[None]
    change_day = day_start + rng.uniform(-params.pre_days, params.post_days) * 86400.0
    for o, (orbit, _) in enumerate(params.orbits):
        look = rng.normal(0, 0.5, (2, n, n))                    # each orbit sees the ground from its own side
        for t, when in enumerate(times[o]):
            drift = rng.normal(0, params.field_drift_db, fields.max() + 1)[fields] * ~built
            true_db = base + look + drift[None] + (when > hit_at)[None] * step \
                + (when > change_day) * other
            power = 10 ** (true_db / 10.0) * rng.gamma(params.enl, 1.0 / params.enl, (2, n, n))
            db[o, t] = (10.0 * np.log10(power)).astype(np.float32)
    return SarStack(db, times, tuple(o for o, _ in params.orbits), crs, x0, y0, params.pixel_m, damaged, changed,
                    day_start)


def utm_crs(lon: float) -> str:
    """The northern-hemisphere UTM zone of a longitude, as an EPSG code."""
    return f"EPSG:{32600 + int((lon + 180.0) // 6.0) + 1}"


def _tile(ix: np.ndarray, iy: np.ndarray, tile_m: float) -> tuple[float, float]:
    """West and north edges of the tile (on a ``tile_m`` grid) holding most impacts."""
    if len(ix) == 0:
        return -tile_m / 2, tile_m / 2
    kx, ky = np.floor(ix / tile_m).astype(int), np.floor(iy / tile_m).astype(int)
    keys, counts = np.unique(np.column_stack([kx, ky]), axis=0, return_counts=True)
    bx, by = keys[np.argmax(counts)]
    return float(bx * tile_m), float((by + 1) * tile_m)


def _blocks(n: int, params: SarSimParams, rng) -> np.ndarray:
    k = max(int(params.block_m // params.pixel_m), 1)
    coarse = rng.random((n // k + 1, n // k + 1)) < params.builtup_share
    return np.kron(coarse, np.ones((k, k), dtype=bool))[:n, :n]


def _villages(ix, iy, mission, cx, cy, params: SarSimParams, rng) -> np.ndarray:
    """Built-up cells of the villages the missions fired at (fire along a line falls on places)."""
    gx, gy = np.meshgrid(cx, cy)
    out = np.zeros(gx.shape, dtype=bool)
    for m in sorted(set(mission)):
        k = mission == m
        mx, my = float(np.mean(ix[k])), float(np.mean(iy[k]))
        if not (cx[0] <= mx <= cx[-1] and cy[-1] <= my <= cy[0]):
            continue
        near = (gx - mx) ** 2 + (gy - my) ** 2 <= params.village_m ** 2
        out |= near & (rng.random(gx.shape) < params.village_density)
    return out


def _field_ids(n: int, params: SarSimParams) -> np.ndarray:
    k = max(int(4 * params.block_m // params.pixel_m), 1)
    i = np.arange(n) // k
    return (i[:, None] * (n // k + 1) + i[None, :]).astype(np.int64)


def _damage(ix, iy, when, wclass, cx, cy, built, params: SarSimParams, rng) -> np.ndarray:
    """Per cell, when it was destroyed (inf: never)."""
    p = dict(params.destroy_p)
    out = np.full(built.shape, np.inf)
    gx, gy = np.meshgrid(cx, cy)
    inside = (ix >= cx[0] - params.pixel_m) & (ix <= cx[-1] + params.pixel_m) & \
             (iy <= cy[0] + params.pixel_m) & (iy >= cy[-1] - params.pixel_m)
    for k in np.flatnonzero(inside):
        if rng.random() >= p.get(wclass[k], 0.2):
            continue
        near = ((gx - ix[k]) ** 2 + (gy - iy[k]) ** 2 <= params.damage_radius_m ** 2) & built
        out[near] = np.minimum(out[near], when[k])
    return out


def _changes(n: int, count: int, rng) -> np.ndarray:
    out = np.zeros((n, n), dtype=bool)
    for _ in range(count):
        r, c = rng.integers(0, n - 4, 2)
        h, w = rng.integers(2, 5, 2)
        out[r:r + h, c:c + w] = True
    return out
