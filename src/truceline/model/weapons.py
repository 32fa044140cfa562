"""Weapon classes as the fusion and rules stages see them: ranges and flight times.

The flight-time model is deliberately simple and public (a straight line in range): time of flight
``tof = intercept_s + slope_s_per_km * range_km`` with a relative spread ``tof_rel_sigma``. It is
used by the simulator to fly rounds and by pairing to score launch/impact hypotheses; the values
are order-of-magnitude figures from open firing tables, not any army's data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class WeaponProfile:
    """What the mechanism knows of a weapon class in general (not of one weapon)."""

    name: str
    min_range_m: float
    max_range_m: float
    tof_intercept_s: float
    tof_slope_s_per_km: float
    tof_rel_sigma: float
    launch_r50_m: float  # distance at which half of the sensors hear a launch
    impact_r50_m: float  # the same for an impact

    def time_of_flight(self, range_m: np.ndarray | float) -> np.ndarray:
        """Expected time of flight in seconds for a range in metres."""
        return self.tof_intercept_s + self.tof_slope_s_per_km * np.asarray(range_m, dtype=float) / 1000.0


WEAPONS: dict[str, WeaponProfile] = {
    "mortar": WeaponProfile("mortar", 500.0, 7_500.0, 8.0, 4.0, 0.10, 13_000.0, 11_000.0),
    "tube_artillery": WeaponProfile("tube_artillery", 3_000.0, 25_000.0, 6.0, 2.2, 0.10, 26_000.0, 21_000.0),
    "mlrs": WeaponProfile("mlrs", 5_000.0, 40_000.0, 8.0, 1.6, 0.10, 32_000.0, 25_000.0),
}

FIRE_KINDS = ("launch", "impact")
