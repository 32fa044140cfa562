"""Scenario parameters and the simulator's entry point.

``simulate(world, params)`` is pure: the same world, parameters and seed give the same truth and
feeds, bit for bit. Writing files is ``truceline.simulate.writer``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone

import numpy as np

from truceline.model.tables import Columns
from truceline.simulate.acoustic import make_picks
from truceline.simulate.feeds import degrade_feed
from truceline.simulate.drones import DroneDay, simulate_drones
from truceline.simulate.thermal import ThermalDay, simulate_thermal
from truceline.simulate.world import World, make_sensors, make_truth


@dataclass(frozen=True)
class ScenarioParams:
    """Everything that shapes a simulated day. ``calm()`` turns the nuisances down."""

    seed: int = 7
    day: date = date(2026, 11, 26)
    n_engagements: int = 60
    sensor_spacing_m: float = 5_000.0
    row_offset_m: float = 5_000.0
    pick_sigma_s: float = 0.06
    pick_outlier_rate: float = 0.04
    clock_offset_fraction: float = 0.08
    clock_offset_max_s: float = 0.5
    false_pick_fraction: float = 0.27
    label_error_rate: float = 0.15
    sound_speed_error: float = 0.03
    wind_mps: float = 5.0
    n_storms: int = 2
    outage_fraction: float = 0.10
    blasts_per_site: int = 2
    fire_in_blast_window: int = 1
    duplicate_rate: float = 0.01
    late_rate: float = 0.02
    malformed_rate: float = 0.005
    calm: bool = False

    def calmed(self) -> "ScenarioParams":
        """The same day with the nuisances turned down, for debugging and calm tests."""
        return replace(self, pick_sigma_s=0.02, pick_outlier_rate=0.0, clock_offset_fraction=0.0,
                       false_pick_fraction=0.02, label_error_rate=0.03, sound_speed_error=0.005,
                       wind_mps=1.0, n_storms=0, outage_fraction=0.0, duplicate_rate=0.0,
                       late_rate=0.0, malformed_rate=0.0, fire_in_blast_window=0, calm=True)

    @property
    def day_start(self) -> float:
        """The simulated day's start, epoch seconds UTC."""
        return datetime(self.day.year, self.day.month, self.day.day, tzinfo=timezone.utc).timestamp()


@dataclass(frozen=True)
class Simulation:
    """A simulated day: sensors, the picks feed as a producer would send it, and the truth."""

    params: ScenarioParams
    sensors: Columns
    truth: Columns
    sensor_truth: Columns
    picks: Columns
    picks_rows: list[dict[str, str]] = field(repr=False)
    sound_speed_mps: float = 0.0
    thermal: ThermalDay | None = field(default=None, repr=False)
    """FIRMS hotspots of the day and the month before (drawn from their own random stream)."""
    drones: DroneDay | None = field(default=None, repr=False)
    """Drone sightings and flight footprints (their own random stream too)."""


def simulate(world: World, params: ScenarioParams) -> Simulation:
    """Simulate one day over ``world`` with ``params`` (deterministic for a seed)."""
    rng = np.random.default_rng(params.seed)
    sensors, sensor_truth = make_sensors(world, params, rng)
    truth = make_truth(world, params, rng)
    picks, c_mean = make_picks(world, params, sensors, sensor_truth, truth, rng)
    rows = degrade_feed(picks, params, rng)
    thermal = simulate_thermal(world, truth, params.day_start, params.seed)
    drones = simulate_drones(world, params.day_start, params.seed, fire=truth)
    return Simulation(params, sensors, truth, sensor_truth, picks, rows, c_mean, thermal, drones)
