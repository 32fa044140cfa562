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

from truceline.fusion.kernels import scan_all


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

    @property
    def cell_table(self) -> np.ndarray:
        """All sensors' cells, concatenated (rows x, y, size); sensor k's are ``cell_off[k]:cell_off[k+1]``."""
        return np.ascontiguousarray(np.concatenate(self.cells).astype(np.float64)) if self.cells else np.empty((0, 3))

    @property
    def cell_off(self) -> np.ndarray:
        return np.r_[0, np.cumsum([len(c) for c in self.cells])].astype(np.int64)

    def neighbour_table(self, k: int) -> np.ndarray:
        """(n_sensors, k) neighbour indices, -1 padded."""
        out = np.full((len(self.sx), k), -1, dtype=np.int64)
        for s, row in enumerate(self.neighbours):
            out[s, : min(k, len(row))] = row[:k]
        return out


@dataclass(frozen=True)
class Candidates:
    """Seed picks with the best cell each and how many neighbours fit there."""

    pick: np.ndarray   # pick index (into the arrays given to :func:`scan`)
    x: np.ndarray
    y: np.ndarray
    fits: np.ndarray
    fitting: np.ndarray  # (n, neighbours) the fitting pick of each neighbour, -1 where none


def scan(t: np.ndarray, s: np.ndarray, speed: np.ndarray, geo: Geometry, params: ScanParams,
         wind: tuple[float, float] = (0.0, 0.0), available: np.ndarray | None = None) -> Candidates:
    """Candidates among picks (times ``t``, sensor ``s``, sound speed ``speed`` per pick).

    ``available`` masks the picks that may take part (default all). Per seed: the coarse cells are
    scored, the ``refine_cells`` best are split into a finer grid, and the best fine cell of each
    of the ``alternatives`` best coarse cells is a candidate.
    """
    if available is None:
        available = np.ones(len(t), dtype=bool)
    n_sensors = len(geo.sx)
    idx = np.flatnonzero(available)
    order = idx[np.lexsort((t[idx], s[idx]))]                       # available picks by (sensor, time)
    pick_off = np.searchsorted(s[order], np.arange(n_sensors + 1)).astype(np.int64)
    c_ref = float(np.median(speed)) if len(speed) else 340.0
    nb = geo.neighbour_table(params.neighbours)
    base = np.hypot(geo.sx[np.maximum(nb, 0)] - geo.sx[:, None], geo.sy[np.maximum(nb, 0)] - geo.sy[:, None])
    reach = np.where(nb >= 0, base / (0.9 * c_ref) + params.pick_tol_s + 2 * params.cell_m / c_ref, 0.0)
    x, y, fits, picked = scan_all(
        t[order], speed[order].astype(np.float64), s[order].astype(np.int64), geo.cell_off, geo.cell_table,
        geo.sx.astype(np.float64), geo.sy.astype(np.float64), nb, t[order].astype(np.float64), pick_off, reach,
        float(wind[0]), float(wind[1]), params.pick_tol_s, params.speed_uncertainty, c_ref, params.min_fits,
        params.refine_cells, params.refine_split, params.alternatives)
    seed, alt = np.nonzero(fits >= params.min_fits)
    fitting = picked[seed, alt]
    fitting = np.where(fitting >= 0, order[np.maximum(fitting, 0)], -1)
    return Candidates(order[seed], x[seed, alt], y[seed, alt], fits[seed, alt], fitting)
