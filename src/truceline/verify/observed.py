"""What the drones observed, as a probability: would a weapon standing here have been reported?

Level 2. A weapon under ``n`` flights' footprints is sighted by each independently with
probability ``p_sight``; a flight also reports false sightings, ``false_per_100km2`` per 100 km²
of its footprint. A finding sighted by ``k`` of the ``n`` flights over it is real with posterior
odds (the merge disc of radius ``merge_m`` is the unit of area ``A``)::

    odds = ρA · (p / f)^k · ((1 - p) / (1 - f))^(n - k),    f = λA

where ρ is the density of weapons, estimated from the day itself: the findings seen by two or
more flights (false ones almost never are) divided by the area-weighted chance that a weapon
would be seen twice. A finding is reported when P(real) ≥ ``p_real``. The **coverage
probability** of a place is the chance that a weapon standing there would be reported: the
binomial mass of the ``k`` whose posterior reaches ``p_real``. One flight over a place rarely
suffices (a single sighting is as likely false as not on a sparse day); three usually do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.stats import binom

from truceline.geodesy import LocalProjection
from truceline.model.tables import Columns

GRID_M = 1_000.0


@dataclass(frozen=True)
class SightingModel:
    """How drone flights see weapons (measured on checked sightings; stated, not hidden)."""

    p_sight: float = 0.9             # a flight over a weapon sights it this often
    false_per_100km2: float = 0.1    # false sightings a flight reports per 100 km² it covers
    merge_m: float = 500.0           # sightings this close are one weapon (positions err by ~100 m: 3.5 sigma of a pair)
    p_real: float = 0.8              # a weapon this likely real is reported (and coverage counts it)
    min_density_per_100km2: float = 0.05   # floor of the day's weapon density (a day with no repeats)
    launch_m: float = 500.0          # a place this close to a located launch ...
    launch_prior: float = 0.3        # ... holds the weapon that fired with this prior (many shoot and move)

    @property
    def cell_km2(self) -> float:
        return float(np.pi * (self.merge_m / 1000.0) ** 2)


def flights_over(coverage: Columns, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.int64]:
    """Per point, how many distinct flights had it inside a footprint."""
    lon, lat = np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float))
    if len(coverage) == 0 or len(lon) == 0:
        return np.zeros(len(lon), dtype=np.int64)
    tree = shapely.STRtree(np.asarray(coverage["footprint"], dtype=object))
    pt, fp = tree.query(shapely.points(lon, lat), predicate="within")
    flight = np.unique(coverage["flight_id"].astype(str), return_inverse=True)[1]
    pairs = np.unique(np.column_stack([pt, flight[fp]]), axis=0) if len(pt) else np.zeros((0, 2), np.int64)
    return np.bincount(pairs[:, 0], minlength=len(lon)).astype(np.int64)


def posterior_real(k: ArrayLike, n: ArrayLike, density_km2: float, model: SightingModel,
                   prior: ArrayLike | None = None) -> NDArray[np.float64]:
    """P(a weapon is there) given ``k`` of ``n`` flights over the place sighted it (see module);
    ``prior``: per place, a prior probability that replaces ρA where it is finite (a place
    another source points at, such as a located launch)."""
    k, n = np.asarray(k, float), np.maximum(np.asarray(n, float), np.asarray(k, float))
    a = model.cell_km2
    f = model.false_per_100km2 / 100.0 * a
    p = model.p_sight
    base = np.full(k.shape, np.log(density_km2 * a))
    if prior is not None:
        q = np.asarray(prior, float)
        base = np.where(np.isfinite(q), np.log(np.clip(q, 1e-9, 1 - 1e-9) / (1 - np.clip(q, 1e-9, 1 - 1e-9))), base)
    log_odds = base + k * np.log(p / f) + (n - k) * np.log((1 - p) / (1 - f))
    return 1.0 / (1.0 + np.exp(-log_odds))


def p_covered(n: ArrayLike, density_km2: float, model: SightingModel) -> NDArray[np.float64]:
    """Coverage probability under ``n`` flights: the chance a weapon there would be reported."""
    n = np.atleast_1d(np.asarray(n, dtype=np.int64))
    top = int(n.max()) if len(n) else 0
    table = np.zeros(top + 1)
    for m in range(1, top + 1):
        k = np.arange(m + 1)
        reported = posterior_real(k, np.full(m + 1, m), density_km2, model) >= model.p_real
        table[m] = float(np.sum(binom.pmf(k, m, model.p_sight)[reported]))
    return table[n]


@dataclass(frozen=True)
class CoverageGrid:
    """The footprints' union sampled on a square grid: cell centres and flights over each."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    flights: NDArray[np.int64]
    cell_km2: float


def coverage_grid(coverage: Columns, grid_m: float = GRID_M) -> CoverageGrid:
    """Cells of ``grid_m`` over the footprints, each with the flights over its centre (0 cells dropped)."""
    if len(coverage) == 0:
        return CoverageGrid(np.zeros(0), np.zeros(0), np.zeros(0, np.int64), grid_m ** 2 / 1e6)
    rings = np.concatenate([shapely.get_coordinates(g) for g in coverage["footprint"]])
    proj = LocalProjection.around(rings)
    x, y = proj.to_xy(rings[:, 0], rings[:, 1])
    gx, gy = np.meshgrid(np.arange(x.min(), x.max() + grid_m, grid_m), np.arange(y.min(), y.max() + grid_m, grid_m))
    lon, lat = proj.to_lonlat(gx.ravel(), gy.ravel())
    n = flights_over(coverage, lon, lat)
    keep = n > 0
    return CoverageGrid(lon[keep], lat[keep], n[keep], grid_m ** 2 / 1e6)


def weapon_density(k_findings: ArrayLike, grid: CoverageGrid, model: SightingModel) -> float:
    """Weapons per km² over the covered area, from the findings seen by two or more flights."""
    k = np.asarray(k_findings)
    n = grid.flights
    p = model.p_sight
    twice = 1.0 - (1 - p) ** n - n * p * (1 - p) ** np.maximum(n - 1, 0)
    expected_area = float(np.sum(twice)) * grid.cell_km2
    floor = model.min_density_per_100km2 / 100.0
    if expected_area <= 0:
        return floor
    return max(float(np.sum(k >= 2)) / expected_area, floor)


def coverage_at(coverage: Columns, lon: ArrayLike, lat: ArrayLike, k_findings: ArrayLike,
                model: SightingModel = SightingModel()) -> NDArray[np.float64]:
    """Coverage probability at points, with the weapon density of a day whose findings were seen by
    ``k_findings`` flights each."""
    density = weapon_density(k_findings, coverage_grid(coverage), model)
    return p_covered(flights_over(coverage, lon, lat), density, model)
