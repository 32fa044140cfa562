"""Weapon findings: sightings of one weapon merged, judged by the classes it probably is."""

from __future__ import annotations

import numpy as np
import pytest

from truceline.model.tables import SIGHTINGS, Columns
from truceline.pipeline import load_history
from truceline.rules.zones import Zones
from truceline.simulate.world import World, offset_points
from truceline.verify.weapons import class_posterior, weapon_findings


@pytest.fixture(scope="module")
def setting():
    a = load_history(None).versions[-1]
    world = World(np.asarray(a.contact_line.coords), a.party_ids[0], a.party_ids[1], a.effective_time.timestamp(), ())
    return Zones.from_agreement(a), world


def at(world: World, depth_m: float, north_m: float = 0.0) -> tuple[float, float]:
    """A point ``depth_m`` behind the line on the first party's side (negative: the other side)."""
    line = world.line_xy()
    xy = offset_points(line, np.array([line.length / 2]), np.array([depth_m]))[0] + np.array([0.0, north_m])
    lon, lat = world.projection().to_lonlat(np.array([xy[0]]), np.array([xy[1]]))
    return float(lon[0]), float(lat[0])


def sightings(rows: list[tuple[tuple[float, float], str, str, str]]) -> Columns:
    """rows: ((lon, lat), weapon_class, flight_id, serial)."""
    n = len(rows)
    return Columns.conform(SIGHTINGS, {
        "sighting_id": np.array([f"S{k}" for k in range(n)], dtype=object), "time": np.arange(n) * 60.0 + 1e9,
        "lon": np.array([r[0][0] for r in rows]), "lat": np.array([r[0][1] for r in rows]),
        "weapon_class": np.array([r[1] for r in rows], dtype=object), "confidence": np.full(n, 0.8),
        "image_hash": np.full(n, "ab" * 32, dtype=object), "image_ref": np.full(n, "", dtype=object),
        "flight_id": np.array([r[2] for r in rows], dtype=object), "serial": np.array([r[3] for r in rows], dtype=object)})


def test_posterior_follows_the_votes() -> None:
    p = class_posterior(np.array(["tube_artillery", "tube_artillery", "mortar"]))
    assert p.argmax() == 1 and p.max() > 0.9 and abs(p.sum() - 1) < 1e-12
    assert class_posterior(np.array([], dtype=object)).std() == 0           # no sighting: flat


def test_sightings_of_one_weapon_merge_and_it_is_judged_by_its_probable_class(setting) -> None:
    zones, world = setting
    party = zones.party_ids[0]
    w = at(world, 30_000.0)                     # 30 km behind: inside tube artillery's 50 km, outside mortar's 15
    near = at(world, 30_000.0, 120.0)
    far = at(world, 30_000.0, 1_000.0)       # beyond merge_m, linked by its serial
    f = weapon_findings(sightings([(w, "tube_artillery", "F1", ""), (near, "tube_artillery", "F2", ""),
                                   (w, "mortar", "F2", "2S1-77"),                   # misnamed once
                                   (far, "mortar", "F3", "2S1-77")]), zones)           # its serial, read again
    assert len(f) == 1
    r = next(f.rows())
    assert r["n_sightings"] == 4 and r["n_flights"] == 3 and r["serials"] == "2S1-77"
    assert r["party"] == party and 29 < r["distance_km"] < 31
    # two tube-artillery votes against two mortar votes: the class is a coin toss, P(violation) ~ 0.5
    assert abs(r["class_p"] - 0.5) < 0.01
    two = weapon_findings(sightings([(w, "tube_artillery", "F1", ""), (near, "tube_artillery", "F2", ""),
                                     (w, "mortar", "F2", "")]), zones)
    assert bool(two["is_violation"][0]) and two["weapon_class"][0] == "tube_artillery"
    mortar = weapon_findings(sightings([(w, "mortar", "F1", ""), (near, "mortar", "F2", "")]), zones)
    assert not bool(mortar["is_violation"][0]) and mortar["p_violation"][0] < 0.1


def test_one_flights_sighting_is_a_lead_not_a_violation(setting) -> None:
    zones, world = setting
    w = at(world, 5_000.0)
    one = weapon_findings(sightings([(w, "tube_artillery", "F1", ""), (w, "tube_artillery", "F1", "")]), zones)
    assert one["p_violation"][0] > 0.99 and not bool(one["is_violation"][0])
    other_side = weapon_findings(sightings([(at(world, -5_000.0), "mlrs", "F1", ""),
                                            (at(world, -5_000.0, 50.0), "mlrs", "F2", "")]), zones)
    assert other_side["party"][0] == zones.party_ids[1] and bool(other_side["is_violation"][0])
