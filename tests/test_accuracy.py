"""Accuracy against simulator ground truth, with fixed seeds, on small scenarios.

Floors sit just under what the engine measures (the numbers are beside each assertion), so a
regression fails: the calm scenario, the full-difficulty demo scenario (no thunder or quarry
blast reported as a violation), and the benchmark's `small` preset for location against the
Cramér–Rao bound, honest 95 % ellipses per geometry group and calibrated attribution. Speed is
the benchmark's business (benchmarks/associate.py), not a test's.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from truceline.app import run_simulate
from truceline.evaluate import Evaluation, evaluate, read_truth
from truceline.pipeline import ProcessParams, analyse, load_history, read_inputs


def _score(tmp: Path, calm: bool, seed: int, engagements: int) -> Evaluation:
    paths = run_simulate(tmp, agreement=None, seed=seed, day=date(2026, 11, 26), calm=calm, engagements=engagements)
    sensors, picks = read_inputs(paths["picks"], paths["sensors"])
    processed = analyse(sensors, picks, load_history(paths["agreement"]), ProcessParams())
    return evaluate(read_truth(paths["truth"]), processed.events)


@pytest.fixture(scope="module")
def calm(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    return _score(tmp_path_factory.mktemp("calm"), calm=True, seed=11, engagements=20)


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> Evaluation:
    # the full-difficulty bar is set on the demo scenario itself (seed 7, 60 engagements, ~1 min)
    return _score(tmp_path_factory.mktemp("full"), calm=False, seed=7, engagements=60)


def test_calm_scenario_meets_the_bar(calm: Evaluation) -> None:
    assert calm.n_truth_fire > 150
    assert calm.f1 >= 0.96, calm.to_dict()                  # measured 0.981
    assert calm.attribution_accuracy >= 0.97, calm.to_dict()  # measured 0.995
    assert calm.loc_err_median_m < 15.0, calm.to_dict()       # measured 4 m


def test_full_difficulty_meets_the_bar(full: Evaluation) -> None:
    assert full.n_truth_fire > 150
    assert full.f1 >= 0.92, full.to_dict()                   # measured 0.943
    assert full.attribution_accuracy >= 0.97, full.to_dict()  # measured 0.995
    assert full.loc_err_median_m < 25.0, full.to_dict()       # measured 13 m
    assert full.thunder_violations == 0, full.to_dict()
    assert full.blast_violations == 0, full.to_dict()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The benchmark's `small` preset (~100 km, ~1,000 fire events, full difficulty), processed."""
    from truceline.evaluate_assoc import Truth, fire_in_declared_windows, initiator, nuisance, score, truth_as_events
    from truceline.rules.zones import Zones
    from truceline.verify.engagements import engagements
    from truceline.simulate.presets import write_preset

    sim, world, paths = write_preset("small", tmp_path_factory.mktemp("small"))
    sensors, picks = read_inputs(paths["picks"], paths["sensors"])
    processed = analyse(sensors, picks, load_history(paths["agreement"]), ProcessParams(), signed=True)
    truth = Truth.from_simulation(sim, world)
    out = score(truth, processed.events, processed.engagements)
    out.update(nuisance(truth, processed.events, fire_in_declared_windows(truth, world.sites)))
    out["events"], out["truth"] = processed.events, truth
    grouped, _ = engagements(truth_as_events(truth), Zones.from_agreement(load_history(paths["agreement"]).at(
        float(sim.params.day_start))))
    out["ceiling"] = initiator(truth.events, grouped)
    return out


def test_location_is_efficient_and_its_ellipses_honest(small: dict) -> None:
    assert small["loc_over_crlb"] <= 1.1, small                       # measured 1.07
    for group, coverage in small["ellipse95_coverage_by_geometry"].items():
        assert 0.88 <= coverage <= 0.98, (group, small)                # measured 0.95 between, 0.98 outside


def test_attribution_is_right_and_calibrated(small: dict) -> None:
    assert small["attribution_wrong_rate"] <= 0.02, small              # measured 0.000
    assert small["attribution_wrong_rate_near_line"] <= 0.02, small    # measured 0.000
    assert small["attributed_fraction"] >= 0.90, small                 # measured 0.999
    assert small["attribution_calibration_max_gap"] <= 0.05, small     # measured 0.004
    assert small["f1"] >= 0.95, small                                  # measured 0.962


