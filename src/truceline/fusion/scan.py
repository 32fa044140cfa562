"""Candidate events from a grid scan around each sensor: the first stage of association.

Every pick is tried as the first arrival of an event. An event's first arrival is heard at (one
of) the sensors nearest to it, so a pick at sensor ``s`` only seeds sources in ``s``'s *seed
region*: the cells of a coarse grid for which ``s`` is among the ``seed_order`` nearest sensors,
within ``seed_radius_m``. For each seed pick and cell the time difference to every neighbouring
sensor is predicted; a neighbour *fits* when it holds a pick within the tolerance, and the
tolerance bounds how much that time difference can change inside the cell. A (pick, cell) with
enough fitting neighbours is a candidate, passed on to location.

Everything is vectorised per seed sensor: the picks of the sensor against all its cells and the
few picks of each neighbour that the triangle inequality allows (``|t_j - t_s| <= D_sj / c``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from truceline.fusion.kernels import score_cells


@dataclass(frozen=True)
class ScanParams:
    """Settings of the candidate scan (distances in metres, times in seconds)."""

    cell_m: float = 1_000.0          # coarse grid step near the sensors (twice that beyond near_m)
    near_m: float = 8_000.0          # distance to the nearest sensor up to which cells are cell_m
    seed_radius_m: float = 30_000.0  # farthest a source may lie from its first-arrival sensor
    seed_order: int = 2              # a pick seeds the cells for which its sensor is this near
    neighbours: int = 10             # neighbours checked per seed sensor
    pick_tol_s: float = 0.35         # pick and clock error allowed on a time difference
    speed_uncertainty: float = 0.01  # relative sound-speed error allowed on a time difference
    min_fits: int = 4                # neighbours that must fit (besides the seed)
    refine_cells: int = 6            # best coarse cells per seed that are searched finely
    refine_split: int = 4            # each is split into refine_split x refine_split fine cells
    alternatives: int = 3            # candidates per seed (from different coarse cells), decided by location


@dataclass(frozen=True)
class Geometry:
    """Per sensor: its seed cells, its neighbours, and the sensor positions."""

    sx: np.ndarray
    sy: np.ndarray
    cells: list[np.ndarray]          # per sensor, (n, 3) cell centres and sizes
    neighbours: list[np.ndarray]     # per sensor, neighbour indices (nearest first)

    @classmethod
    def build(cls, sx: np.ndarray, sy: np.ndarray, params: ScanParams) -> "Geometry":
        xy = np.column_stack([sx, sy])
        tree = cKDTree(xy)
        reach = params.seed_radius_m
        k = min(params.seed_order, len(sx))
        owners, cells = [], []
        # cells of cell_m near the sensors, twice that size where the nearest sensor is far
        for size, lo, hi in ((params.cell_m, 0.0, params.near_m), (2 * params.cell_m, params.near_m, reach)):
            gx = np.arange(sx.min() - reach, sx.max() + reach + size, size)
            gy = np.arange(sy.min() - reach, sy.max() + reach + size, size)
            grid = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
            dist, idx = tree.query(grid, k=k, distance_upper_bound=reach)
            dist, idx = dist.reshape(len(grid), k), idx.reshape(len(grid), k)
            ok = np.isfinite(dist) & (dist[:, :1] >= lo) & (dist[:, :1] < hi)
            rows = np.nonzero(ok)[0]
            owners.append(idx[ok])
            cells.append(np.column_stack([grid[rows], np.full(len(rows), size)]))
        owner, cell = np.concatenate(owners), np.concatenate(cells)
        order = np.argsort(owner, kind="stable")
        owner, cell = owner[order], cell[order]
        bounds = np.searchsorted(owner, np.arange(len(sx) + 1))
        per_sensor = [cell[bounds[s]:bounds[s + 1]] for s in range(len(sx))]
        kn = min(params.neighbours + 1, len(sx))
        _, nb = tree.query(xy, k=kn)
        nb = np.asarray(nb).reshape(len(sx), kn)
        neighbours = [row[row != s][: params.neighbours] for s, row in enumerate(nb)]
        return cls(sx, sy, per_sensor, neighbours)


@dataclass(frozen=True)
class Candidates:
    """Seed picks with the best cell each and how many neighbours fit there."""

    pick: np.ndarray   # pick index (into the arrays given to :func:`scan`)
    x: np.ndarray
    y: np.ndarray
    fits: np.ndarray
    fitting: np.ndarray  # (n, neighbours) the fitting pick of each neighbour, -1 where none


def _pairs(tp: np.ndarray, tq: np.ndarray, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """All (i, k) with ``|tq[k] - tp[i]| <= reach`` (both sorted), as two index arrays."""
    lo = np.searchsorted(tq, tp - reach, side="left")
    hi = np.searchsorted(tq, tp + reach, side="right")
    n = hi - lo
    total = int(n.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    i = np.repeat(np.arange(len(tp)), n)
    k = np.arange(total) - np.repeat(np.cumsum(n) - n, n) + np.repeat(lo, n)
    return i, k


def _travel(cx: np.ndarray, cy: np.ndarray, x: float, y: float, wind: tuple[float, float]):
    """Distance from cells to a sensor, the wind along the path, and the path's unit vector."""
    dx, dy = x - cx, y - cy
    d = np.maximum(np.hypot(dx, dy), 1.0)
    ux, uy = dx / d, dy / d
    return d, wind[0] * ux + wind[1] * uy, ux, uy


