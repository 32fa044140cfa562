"""Radar damage: the local PWTT against the simulator's damaged cells (first part of issue 6)."""

from __future__ import annotations

import numpy as np
import pytest

from truceline.fusion.sar import PwttParams, auc, damage_score, lee, smooth, welch_t
from truceline.pipeline import declared_sites, load_history
from truceline.simulate.sar import simulate_sar
from truceline.simulate.scenario import ScenarioParams
from truceline.simulate.world import World, make_truth


@pytest.fixture(scope="module", params=[7, 3])
def stack(request):
    h = load_history(None)
    p = ScenarioParams(seed=request.param)
    a = h.at(p.day_start)
    world = World(np.asarray(a.contact_line.coords), a.party_ids[0], a.party_ids[1], a.effective_time.timestamp(),
                  declared_sites(h, p.day_start))
    truth = make_truth(world, p, np.random.default_rng(p.seed))
    return simulate_sar(world, truth, p.day_start, p.seed)


def test_damage_is_rare_and_found_against_the_truth(stack) -> None:
    score = damage_score([(stack.db[o], stack.times[o]) for o in range(len(stack.orbits))], stack.event_start,
                         stack.pixel_m)
    y = stack.damaged
    assert 0.0005 < y.mean() <= 0.01                                  # rare: at most 1 % of cells
    found = score >= PwttParams().threshold
    tp = int((found & y).sum())
    precision, recall = tp / max(int(found.sum()), 1), tp / int(y.sum())
    f1 = 2 * precision * recall / (precision + recall)
    assert f1 >= 0.5 and auc(score, y) >= 0.85, (f1, auc(score, y))    # issue 6's floors on the demo scenario


def test_welch_t_and_lee_behave() -> None:
    rng = np.random.default_rng(1)
    pre, post = rng.normal(0, 1, (30, 50, 50)), rng.normal(0, 1, (5, 50, 50))
    assert abs(float(welch_t(pre, post).std()) - 1.0) < 0.3             # no change: t ~ unit spread
    assert float(welch_t(pre, post - 3.0).mean()) < -3.0                 # a 3-sigma drop is found
    speckled = rng.gamma(4.4, 1 / 4.4, (1, 60, 60)).astype(np.float32)
    assert lee(speckled, 5, 4.4).std() < 0.6 * speckled.std()           # speckle smoothed ...
    assert abs(float(lee(speckled, 5, 4.4).mean()) - float(speckled.mean())) < 0.02   # ... mean kept
    spot = np.zeros((41, 41), np.float32)
    spot[20, 20] = 1.0
    assert smooth(spot, 10.0).sum() == pytest.approx(1.0, rel=1e-5)     # the focal means keep the mass


def test_auc_is_the_rank_probability() -> None:
    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([False, False, True, True])) == 0.75


def test_geotiff_stack_streams_through_dask_to_the_same_score(stack, tmp_path) -> None:
    import truceline
    from truceline.app import run_sar
    from truceline.simulate.writer import write_sar

    (tmp_path / "truth").mkdir()
    files = write_sar(stack, tmp_path / "s1", tmp_path / "truth")
    r = truceline.read(files[0])
    assert r.format == "sar-geotiff" and r.accepted == 1 and r.table["relative_orbit"][0] == stack.orbits[0]
    out = run_sar(files, stack.event_start, tmp_path / "out")
    direct = damage_score([(stack.db[o], stack.times[o]) for o in range(len(stack.orbits))], stack.event_start,
                          stack.pixel_m)
    assert np.abs(out.score - direct).max() < 1e-3                      # the lazy, chunked path agrees
    assert out.counts["areas"] == len(out.areas) > 0 and out.window[0] < stack.event_start < out.window[1]
    assert (tmp_path / "out" / "damage.geojson").is_file() and (tmp_path / "out" / "damage_score.tif").is_file()


def test_a_file_without_its_tags_is_quarantined_by_name(tmp_path) -> None:
    import rasterio
    from rasterio.transform import from_origin

    from truceline.sources.sar_geotiff import read_scene
    path = tmp_path / "bad.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=2, dtype="float32", crs="EPSG:32637",
                       transform=from_origin(0, 0, 10, 10)) as dst:
        dst.write(np.zeros((2, 4, 4), np.float32))
        dst.descriptions = ("VV", "VH")
        dst.update_tags(ACQUISITION_START="2026-11-26T04:15:00Z")
    r = read_scene(path)
    assert r.accepted == 0 and r.quarantined == 1 and "RELATIVE_ORBIT" in r.quarantine[0].reason


