"""Declared storage sites counted by drone surveys: missing pieces said only where surveys could see."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from truceline.geodesy import LocalProjection
from truceline.model.agreement import StorageSite
from truceline.model.tables import FLIGHT_COVERAGE, SIGHTINGS, Columns
from truceline.pipeline import load_history, storage_depots
from truceline.verify.storage import site_of, storage_findings, surveys_of

SITE = StorageSite(id="ST9", party="A", name="Test site", lon=38.0, lat=48.5, radius_m=300.0,
                   inventory={"tube_artillery": 20, "mortar": 10}, serials={"tube_artillery": ("S-1", "S-2")})


def footprint(flight: str, half_m: float, dx_m: float = 0.0) -> dict:
    proj = LocalProjection(SITE.lon, SITE.lat)
    ring = np.asarray(shapely.box(dx_m - half_m, -half_m, dx_m + half_m, half_m).exterior.coords)
    lon, lat = proj.to_lonlat(ring[:, 0], ring[:, 1])
    return {"footprint_id": f"{flight}-0", "flight_id": flight, "start": 1e9, "end": 1e9 + 600,
            "footprint": shapely.Polygon(np.column_stack([lon, lat])), "area_km2": 4 * half_m ** 2 / 1e6}


def seen(counts: dict[str, dict[str, int]], serials: tuple[str, ...] = (), elsewhere: str = "") -> Columns:
    """Sightings at the site: per flight, pieces named per class."""
    proj = LocalProjection(SITE.lon, SITE.lat)
    rows, rng = [], np.random.default_rng(1)
    for flight, by_class in counts.items():
        for cls, n in by_class.items():
            for _ in range(n):
                lon, lat = proj.to_lonlat(*(rng.uniform(-200, 200, (2, 1))))
                rows.append({"sighting_id": f"{flight}-{len(rows)}", "time": 1e9 + len(rows), "lon": float(lon[0]),
                             "lat": float(lat[0]), "weapon_class": cls, "confidence": 0.9, "image_hash": "ab" * 32,
                             "image_ref": "", "flight_id": flight, "serial": serials[len(rows)] if len(rows) < len(serials) else ""})
    if elsewhere:
        lon, lat = proj.to_lonlat(np.array([20_000.0]), np.array([0.0]))
        rows.append({**rows[0], "sighting_id": "FIELD-1", "lon": float(lon[0]), "lat": float(lat[0]), "serial": elsewhere})
    return Columns.from_rows(SIGHTINGS, rows)


def test_surveys_are_flights_that_held_the_whole_site() -> None:
    cov = Columns.from_rows(FLIGHT_COVERAGE, [footprint("F1", 1_000.0), footprint("F2", 1_000.0, dx_m=900.0),
                                              footprint("F3", 5_000.0)])
    assert surveys_of(SITE, cov) == ["F1", "F3"]             # F2's edge cuts through the site


def test_pieces_missing_are_counted_with_an_interval_and_named_by_class() -> None:
    cov = Columns.from_rows(FLIGHT_COVERAGE, [footprint(f, 1_500.0) for f in ("F1", "F2", "F3")])
    visits = {f: {"tube_artillery": 12, "mortar": 9} for f in ("F1", "F2", "F3")}   # ~7 of 20 tubes gone
    r = next(storage_findings(seen(visits, serials=("S-1",), elsewhere="S-2"), cov, (SITE,)).rows())
    assert r["status"] == "missing" and r["surveys"] == 3 and r["p_missing"] > 0.99 and r["confidence"] == "probable"
    assert r["missing_low"] <= 7 <= r["missing_high"] and r["missing_by_class"].startswith("tube_artillery:")
    assert r["serials_confirmed"] == "S-1" and r["serials_elsewhere"].startswith("S-2@")


def test_no_absence_without_a_look_that_could_see() -> None:
    nobody = next(storage_findings(seen({}), Columns.from_rows(FLIGHT_COVERAGE, []), (SITE,)).rows())
    assert nobody["status"] == "not observed" and nobody["coverage_p"] == 0.0 and nobody["missing_est"] == -1
    cov = Columns.from_rows(FLIGHT_COVERAGE, [footprint("F1", 1_500.0)])
    once = next(storage_findings(seen({"F1": {"tube_artillery": 17, "mortar": 9}}), cov, (SITE,)).rows())
    assert once["status"] == "undetermined"                   # one look at 0.9 per piece cannot tell 26 from 30
    full = {f: {"tube_artillery": 19, "mortar": 9} for f in ("F1", "F2", "F3", "F4")}
    cov4 = Columns.from_rows(FLIGHT_COVERAGE, [footprint(f, 1_500.0) for f in full])
    assert next(storage_findings(seen(full), cov4, (SITE,)).rows())["status"] == "complete"


def test_sightings_at_a_site_are_not_field_weapons() -> None:
    where = site_of(seen({"F1": {"mortar": 3}}, elsewhere="S-2"), (SITE,))
    assert list(where) == ["ST9", "ST9", "ST9", ""]


def test_declared_serials_cannot_outnumber_the_pieces() -> None:
    with pytest.raises(Exception, match="serials.mortar"):
        StorageSite(id="X", party="A", name="x", lon=38.0, lat=48.0, inventory={"mortar": 1},
                    serials={"mortar": ("a", "b")})


def test_storage_findings_are_right_against_the_truth_over_many_days() -> None:
    from truceline.evaluate_sources import evaluate_storage
    from truceline.simulate.drones import simulate_drones
    from truceline.simulate.scenario import ScenarioParams
    from truceline.simulate.world import World

    h = load_history(None)
    day = ScenarioParams().day_start
    a = h.at(day)
    world = World(np.asarray(a.contact_line.coords), a.party_ids[0], a.party_ids[1], a.effective_time.timestamp(), (),
                  storage_depots(h, day))
    tot: dict[str, int] = {}
    for seed in range(1, 31):
        d = simulate_drones(world, day, seed)
        f = storage_findings(d.sightings, d.coverage, a.storage_sites)
        assert all(r["surveys"] == 0 or r["coverage_p"] >= 0.9 or r["status"] == "not observed" for r in f.rows())
        for k, v in evaluate_storage(f, d.storage).items():
            tot[k] = tot.get(k, 0) + v
    assert tot["missing_findings"] >= 30 and tot["complete_findings"] >= 10
    assert tot["missing_false"] == 0 and tot["absent_below_coverage"] == 0         # no false accusation
    assert tot["missing_correct"] >= 0.9 * tot["missing_findings"]                 # 90 % intervals hold
    assert tot["complete_correct"] == tot["complete_findings"]
    assert tot["class_right"] >= 0.9 * tot["class_named"]
