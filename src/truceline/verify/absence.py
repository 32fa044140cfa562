"""What may be said where the drones saw no weapon: "observed, nothing there" only where they
could have seen one, and "not observed" everywhere else.

Level 2. Each party's withdrawal zone of each class (its own side, within the class's
withdrawal distance of its reference line) is sampled on a square grid; a cell is **observed**
where the drone coverage probability (:mod:`truceline.verify.observed`) is at least
``observed_p``. Per party, sector and class one statement: the zone's area, the area observed,
the mean coverage probability over the zone, the violation findings there, and in words:

- ``N in violation`` where findings of that class stand in that zone,
- ``observed, none seen`` where some of the zone was observed and nothing was found (the
  statement is about the observed area only, and says how much that is),
- ``not observed`` where no cell reached ``observed_p``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from truceline.geodesy import LocalProjection
from truceline.model.tables import ZONE_COVERAGE, Columns
from truceline.rules.zones import Zones
from truceline.verify.observed import SightingModel, coverage_grid, flights_over, p_covered, weapon_density

CLASSES = ("mortar", "tube_artillery", "mlrs", "heavy_mlrs")


@dataclass(frozen=True)
class AbsenceParams:
    """Settings of the statements."""

    grid_m: float = 2_000.0      # the zones are sampled on cells of this size
    observed_p: float = 0.9      # a cell counts as observed at this coverage probability


def zone_statements(zones: Zones, coverage: Columns, findings: Columns, params: AbsenceParams = AbsenceParams(),
                    model: SightingModel = SightingModel()) -> Columns:
    """One row per party, sector and weapon class (``ZONE_COVERAGE``)."""
    lon, lat, cell_km2 = _cells(zones, params.grid_m)
    side = zones.side_of(lon, lat).astype(str)
    keep = side != ""
    lon, lat, side = lon[keep], lat[keep], side[keep]
    dist_km = zones.distance_to_reference_line_m(lon, lat, side) / 1000.0
    sector = zones.sector_of(lon, lat).astype(str)
    density = weapon_density(findings["n_flights"], coverage_grid(coverage), model)
    p = p_covered(flights_over(coverage, lon, lat), density, model)
    f_sector = zones.sector_of(findings["lon"], findings["lat"]).astype(str) if len(findings) else np.zeros(0, str)
    viol = np.asarray(findings["is_violation"], bool)
    rows = []
    for party in zones.party_ids:
        for sec in sorted(set(sector[side == party]) - {""}):
            for cls in CLASSES:
                limit = zones.agreement.withdrawal_distance_km(cls)
                zone = (side == party) & (sector == sec) & (dist_km < limit)
                if not zone.any():
                    continue
                seen = zone & (p >= params.observed_p)
                n = int(np.sum(viol & (findings["party"].astype(str) == party) & (f_sector == sec)
                               & (findings["weapon_class"].astype(str) == cls)))
                observed = float(seen.sum() * cell_km2)
                text = (f"{n} in violation" if n else "observed, none seen" if observed > 0 else "not observed")
                rows.append({"party": party, "sector": sec, "weapon_class": cls, "zone_km2": float(zone.sum() * cell_km2),
                             "observed_km2": observed, "observed_share": float(seen.sum() / zone.sum()),
                             "mean_coverage_p": float(p[zone].mean()),
                             "min_observed_p": float(p[seen].min()) if seen.any() else np.nan,
                             "violations": n, "statement": text})
    return Columns.from_rows(ZONE_COVERAGE, rows)


def _cells(zones: Zones, grid_m: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Centres of square cells over the parties' areas (WGS 84) and a cell's area in km²."""
    areas = shapely.union_all([p.area for p in zones.agreement.parties])
    ring = shapely.get_coordinates(areas)
    proj = LocalProjection.around(ring)
    x, y = proj.to_xy(ring[:, 0], ring[:, 1])
    gx, gy = np.meshgrid(np.arange(x.min(), x.max(), grid_m) + grid_m / 2, np.arange(y.min(), y.max(), grid_m) + grid_m / 2)
    lon, lat = proj.to_lonlat(gx.ravel(), gy.ravel())
    return lon, lat, grid_m ** 2 / 1e6
