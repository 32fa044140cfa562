"""The association benchmark's metrics on hand-made cases with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from truceline.evaluate import evaluate
from truceline.evaluate_assoc import (CHI2_2_95, Truth, calibration, crlb_information, east_north,
                                      ellipse_information, initiator, quadratic, score, score_located)
from truceline.geodesy import GEOD
from truceline.model.tables import EVENTS, TRUTH_EVENTS, Columns

LON, LAT = 37.5, 48.0
T0 = 1_795_000_000.0
LINE = np.array([[36.5, LAT], [38.5, LAT]])  # an east-west line through (LON, LAT)
SIGMA, SPEED = 0.06, 340.0


def at(east: np.ndarray, north: np.ndarray, lon: float = LON, lat: float = LAT) -> tuple[np.ndarray, np.ndarray]:
    """Points ``east``/``north`` metres from (lon, lat)."""
    e, n = np.atleast_1d(east).astype(float), np.atleast_1d(north).astype(float)
    lo, la, _ = GEOD.fwd(np.full(len(e), lon), np.full(len(e), lat), np.degrees(np.arctan2(e, n)), np.hypot(e, n))
    return np.asarray(lo), np.asarray(la)


def truth_events(rows: list[dict[str, object]]) -> Columns:
    defaults = {"weapon_class": "", "side": "A", "mission_id": "", "pair_truth_id": "", "is_violation": False,
                "kind": "launch", "engagement_id": "", "lon": LON, "lat": LAT}
    full = [{**defaults, "truth_id": f"T{i}", **r} for i, r in enumerate(rows)]
    names = TRUTH_EVENTS.names + ("engagement_id",)
    return Columns.conform(TRUTH_EVENTS, {c: np.array([r[c] for r in full], dtype=object) for c in names})


def reported(rows: list[dict[str, object]]) -> Columns:
    defaults: dict[str, object] = {
        "kind": "launch", "kind_basis": "labels", "sigma_major_m": 100.0, "sigma_minor_m": 50.0, "azimuth_deg": 0.0,
        "sigma_time_s": 0.1,
        "n_sensors": 8, "rms_s": 0.05, "low_confidence": False, "pair_id": "", "weapon_class": "", "attributed_side": "A",
        "attribution_p": 0.9, "attribution_grade": "largely attributed", "sector": "", "is_violation": False, "rules": "", "excused_by": "",
        "confidence": "possible", "agreement_version": "1", "evidence": "signed"}
    full = [{**defaults, "event_id": f"E{i}", **r} for i, r in enumerate(rows)]
    return Columns.conform(EVENTS, {c: np.array([r[c] for r in full], dtype=object) for c in EVENTS.names})


def truth(events: Columns, picks: Columns | None = None, sensors: Columns | None = None) -> Truth:
    empty = Columns({"sensor_id": np.array([], dtype=object), "truth_id": np.array([], dtype=object),
                     "is_outlier": np.array([], dtype=bool)})
    no_sensors = Columns({"sensor_id": np.array([], dtype=object), "lon": np.array([]), "lat": np.array([])})
    return Truth(events, picks or empty, sensors or no_sensors, LINE, SIGMA, SPEED, 5_000.0)


# --------------------------------------------------------------------------- CRLB and ellipses

def test_crlb_of_a_ring_of_sensors_has_the_closed_form() -> None:
    n = 12
    ang = 2 * np.pi * np.arange(n) / n
    s_lon, s_lat = at(10_000 * np.sin(ang), 10_000 * np.cos(ang))
    info = crlb_information(np.array([LON]), np.array([LAT]), np.zeros(n, dtype=np.intp), s_lon, s_lat, SIGMA, SPEED)
    expected = n / (2 * SPEED ** 2 * SIGMA ** 2)  # sum u u' = n/2 I and sum u = 0: t0 decouples
    assert np.allclose(info[0], expected * np.eye(2), rtol=1e-3, atol=expected * 1e-3)


def test_origin_time_as_nuisance_widens_the_bound_for_one_sided_sensors() -> None:
    s_lon, s_lat = at(np.array([-5_000.0, 0.0, 5_000.0, -8_000.0]), np.array([9_000.0, 10_000.0, 9_000.0, 6_000.0]))
    info = crlb_information(np.array([LON]), np.array([LAT]), np.zeros(4, dtype=np.intp), s_lon, s_lat, SIGMA, SPEED)
    u = east_north(np.full(4, LON), np.full(4, LAT), s_lon, s_lat)
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    known_t0 = (u.T @ u) / (SPEED * SIGMA) ** 2
    assert info[0, 1, 1] < known_t0[1, 1]  # range is confounded with origin time


def test_ellipse_azimuth_is_the_major_axis_clockwise_from_north() -> None:
    info = ellipse_information(np.array([100.0, 100.0]), np.array([10.0, 10.0]), np.array([90.0, 90.0]))
    assert quadratic(np.array([[300.0, 0.0], [0.0, 10.0]]), info) == pytest.approx([9.0, 1.0])
    assert np.isnan(ellipse_information(np.array([math.nan]), np.array([1.0]), np.array([0.0]))).all()


def efficient_day(n: int = 1500, seed: int = 3) -> tuple[Truth, Columns]:
    """Events located by an efficient unbiased locator: errors drawn from the CRLB, its own ellipse."""
    rng = np.random.default_rng(seed)
    north = rng.uniform(-15_000, 15_000, n)
    ev_lon, ev_lat = at(rng.uniform(-50_000, 50_000, n), north)
    k = np.repeat(np.arange(n), 8)
    s_lon, s_lat = np.empty(len(k)), np.empty(len(k))
    for i in range(n):  # eight sensors 2-20 km around each event
        r, a = rng.uniform(2_000, 20_000, 8), rng.uniform(0, 2 * np.pi, 8)
        s_lon[i * 8:(i + 1) * 8], s_lat[i * 8:(i + 1) * 8] = at(r * np.sin(a), r * np.cos(a), ev_lon[i], ev_lat[i])
    info = crlb_information(ev_lon, ev_lat, k, s_lon, s_lat, SIGMA, SPEED)
    cov = np.linalg.inv(info)
    err = np.einsum("nij,nj->ni", np.linalg.cholesky(cov), rng.standard_normal((n, 2)))
    rep_lon, rep_lat, _ = GEOD.fwd(ev_lon, ev_lat, np.degrees(np.arctan2(err[:, 0], err[:, 1])), np.hypot(*err.T))
    val, vec = np.linalg.eigh(cov)
    az = np.degrees(np.arctan2(vec[:, 0, 1], vec[:, 1, 1])) % 180.0
    times = T0 + 10.0 * np.arange(n)
    ids = np.array([f"T{i}" for i in range(n)], dtype=object)
    events = truth_events([{"time": t, "lon": lo, "lat": la} for t, lo, la in zip(times, ev_lon, ev_lat)])
    picks = Columns({"sensor_id": np.array([f"S{j}" for j in range(len(k))], dtype=object), "truth_id": ids[k],
                     "is_outlier": np.zeros(len(k), dtype=bool)})
    sensors = Columns({"sensor_id": picks["sensor_id"], "lon": s_lon, "lat": s_lat})
    rep = reported([{"time": t, "lon": lo, "lat": la, "sigma_major_m": float(np.sqrt(v[1])),
                     "sigma_minor_m": float(np.sqrt(v[0])), "azimuth_deg": float(a)}
                    for t, lo, la, v, a in zip(times, rep_lon, rep_lat, val, az)])
    return truth(events, picks, sensors), rep


def test_an_efficient_locator_scores_one_and_covers_95_percent() -> None:
    day, rep = efficient_day()
    s = score(day, rep)
    assert s["f1"] == 1.0
    assert s["loc_over_crlb"] == pytest.approx(1.0, abs=0.06)
    assert s["ellipse95_coverage"] == pytest.approx(0.95, abs=0.015)
    for group in ("between", "outside"):
        assert s["ellipse95_coverage_by_geometry"][group] == pytest.approx(0.95, abs=0.03)
    assert s["ellipse_n_by_geometry"]["between"] + s["ellipse_n_by_geometry"]["outside"] == s["n_matched"]


def test_errors_twice_the_bound_score_two_and_halved_ellipses_cover_less() -> None:
    day, rep = efficient_day(n=600)
    lon, lat = rep["lon"].astype(float), rep["lat"].astype(float)
    t_lon, t_lat = day.events["lon"].astype(float), day.events["lat"].astype(float)
    az, _, d = GEOD.inv(t_lon, t_lat, lon, lat)
    lon2, lat2, _ = GEOD.fwd(t_lon, t_lat, az, 2 * np.asarray(d))
    s = score(day, rep.with_columns(lon=np.asarray(lon2), lat=np.asarray(lat2)))
    assert s["loc_over_crlb"] == pytest.approx(2.0, abs=0.15)
    assert s["ellipse95_coverage"] == pytest.approx(math.exp(-CHI2_2_95 / 8), abs=0.05)  # P(chi2_2 <= 5.991 / 4)


# --------------------------------------------------------------------------- detection

def test_detection_agrees_with_truceline_evaluate() -> None:
    far = at(np.array([1_500.0]), np.array([0.0]))
    t = truth_events([{"time": T0}, {"time": T0 + 100, "kind": "impact"}, {"time": T0 + 200},
                      {"time": T0 + 300, "kind": "thunder", "side": ""}])
    t = t.with_columns(lon=np.full(4, LON), lat=np.full(4, LAT))
    r = reported([{"time": T0 + 0.5, "lon": LON, "lat": LAT}, {"time": T0 + 100, "lon": far[0][0], "lat": far[1][0]},
                  {"time": T0 + 200, "lon": LON, "lat": LAT, "kind": "impact"},
                  {"time": T0 + 300, "lon": LON, "lat": LAT, "kind": "thunder"}])
    ours, theirs = score(truth(t), r), evaluate(t, r)
    assert (ours["n_matched"], ours["n_reported_fire"], ours["n_truth_fire"]) == (2, 3, 3)
    for key, other in (("precision", "precision"), ("recall", "recall"), ("f1", "f1"),
                       ("loc_median_m", "loc_err_median_m"), ("loc_p95_m", "loc_err_p95_m")):
        assert ours[key] == pytest.approx(getattr(theirs, other))


def test_bare_events_on_thunder_are_set_aside_not_counted_false() -> None:
    t = truth_events([{"time": T0}, {"time": T0 + 300, "kind": "thunder", "side": ""}])
    t = t.with_columns(lon=np.full(2, LON), lat=np.full(2, LAT))
    s = score_located(truth(t), np.array([T0, T0 + 300, T0 + 900]), np.full(3, LON), np.full(3, LAT))
    assert (s["n_events"], s["n_on_nuisance"], s["n_reported_fire"], s["n_matched"]) == (3, 1, 2, 1)
    assert s["precision"] == 0.5 and s["recall"] == 1.0


# --------------------------------------------------------------------------- attribution

def test_attribution_rates_on_a_hand_made_day() -> None:
    near = at(np.zeros(1), np.array([1_000.0]))
    far = at(np.zeros(1), np.array([10_000.0]))
    spots = [far, near, far, near, near, far]  # L1 I1 L2 I2 I3 L3
    rows = [{"kind": "launch", "side": "A", "pair_truth_id": "T1"}, {"kind": "impact", "side": "A", "pair_truth_id": "T0"},
            {"kind": "launch", "side": "B", "pair_truth_id": "T3"}, {"kind": "impact", "side": "B", "pair_truth_id": "T2"},
            {"kind": "impact", "side": "A", "pair_truth_id": "T5"}, {"kind": "launch", "side": "A", "pair_truth_id": "T4"}]
    t = truth_events([{**r, "time": T0 + 100 * i, "lon": spots[i][0][0], "lat": spots[i][1][0]} for i, r in enumerate(rows)])
    said = [("A", 0.9), ("A", 0.9), ("A", 0.6), ("undetermined", math.nan), ("B", 0.7)]  # L3 not reported
    r = reported([{"time": T0 + 100 * i, "lon": spots[i][0][0], "lat": spots[i][1][0], "kind": rows[i]["kind"],
                   "attributed_side": s, "attribution_p": p} for i, (s, p) in enumerate(said)])
    s = score(truth(t), r)
    assert s["attribution_wrong_rate"] == pytest.approx(2 / 4)  # L2 and I3 wrong among L1 I1 L2 I3
    assert s["attribution_wrong_rate_near_line"] == pytest.approx(1 / 2)  # I1 right, I3 wrong
    assert s["attributed_fraction"] == pytest.approx(3 / 4)  # launch located: L1 I1 L2 I2 (not I3)


def test_calibration_gap_in_fractions_over_full_bins() -> None:
    p = np.full(100, 0.85)
    assert calibration(p, np.arange(100) < 85)[0] == pytest.approx(0.0)
    assert calibration(p, np.arange(100) < 75)[0] == pytest.approx(0.10)
    gap, bins = calibration(np.r_[p, np.full(5, 0.55)], np.r_[np.arange(100) < 85, np.zeros(5, bool)])
    assert gap == pytest.approx(0.0) and [b["n"] for b in bins] == [5, 100]  # the 5-event bin is shown, not scored


def test_initiator_scores_each_true_engagement_once() -> None:
    t = truth_events([{"time": T0, "side": "A", "engagement_id": "E1"}, {"time": T0 + 300, "side": "B", "engagement_id": "E1"},
                      {"time": T0 + 5000, "side": "B", "engagement_id": "E2"}, {"time": T0 + 5200, "side": "A", "engagement_id": "E2"},
                      {"time": T0 + 9000, "side": "A", "engagement_id": "E3"}])
    t = t.with_columns(lon=np.full(5, LON), lat=np.full(5, LAT))
    assert initiator(t, None)["initiator_accuracy"] is None
    assert initiator(t, None)["n_true_engagements_isolated"] == 3
    far = at(np.array([60_000.0]), np.array([0.0]))
    rep = Columns({"engagement_id": np.array(["R1", "R2", "R3"], dtype=object),
                   "start": np.array([T0 + 10, T0 + 5000, T0 + 9000]), "end": np.array([T0 + 400, T0 + 5200, T0 + 9000]),
                   "lon": np.array([LON, LON, far[0][0]]), "lat": np.array([LAT, LAT, far[1][0]]),
                   "opened_by": np.array(["A", "A", "A"], dtype=object)})
    s = initiator(t, rep)
    assert s["n_true_engagements"] == 3
    assert s["initiator_accuracy"] == pytest.approx(1 / 3)  # E1 right, E2 wrong, E3 has no engagement near
    assert s["initiator_wrong_rate"] == pytest.approx(1 / 3)
    assert s["initiator_accuracy_isolated"] == s["initiator_accuracy"]  # none overlaps another


def test_true_engagements_overlapping_in_time_and_space_are_entangled() -> None:
    t = truth_events([{"time": T0, "engagement_id": "E1"}, {"time": T0 + 600, "engagement_id": "E1"},
                      {"time": T0 + 300, "side": "B", "engagement_id": "E2"}, {"time": T0 + 5000, "engagement_id": "E3"}])
    far = at(np.array([60_000.0]), np.array([0.0]))
    t = t.with_columns(lon=np.array([LON, LON, LON, LON]), lat=np.array([LAT, LAT, LAT, LAT]))
    s = initiator(t, None)
    assert (s["n_true_engagements"], s["n_true_engagements_isolated"]) == (3, 1)  # E1 and E2 overlap
    t = t.with_columns(lon=np.array([LON, LON, far[0][0], LON]), lat=np.array([LAT, LAT, far[1][0], LAT]))
    assert initiator(t, None)["n_true_engagements_isolated"] == 3  # 60 km apart: separate
