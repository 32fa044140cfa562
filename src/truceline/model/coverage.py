"""What could be observed: per side of the line, how many sensors were up and how likely fire was
to be detected. Counts of violations are always reported beside these numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SideCoverage:
    """Observation capacity over one party's side of the line for the reporting period."""

    party: str
    sensors_total: int          # sensors standing on this side
    sensors_online: int         # of those, sensors that reported at least once in the period
    sensor_hours: float         # sum over sensors of hours with at least one pick
    hours_observed: int         # hours of the period in which detection probability was >= 0.5
    p_detect_launch: float      # mean probability that a tube-artillery launch on this side is located
    p_detect_impact: float      # the same for an impact


@dataclass(frozen=True)
class SectorCoverage:
    """The same detection probabilities over one party's side within one sector of the line."""

    party: str
    sector: str
    p_detect_launch: float      # mean over the period and the sector's probe points on this side
    p_detect_impact: float
    p_worst_hour: float         # the launch detection probability at the sector's worst hour


@dataclass(frozen=True)
class Gap:
    """A place and time the mechanism could not observe well (detection probability < 0.5)."""

    party: str
    sector: str
    hours: str                  # e.g. "04:00-11:00 UTC"
    p_detect: float
    note: str


@dataclass(frozen=True)
class Coverage:
    """Coverage of a reporting period."""

    period_start: float         # epoch seconds UTC
    period_end: float
    sides: tuple[SideCoverage, ...]
    gaps: tuple[Gap, ...]
    offline_sensors: tuple[tuple[str, float], ...]  # (sensor_id, hours without any pick)
    sectors: tuple[SectorCoverage, ...] = ()        # per side and sector of the line

    def in_sector(self, party: str, sector: str) -> SectorCoverage | None:
        """The coverage of ``party``'s side within ``sector``, or None where it has no probe point."""
        return next((c for c in self.sectors if c.party == party and c.sector == sector), None)