def scan(t: np.ndarray, s: np.ndarray, speed: np.ndarray, geo: Geometry, params: ScanParams,
         wind: tuple[float, float] = (0.0, 0.0), available: np.ndarray | None = None) -> Candidates:
    """Candidates among picks (times ``t``, sensor ``s``, sound speed ``speed`` per pick).

    ``available`` masks the picks that may take part (default all). Per seed: the coarse cells are
    scored, the ``refine_cells`` best are split into a finer grid, and the best fine cell wins.
    """
    if available is None:
        available = np.ones(len(t), dtype=bool)
    by_sensor = _picks_by_sensor(t, s, available, len(geo.sx))
    c_ref = float(np.median(speed)) if len(speed) else 340.0
    unit = (np.arange(params.refine_split) + 0.5) / params.refine_split - 0.5
    sub = np.stack(np.meshgrid(unit, unit), axis=-1).reshape(-1, 2)  # fine cells, in units of the coarse size
    out: list[tuple[np.ndarray, ...]] = []
    for k, cells in enumerate(geo.cells):
        seeds = by_sensor[k]
        nb = geo.neighbours[k]
        if len(seeds) == 0 or len(cells) == 0 or len(nb) < params.min_fits:
            continue
        lists = [by_sensor[j] for j in nb]
        nb_pick = np.concatenate(lists) if lists else np.empty(0, dtype=np.int64)
        nb_off = np.r_[0, np.cumsum([len(x) for x in lists])].astype(np.int64)
        nb_t = t[nb_pick]
        base = np.hypot(geo.sx[nb] - geo.sx[k], geo.sy[nb] - geo.sy[k])
        reach = base / (0.9 * c_ref) + params.pick_tol_s + 2 * params.cell_m / c_ref
        seeds = seeds[_enough_partners(t[seeds], nb_t, nb_off, reach, params.min_fits)]
        if len(seeds) == 0:
            continue

        def run(cell_sets, cell_set, want):
            return score_cells(t[seeds], speed[seeds].astype(np.float64), cell_set, cell_sets,
                               float(geo.sx[k]), float(geo.sy[k]), geo.sx[nb].astype(np.float64),
                               geo.sy[nb].astype(np.float64), nb_t, nb_pick, nb_off, reach, float(wind[0]),
                               float(wind[1]), params.pick_tol_s, params.speed_uncertainty, c_ref, want)

        count, soft, _ = run(cells[None, :, :].astype(np.float64), np.zeros(len(seeds), dtype=np.int64), False)
        rank = count + soft / (params.neighbours + 1.0)
        keep = np.flatnonzero(count.max(axis=1) >= params.min_fits)
        if len(keep) == 0:
            continue
        seeds, rank = seeds[keep], rank[keep]
        top = np.argsort(-rank, axis=1, kind="stable")[:, : params.refine_cells]
        chosen = cells[top]                                              # (n, refine_cells, 3)
        size = chosen[:, :, None, 2:3] / params.refine_split
        fine_xy = chosen[:, :, None, :2] + sub[None, None, :, :] * chosen[:, :, None, 2:3]
        fine_cells = np.concatenate([fine_xy, np.broadcast_to(size, fine_xy.shape[:-1] + (1,))], axis=-1)
        fine_cells = fine_cells.reshape(len(seeds), -1, 3)
        count, soft, picked = run(fine_cells, np.arange(len(seeds)), True)
        # the best fine cell inside each refined coarse cell, then the best few of those: a salvo's
        # rounds can line up at a wrong place too, and location decides between the alternatives
        n_sub = len(sub)
        fine_rank = (count + soft / (params.neighbours + 1.0)).reshape(len(seeds), -1, n_sub)
        within = np.argmax(fine_rank, axis=2)                                  # (n, refine_cells)
        score = np.take_along_axis(fine_rank, within[..., None], axis=2)[..., 0]
        pick_cells = np.argsort(-score, axis=1, kind="stable")[:, : params.alternatives]
        for a in range(pick_cells.shape[1]):
            best = pick_cells[:, a] * n_sub + within[np.arange(len(seeds)), pick_cells[:, a]]
            row = np.arange(len(seeds))
            fits = count[row, best]
            ok = fits >= params.min_fits
            fitting = np.full((len(seeds), params.neighbours), -1, dtype=np.int64)
            fitting[:, : len(nb)] = picked[row, best]
            out.append((seeds[ok], fine_cells[row, best, 0][ok], fine_cells[row, best, 1][ok], fits[ok],
                        fitting[ok]))
    if not out:
        empty = np.empty(0)
        return Candidates(np.empty(0, dtype=np.int64), empty, empty, np.empty(0, dtype=np.int16),
                          np.empty((0, params.neighbours), dtype=np.int64))
    return Candidates(*(np.concatenate(parts) for parts in zip(*out)))


def _enough_partners(tp: np.ndarray, nb_t: np.ndarray, nb_off: np.ndarray, reach: np.ndarray,
                     need: int) -> np.ndarray:
    """Seeds with at least ``need`` neighbours holding any pick within reach (a cheap first cut)."""
    have = np.zeros(len(tp), dtype=np.int64)
    for j in range(len(reach)):
        times = nb_t[nb_off[j]:nb_off[j + 1]]
        lo = np.searchsorted(times, tp - reach[j])
        hi = np.searchsorted(times, tp + reach[j], side="right")
        have += hi > lo
    return have >= need


def _picks_by_sensor(t: np.ndarray, s: np.ndarray, available: np.ndarray, n_sensors: int) -> list[np.ndarray]:
    """Indices of the available picks of each sensor, in time order."""
    idx = np.flatnonzero(available)
    order = idx[np.lexsort((t[idx], s[idx]))]
    bounds = np.searchsorted(s[order], np.arange(n_sensors + 1))
    return [order[bounds[k]:bounds[k + 1]] for k in range(n_sensors)]
