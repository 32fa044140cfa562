"""Scenario simulator: ground truth plus the feeds, written in the formats real sources use."""

from truceline.simulate.scenario import ScenarioParams, simulate

__all__ = ["ScenarioParams", "simulate"]