def test_damage_joins_incidents_and_alone_stays_possible() -> None:
    import shapely

    from truceline.model.tables import DAMAGE_AREAS, EVENTS, THERMAL_EVENTS, Columns
    from truceline.verify.incidents import incidents

    t = 1.8e9
    ev = Columns.conform(EVENTS, {**{c: np.zeros(2) for c in EVENTS.names},
                                  "event_id": np.array(["E1", "E2"], dtype=object), "time": np.array([t, t + 20]),
                                  "lon": np.array([38.0, 38.05]), "lat": np.array([48.0, 48.0]),
                                  "kind": np.array(["launch", "impact"], dtype=object),
                                  "pair_id": np.array(["E2", "E1"], dtype=object),
                                  "n_sensors": np.array([9, 9]), "attributed_side": np.array(["A", "A"], dtype=object),
                                  "attribution_p": np.array([0.99, 0.99]),
                                  "confidence": np.array(["probable", "probable"], dtype=object),
                                  "evidence": np.array(["signed", "signed"], dtype=object)})
    box = lambda lon: shapely.box(lon - 0.0005, 47.9995, lon + 0.0005, 48.0005)        # ~75 x 110 m
    dmg = Columns.from_rows(DAMAGE_AREAS, [
        {"damage_id": d, "window_start": t - 5 * 86400, "window_end": t + 20 * 86400, "lon": lo, "lat": 48.0,
         "cells": 40, "area_m2": 4000.0, "score_max": 5.0, "score_mean": 4.0, "area": box(lo)}
        for d, lo in (("D1", 38.05), ("D2", 38.2))])
    inc = incidents(ev, Columns.empty(THERMAL_EVENTS), damage=dmg)
    by = {r["damage_ids"]: r for r in inc.rows()}
    assert by["D1"]["modalities"] == "acoustic sar" and by["D1"]["confidence"] == "corroborated"
    assert by["D2"]["modalities"] == "sar" and by["D2"]["confidence"] == "possible"       # SAR alone
    only = incidents(Columns.empty(EVENTS), Columns.empty(THERMAL_EVENTS), damage=dmg)   # radar alone, no fire heard
    assert list(only["damage_ids"]) == ["D1", "D2"] and set(only["confidence"]) == {"possible"}
    late = incidents(ev, Columns.empty(THERMAL_EVENTS),
                     damage=dmg.with_columns(window_end=np.full(2, t - 86400.0)))      # damage before the fire
    assert "sar" not in " ".join(late["modalities"].astype(str)[late["event_ids"].astype(str) != ""])


def test_the_kernels_exp_and_log_match_numpy_over_the_whole_range() -> None:
    from truceline.fusion.sar_kernel import db_of, exp_db

    db = np.linspace(-60.0, 40.0, 200_001).astype(np.float32)
    exact = 10.0 ** (db.astype(np.float64) / 10.0)
    assert np.abs(exp_db(db) / exact - 1.0).max() < 5e-6                   # 2e-5 dB
    assert exp_db(np.array([-90.0, 70.0], np.float32)).tolist() == exp_db(np.array([-60.0, 40.0], np.float32)).tolist()
    power = np.random.default_rng(3).lognormal(0.0, 6.0, 200_000).astype(np.float32)
    power[:6] = [0.0, 1e-12, 1e-10, 1.0, np.sqrt(2.0), 3e38]
    exact_db = 10.0 * np.log10(np.maximum(power.astype(np.float64), 1e-10))
    assert np.abs(db_of(power) - exact_db).max() < 5e-5                    # dB, against speckle of ~2 dB


@pytest.mark.parametrize("lee_px", [5, 7])
def test_the_compiled_t_test_agrees_with_the_numpy_statement_edges_included(lee_px: int) -> None:
    from truceline.fusion.sar import orbit_t, orbit_t_reference

    rng = np.random.default_rng(lee_px)
    db = (np.array([-5.0, -12.0], np.float32)[None, :, None, None]
          + 10 * np.log10(rng.gamma(4.4, 1 / 4.4, (14, 2, 45, 70)))).astype(np.float32)
    db[10:, :, 20:30, 0:12] -= 4.0                                    # damage touching the left edge
    times = np.arange(14) * 6 * 86400.0
    params = PwttParams(lee_px=lee_px)
    fast, slow = orbit_t(db, times, times[9] + 43200, params), orbit_t_reference(db, times, times[9] + 43200, params)
    assert fast[0].shape == slow[0].shape == (45, 70)
    assert np.abs(fast[0] - slow[0]).max() < 2e-3 and np.abs(fast[1] - slow[1]).max() < 1e-4
    assert fast[0][20:30, 0:12].mean() > 4 * fast[0][:, 30:].mean()            # and the damage stands out


def test_the_focal_means_agree_with_convolution_over_built_cells() -> None:
    from scipy import ndimage

    rng = np.random.default_rng(5)
    t = rng.gamma(1.5, 1.0, (90, 120)).astype(np.float32)
    built = rng.random((90, 120)) < 0.3
    params, pixel_m = PwttParams(), 10.0
    w = built.astype(np.float32)
    layers = [t * w]
    for r in params.radii_m:                                                # the method as PWTT writes it
        k = int(np.ceil(r / pixel_m))
        yy, xx = np.mgrid[-k:k + 1, -k:k + 1]
        disc = ((yy * pixel_m) ** 2 + (xx * pixel_m) ** 2 <= r * r).astype(np.float32)
        num, den = ndimage.convolve(t * w, disc, mode="reflect"), ndimage.convolve(w, disc, mode="reflect")
        layers.append(np.where(den > 0, num / np.maximum(den, 1e-6), 0.0) * w)
    expected = np.mean(layers, axis=0)
    assert np.abs(smooth(t, pixel_m, params, built) - expected).max() < 2e-3
    assert (smooth(t, pixel_m, params, built)[~built] == 0).all()
