"""Scoring against ground truth: each metric on hand-built tables, and order independence."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truceline.evaluate import Evaluation, evaluate, match, read_truth
from truceline.geodesy import GEOD
from truceline.model.tables import EVENTS, TRUTH_EVENTS, Columns

LON, LAT, T0 = 37.5, 48.0, 1_795_000_000.0


def offset(dist_m: float, az: float = 0.0) -> tuple[float, float]:
    """The point ``dist_m`` metres from (LON, LAT) along azimuth ``az``."""
    lon, lat, _ = GEOD.fwd(LON, LAT, az, dist_m)
    return float(lon), float(lat)


def truth_table(rows: list[dict[str, object]]) -> Columns:
    defaults = {"weapon_class": "", "side": "", "mission_id": "", "pair_truth_id": "", "is_violation": False}
    full = [{**defaults, "truth_id": f"T{i}", **r} for i, r in enumerate(rows)]
    return Columns.conform(TRUTH_EVENTS, {c: np.array([r[c] for r in full], dtype=object) for c in TRUTH_EVENTS.names})


def events_table(rows: list[dict[str, object]]) -> Columns:
    defaults: dict[str, object] = {
        "kind_basis": "labels", "sigma_major_m": 100.0, "sigma_minor_m": 50.0, "azimuth_deg": 0.0, "sigma_time_s": 0.1,
        "n_sensors": 4,
        "rms_s": 0.05, "low_confidence": True, "pair_id": "", "weapon_class": "", "attributed_side": "undetermined", "attribution_p": math.nan, "attribution_grade": "undetermined",
        "sector": "", "is_violation": False, "rules": "", "excused_by": "", "confidence": "possible",
        "agreement_version": "1", "evidence": "signed"}
    full = [{**defaults, "event_id": f"E{i}", **r} for i, r in enumerate(rows)]
    return Columns.conform(EVENTS, {c: np.array([r[c] for r in full], dtype=object) for c in EVENTS.names})


def fire(t: float, lonlat: tuple[float, float] = (LON, LAT), kind: str = "launch", side: str = "A") -> dict[str, object]:
    return {"time": T0 + t, "lon": lonlat[0], "lat": lonlat[1], "kind": kind, "side": side}


def reported(t: float, lonlat: tuple[float, float] = (LON, LAT), kind: str = "launch", side: str = "A",
             violation: bool = False) -> dict[str, object]:
    return {"time": T0 + t, "lon": lonlat[0], "lat": lonlat[1], "kind": kind, "attributed_side": side,
            "is_violation": violation}


THREE = [fire(0), fire(100, kind="impact", side="B"), fire(200)]


def test_perfect_case() -> None:
    ev = evaluate(truth_table(THREE), events_table([reported(0), reported(100, kind="impact", side="B"),
                                                   reported(200)]))
    assert (ev.n_truth_fire, ev.n_reported_fire, ev.n_matched) == (3, 3, 3)
    assert (ev.precision, ev.recall, ev.f1) == (1.0, 1.0, 1.0)
    assert ev.loc_err_median_m == 0.0 and ev.loc_err_p95_m == 0.0
    assert ev.attribution_accuracy == 1.0
    assert (ev.n_violations, ev.thunder_violations, ev.blast_violations, ev.unmatched_violations) == (0, 0, 0, 0)


def test_a_miss_lowers_recall() -> None:
    ev = evaluate(truth_table(THREE), events_table([reported(0), reported(200)]))
    assert (ev.n_matched, ev.precision, ev.recall) == (2, 1.0, 2 / 3)
    assert ev.f1 == pytest.approx(0.8)


def test_a_false_event_lowers_precision() -> None:
    events = [reported(0), reported(100, kind="impact", side="B"), reported(200), reported(500)]
    ev = evaluate(truth_table(THREE), events_table(events))
    assert (ev.n_reported_fire, ev.n_matched, ev.precision, ev.recall) == (4, 3, 0.75, 1.0)


def test_distance_gate_and_location_error() -> None:
    truth = truth_table([fire(0), fire(100)])
    ev = evaluate(truth, events_table([reported(0, offset(1200.0)), reported(100, offset(900.0, 90.0))]))
    assert ev.n_matched == 1
    assert ev.loc_err_median_m == pytest.approx(900.0, abs=0.01)


def test_time_gate() -> None:
    truth = truth_table([fire(0), fire(100)])
    ev = evaluate(truth, events_table([reported(2.5), reported(101.9)]))
    assert (ev.n_matched, ev.precision, ev.recall) == (1, 0.5, 0.5)


def test_location_error_median_and_p95() -> None:
    dists = [100.0, 200.0, 300.0, 400.0, 500.0]
    truth = truth_table([fire(10 * i) for i in range(5)])
    ev = evaluate(truth, events_table([reported(10 * i, offset(d)) for i, d in enumerate(dists)]))
    assert ev.loc_err_median_m == pytest.approx(300.0, abs=0.01)
    assert ev.loc_err_p95_m == pytest.approx(float(np.percentile(dists, 95)), abs=0.01)


def test_undetermined_attribution_counts_as_wrong() -> None:
    truth = truth_table([fire(0, side="A"), fire(100, side="B"), fire(200, side="A"), fire(300, side="B")])
    events = [reported(0, side="A"), reported(100, side="undetermined"), reported(200, side="B"),
              reported(300, side="B")]
    assert evaluate(truth, events_table(events)).attribution_accuracy == 0.5


def test_nuisance_violations_by_what_they_matched() -> None:
    truth = truth_table([fire(0), {**fire(100), "kind": "thunder", "side": ""},
                         {**fire(200), "kind": "blast", "side": ""}])
    events = [reported(0, violation=True), reported(100, kind="explosion", violation=True),
              reported(200.5, kind="unknown", violation=True), reported(300, kind="unknown", violation=True),
              reported(400, kind="unknown")]
    ev = evaluate(truth, events_table(events))
    assert (ev.n_violations, ev.thunder_violations, ev.blast_violations, ev.unmatched_violations) == (4, 1, 1, 1)
    assert (ev.n_truth_fire, ev.n_reported_fire, ev.n_matched) == (1, 1, 1)


def test_matching_is_one_to_one_and_global() -> None:
    # A could take T0 or T1; B can only take T0: the optimum matches both.
    truth = truth_table([fire(0, offset(0.0)), fire(0.1, offset(600.0))])
    events = events_table([reported(0.05, offset(300.0)), reported(0.0, offset(-100.0))])
    assert evaluate(truth, events).n_matched == 2
    crowd = events_table([reported(0.0), reported(0.1), reported(0.2)])
    assert evaluate(truth_table([fire(0)]), crowd).n_matched == 1


def test_nothing_reported_is_undefined_not_zero() -> None:
    ev = evaluate(truth_table(THREE), events_table([]))
    assert math.isnan(ev.precision) and ev.recall == 0.0 and ev.f1 == 0.0
    assert math.isnan(ev.loc_err_median_m) and math.isnan(ev.attribution_accuracy)
    assert ev.to_dict()["precision"] is None
    shown = dict(ev.table())
    assert shown["Precision"] == "n/a" and shown["Recall"] == "0.000"


def test_to_dict_and_table_cover_every_field() -> None:
    ev = evaluate(truth_table(THREE), events_table([reported(0, offset(250.0))]))
    assert set(ev.to_dict()) == set(Evaluation.__dataclass_fields__)
    rows = ev.table()
    assert len(rows) == len(Evaluation.__dataclass_fields__)
    assert ("Location error, median", "250 m") in rows


def test_match_scales_to_many_events() -> None:
    rng = np.random.default_rng(1)
    n = 20_000
    t = np.sort(rng.uniform(0, 86_400, n))
    lon, lat = LON + rng.uniform(0, 1, n), LAT + rng.uniform(0, 1, n)
    ia, ib, _ = match(t + 0.3, lon + 0.001, lat, t, lon, lat)
    assert len(ia) == n and np.array_equal(ia, ib)


# --------------------------------------------------------------------------- read_truth

HEADER = ",".join(TRUTH_EVENTS.names)
GOOD = "T1,2026-11-26T08:15:02.123Z,37.5,48.0,launch,mlrs,A,M1,T2,true"


def write_truth(tmp_path: Path, *lines: str) -> Path:
    (tmp_path / "events.csv").write_text("\n".join((HEADER, *lines)) + "\n", encoding="utf-8")
    return tmp_path


def test_read_truth(tmp_path: Path) -> None:
    truth = read_truth(write_truth(tmp_path, GOOD, "T2,2026-11-26T08:15:40.000Z,37.6,48.1,thunder,,,,,false"))
    assert list(truth["truth_id"]) == ["T1", "T2"]
    assert truth["time"][0] == datetime(2026, 11, 26, 8, 15, 2, 123000, tzinfo=timezone.utc).timestamp()
    assert list(truth["is_violation"]) == [True, False]
    assert truth["lon"].dtype == np.float64


@pytest.mark.parametrize("line, where", [
    ("T1,2026-11-26 08:15:02,37.5,48.0,launch,,A,,,true", "column time"),
    ("T1,2026-11-26T08:15:02.123Z,east,48.0,launch,,A,,,true", "column lon"),
    ("T1,2026-11-26T08:15:02.123Z,37.5,48.0,launch,,A,,,yes", "column is_violation"),
    ("T1,2026-11-26T08:15:02.123Z,37.5", "3 fields"),
])
def test_read_truth_names_file_line_and_column(tmp_path: Path, line: str, where: str) -> None:
    with pytest.raises(ValueError, match=rf"events\.csv, line 3.*{where}"):
        read_truth(write_truth(tmp_path, GOOD, line))


def test_read_truth_missing_column_or_file(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("truth_id,time\nT1,2026-11-26T08:15:02.123Z\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lacks column.*lon"):
        read_truth(tmp_path)
    with pytest.raises(ValueError, match="no such file"):
        read_truth(tmp_path / "nowhere")


# --------------------------------------------------------------------------- invariants

KINDS = ("launch", "impact", "thunder", "blast")


@st.composite
def scenes(draw: st.DrawFn) -> tuple[Columns, Columns]:
    """Small crowded scenes, so that candidates compete for matches."""
    n_t, n_r = draw(st.integers(0, 8)), draw(st.integers(0, 8))
    times = st.floats(0, 6, allow_nan=False)
    dists, azs = st.floats(0, 1500, allow_nan=False), st.sampled_from([0.0, 90.0, 180.0, 270.0])
    truth = [{**fire(draw(times), offset(draw(dists), draw(azs)), side=draw(st.sampled_from("AB"))),
              "kind": draw(st.sampled_from(KINDS))} for _ in range(n_t)]
    events = [reported(draw(times), offset(draw(dists), draw(azs)), kind=draw(st.sampled_from(KINDS[:2] + ("unknown",))),
                       side=draw(st.sampled_from(["A", "B", "undetermined"])), violation=draw(st.booleans()))
              for _ in range(n_r)]
    return truth_table(truth), events_table(events)


@settings(max_examples=60, deadline=None)
@given(scenes(), st.randoms(use_true_random=False))
def test_metrics_do_not_depend_on_row_order(scene: tuple[Columns, Columns], rnd) -> None:
    truth, events = scene
    pt, pe = list(range(len(truth))), list(range(len(events)))
    rnd.shuffle(pt)
    rnd.shuffle(pe)
    a = evaluate(truth, events).to_dict()
    b = evaluate(truth.take(np.array(pt, dtype=int)), events.take(np.array(pe, dtype=int))).to_dict()
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == pytest.approx(b[k], abs=1e-6) if a[k] is not None else b[k] is None, k