def test_no_thunder_as_fire_and_fire_in_a_blasting_window_is_found(small: dict) -> None:
    assert small["thunder_as_fire"] == 0, small                        # measured 0
    assert small["n_fire_in_blast_windows"] >= 6, small
    assert small["blast_window_recall"] >= 0.9, small                  # measured 1.000 (8 events)


def test_sparse_events_are_kept_as_low_confidence_detections(small: dict) -> None:
    ev = small["events"]
    low = ev["low_confidence"].astype(bool)
    assert low.sum() >= 50                                             # measured ~190 of ~1,000
    assert (ev["n_sensors"][low] < 6).all() and (ev["n_sensors"][~low] >= 6).all()
    assert not set(ev["confidence"][low]) & {"probable", "corroborated"}


def test_every_kind_says_on_what_basis(small: dict) -> None:
    """Each event's kind_basis is a rule that gives its kind; on the small day thunder comes on
    several bases and some events are of unknown kind because nearer sensors heard nothing."""
    ev = small["events"]
    gives = {"launch": {"labels", "labels_split"}, "impact": {"labels", "labels_split"},
             "thunder": {"thunder_like", "storm", "storm_faint", "storm_unpaired"},
             "unknown": {"labels_unclear", "storm_split", "silent_sensors"}, "explosion": {"declared_activity"}}
    pairs = set(zip(ev["kind"].astype(str), ev["kind_basis"].astype(str)))
    assert all(basis in gives[kind] for kind, basis in pairs), pairs
    assert {"thunder_like", "storm_faint", "silent_sensors", "declared_activity"} <= {b for _, b in pairs}, pairs
    split = ev["kind_basis"].astype(str) == "labels_split"
    assert set(ev["attributed_side"][split]) <= {"undetermined"} and set(ev["pair_id"][split]) <= {""}


def test_who_opened_fire_is_as_good_as_the_grouping_allows(small: dict) -> None:
    """The opener, scored against truth, reaches what the same grouping reaches on the *true*
    events (the simulator draws engagements independently, so some start minutes after another
    at the same place and no observation can tell them apart: issue 4's 95 % is above that ceiling)."""
    ceiling = small["ceiling"]
    assert small["initiator_accuracy"] >= ceiling["initiator_accuracy"] - 0.05, (small, ceiling)  # 0.863 vs 0.882
    assert small["initiator_accuracy_isolated"] >= 0.85, small        # measured 0.909
    # the opener's p carries the grouping's ambiguity: on average it says how often the opener is right
    # (51 engagements: +-0.05 of sampling error; a p of the opening round alone read 1.00 against 0.82 right)
    assert abs(small["initiator_stated_p"] - small["initiator_right_when_named"]) <= 0.08, small  # 0.894 vs 0.863


def test_counter_battery_fire_does_not_confuse_pairing(small: dict) -> None:
    """Impacts landing next to the other side's batteries are still attributed to the side that
    fired them (pairing follows flight time and range, not proximity to a battery)."""
    from truceline.evaluate_assoc import east_north, match_fire

    truth, ev = small["truth"], small["events"]
    fire = truth.fire()
    launch = fire.take(fire["kind"].astype(str) == "launch")
    impact = np.flatnonzero(fire["kind"].astype(str) == "impact")
    near_other = np.zeros(len(fire), dtype=bool)
    for i in impact:
        other = launch.take(launch["side"].astype(str) != str(fire["side"][i]))
        en = east_north(np.full(len(other), fire["lon"][i]), np.full(len(other), fire["lat"][i]),
                        other["lon"], other["lat"])
        near_other[i] = len(other) > 0 and np.hypot(en[:, 0], en[:, 1]).min() <= 1_500.0
    is_fire = np.isin(ev["kind"].astype(str), ("launch", "impact"))
    rep = ev.take(is_fire)
    m = match_fire(fire, rep["time"], rep["lon"], rep["lat"])
    cb = near_other[m.it]
    side = rep["attributed_side"].astype(str)[m.ir]
    said = cb & (side != "undetermined")
    assert near_other.sum() >= 20                                      # the day has counter-battery fire
    assert said.sum() >= 0.8 * cb.sum()
    wrong = said & (side != fire["side"].astype(str)[m.it])
    assert wrong.sum() <= 0.02 * said.sum(), (int(wrong.sum()), int(said.sum()))
