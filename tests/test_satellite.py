"""Satellite coverage: the probability that a fire shows in the day's FIRMS hotspots."""

from __future__ import annotations

import numpy as np

from truceline.model.tables import THERMAL_EVENTS, Columns
from truceline.pipeline import declared_sites, load_history
from truceline.simulate.scenario import ScenarioParams
from truceline.simulate.thermal import ThermalSimParams, simulate_thermal
from truceline.simulate.world import World, make_truth
from truceline.verify.satellite import SatelliteModel, p_fire_seen, passes

DAY = ScenarioParams().day_start


def test_passes_follow_local_solar_time_and_observed_ones_replace_them() -> None:
    day = passes(DAY, 37.5)
    noon = [t for s, t in zip(day.satellite, day.time) if s == "Aqua" and DAY <= t < DAY + 86400]
    assert any(abs((t - DAY) / 3600.0 - (13.5 - 2.5)) < 1e-9 for t in noon)      # 13:30 local = 11:00 UTC
    seen = Columns.conform(THERMAL_EVENTS, {**{c: np.zeros(1) for c in THERMAL_EVENTS.names},
                                            "satellite": np.array(["Aqua"], dtype=object),
                                            "time": np.array([DAY + 11.5 * 3600.0])})
    moved = passes(DAY, 37.5, seen)
    assert any(abs(t - (DAY + 11.5 * 3600.0)) < 1 for s, t in zip(moved.satellite, moved.time) if s == "Aqua")


def test_a_fire_lit_after_the_last_pass_is_never_seen_and_cloud_scales_it() -> None:
    day = passes(DAY, 37.5)
    last = max(t for t in day.time if t < DAY + 86400)
    assert p_fire_seen([last + 60.0], day)[0] < 1e-9
    clear, cloudy = (p_fire_seen([DAY + 9 * 3600.0], day, SatelliteModel(clear_p=c))[0] for c in (0.9, 0.3))
    assert 0 < cloudy < clear < 1


def test_coverage_predicts_how_many_impact_fires_the_simulator_shows() -> None:
    """Over ten simulated days: the fires the model expects to be seen (fire probability per class
    times p_fire_seen at the impact) against the distinct impact fires in the hotspots."""
    h = load_history(None)
    a = h.at(DAY)
    world = World(np.asarray(a.contact_line.coords), a.party_ids[0], a.party_ids[1], a.effective_time.timestamp(),
                  declared_sites(h, DAY))
    fire_p = dict(ThermalSimParams().fire_prob)
    expected = seen = 0.0
    for seed in range(1, 11):
        truth = make_truth(world, ScenarioParams(seed=seed), np.random.default_rng(seed))
        th = simulate_thermal(world, truth, DAY, seed)
        impact = truth.take(truth["kind"].astype(str) == "impact")
        day = passes(DAY, float(np.median(impact["lon"])))
        p = p_fire_seen(impact["time"], day)
        expected += float(np.sum(p * np.array([fire_p.get(str(c), 0.0) for c in impact["weapon_class"]])))
        seen += len({s for s, src in zip(th.truth["source_id"], th.truth["source"]) if src == "impact"})
    assert seen > 50
    assert 0.75 < seen / expected < 1.33, (seen, expected)
