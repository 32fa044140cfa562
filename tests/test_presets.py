"""Benchmark presets: lines of the stated length, a valid agreement, a day written with its truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from truceline.evaluate import read_truth
from truceline.geodesy import line_length_m
from truceline.simulate.presets import PRESETS, Preset, contact_line, preset, resolve, write_preset
from truceline.sources.agreement_yaml import load_agreement

TINY = Preset("tiny", 60.0, 4)  # storms keep 20 km from the line's ends


@pytest.mark.parametrize("length_km", [40.0, 100.0, 600.0, 1_300.0])
def test_contact_line_has_the_length_asked_and_is_deterministic(length_km: float) -> None:
    line = contact_line(length_km)
    assert line_length_m(line) / 1000.0 == pytest.approx(length_km, rel=2e-3)
    assert np.array_equal(line, contact_line(length_km))
    assert 30.0 < line[:, 0].min() and line[:, 0].max() < 45.0 and 44.0 < line[:, 1].min() and line[:, 1].max() < 54.0


def test_named_presets_have_the_issue_sizes() -> None:
    assert {n: p.length_km for n, p in PRESETS.items()} == {"small": 100.0, "front": 600.0, "full": 1_300.0}
    full = PRESETS["full"]
    assert 2 * full.length_km * 1000.0 / full.sensor_spacing_m == pytest.approx(400, abs=1)  # two rows
    for p in PRESETS.values():  # full difficulty: every nuisance rate at its default
        params = p.params()
        assert not params.calm and params.false_pick_fraction == 0.27 and params.wind_mps == 5.0


def test_an_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="small, front, full"):
        resolve("huge")


def test_preset_world_matches_its_agreement() -> None:
    world, params, history = preset("small")
    agreement = history.at(params.day_start)
    assert agreement.party_ids == (world.party_right, world.party_left)
    assert len(world.sites) == len(agreement.declared_activities) == 1
    assert world.effective_time < params.day_start


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("tiny")
    return (*write_preset(TINY, out), out)


def test_a_preset_day_is_written_like_truceline_simulate(tiny) -> None:
    sim, world, paths, out = tiny
    for name in ("sensors.csv", "picks.csv", "agreement.yaml", "truth/events.csv", "truth/picks.csv"):
        assert (out / name).is_file(), name
    assert load_agreement(paths["agreement"]).base.name.startswith("Benchmark ceasefire (tiny")
    assert len(read_truth(paths["truth"])) == len(sim.truth)
    assert (out / "truth" / "picks.csv").read_text().splitlines()[0] == "pick_id,truth_id,is_outlier"
    assert len(sim.sensors) == pytest.approx(2 * 60_000 / TINY.sensor_spacing_m, abs=1)


def test_engagements_are_recorded_and_opened_by_their_first_mission(tiny) -> None:
    sim = tiny[0]
    fire = sim.truth.take(np.isin(sim.truth["kind"], ("launch", "impact")))
    eid = fire["engagement_id"].astype(str)
    assert (eid != "").all()
    assert len(set(eid)) == TINY.n_engagements + 1  # + the round fired inside the quarry's window
    for e in set(eid):
        rounds = fire.take(eid == e)
        first_mission = min(rounds["mission_id"])
        first_round = rounds.take(np.array([int(np.argmin(rounds["time"]))]))
        assert first_round["mission_id"][0] == first_mission
        assert len(set(rounds["side"][rounds["mission_id"] == first_mission])) == 1
    assert (sim.truth["engagement_id"][~np.isin(sim.truth["kind"], ("launch", "impact"))] == "").all()


def test_write_preset_is_deterministic(tiny, tmp_path: Path) -> None:
    again, _, _ = write_preset(TINY, tmp_path)
    assert again.picks_rows == tiny[0].picks_rows
