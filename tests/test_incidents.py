"""Incidents: acoustic chains and satellite fires joined, with graded confidence and attribution."""

from __future__ import annotations

import numpy as np

from truceline.model.tables import EVENTS, THERMAL_EVENTS, Columns
from truceline.verify.attribute import confidence
from truceline.verify.incidents import attribution_grade, incidents

LON, LAT = 37.80, 48.00
M_LAT = 1 / 111_000.0


def acoustic(rows: list[tuple[float, float, str, str, float, int, str]], signed: bool = True) -> Columns:
    """rows: (time, metres north of the reference point, kind, side, p, n_sensors, pair_id)."""
    n = len(rows)
    t, north, kind, side, p, ns, pair = zip(*rows)
    kind_a = np.array(kind, dtype=object)
    paired = np.array([x != "" for x in pair])
    for k, partner in enumerate(pair):                       # pairing is mutual
        if partner:
            paired[int(partner[1:]) - 1] = True
    data = {c.name: np.full(n, "", dtype=object) if c.dtype == "str" else np.full(n, np.nan) for c in EVENTS.columns}
    data.update(event_id=np.array([f"E{k + 1:06d}" for k in range(n)], dtype=object), time=np.array(t, float),
                lon=np.full(n, LON), lat=LAT + np.array(north) * M_LAT, kind=kind_a,
                attributed_side=np.array(side, dtype=object), attribution_p=np.array(p, float),
                pair_id=np.array(pair, dtype=object), n_sensors=np.array(ns), sigma_major_m=np.full(n, 40.0),
                is_violation=np.ones(n, bool), evidence=np.full(n, "signed" if signed else "unsigned", dtype=object),
                confidence=confidence(kind_a, paired, np.array(ns), signed))
    return Columns.conform(EVENTS, data)


def thermal(rows: list[tuple[float, float, bool]]) -> Columns:
    """rows: (time, metres north of the reference point, masked)."""
    n = len(rows)
    t, north, masked = zip(*rows) if rows else ((), (), ())
    data = {c.name: np.full(n, "", dtype=object) if c.dtype == "str" else np.full(n, np.nan) for c in THERMAL_EVENTS.columns}
    data.update(event_id=np.array([f"TH-{k}" for k in range(n)], dtype=object), time=np.array(t, float),
                lon=np.full(n, LON), lat=LAT + np.array(north, float) * M_LAT, sigma_m=np.full(n, 200.0),
                masked=np.array(masked, bool), n_pixels=np.ones(n, int), persistent_days=np.zeros(n, int))
    return Columns.conform(THERMAL_EVENTS, data)


CHAIN = [(1000.0, -9000.0, "launch", "A", 0.999, 40, ""), (1030.0, 0.0, "impact", "A", 0.99, 40, "E000001")]


def test_one_acoustic_chain_however_many_sensors_stops_at_probable() -> None:
    inc = incidents(acoustic(CHAIN), thermal([]))
    assert len(inc) == 1 and inc["confidence"][0] == "probable" and inc["modalities"][0] == "acoustic"
    assert inc["attribution"][0] == "attributed" and inc["attributed_side"][0] == "A"
    assert inc["event_ids"][0] == "E000001 E000002"


def test_a_fire_seen_from_space_after_the_impact_corroborates_and_shows_all_its_evidence() -> None:
    inc = incidents(acoustic(CHAIN), thermal([(1030.0 + 3 * 3600, 300.0, False)]))
    assert len(inc) == 1
    r = next(inc.rows())
    assert r["confidence"] == "corroborated" and r["modalities"] == "acoustic thermal"
    assert r["event_ids"] == "E000001 E000002" and r["thermal_ids"] == "TH-0"


def test_what_does_not_fit_stays_apart() -> None:
    inc = incidents(acoustic(CHAIN), thermal([(500.0, 0.0, False),                  # seen before the impact
                                              (1030.0 + 3600, 8_000.0, False),     # 8 km away
                                              (1030.0 + 3600, 0.0, True)]))        # a persistent source
    assert sorted(inc["confidence"]) == ["possible", "possible", "probable"]          # satellites alone: possible
    assert sorted(inc["modalities"]) == ["acoustic", "thermal", "thermal"]
    assert "TH-2" not in " ".join(inc["thermal_ids"])


def test_weak_and_unsigned_evidence() -> None:
    lone = [(1030.0, 0.0, "impact", "undetermined", np.nan, 5, "")]
    inc = incidents(acoustic(lone), thermal([]))
    assert inc["confidence"][0] == "possible" and inc["attribution"][0] == "undetermined"
    unsigned = incidents(acoustic(CHAIN, signed=False), thermal([(1030.0 + 3600, 0.0, False)]))
    assert unsigned["confidence"][0] == "possible"      # unsigned data is no independent source


def test_attribution_grades() -> None:
    assert list(attribution_grade(np.array([0.99, 0.95, 0.9, 0.8, 0.6, np.nan]))) == [
        "attributed", "attributed", "largely attributed", "largely attributed", "undetermined", "undetermined"]


def test_disagreeing_events_leave_the_side_undetermined() -> None:
    rows = [(1000.0, -9000.0, "launch", "A", 0.99, 12, ""), (1030.0, 0.0, "impact", "B", 0.9, 12, "E000001")]
    inc = incidents(acoustic(rows), thermal([]))
    assert inc["attributed_side"][0] == "undetermined" and inc["attribution"][0] == "undetermined"


def test_every_event_and_incident_file_carries_both_grades(demo_day) -> None:
    """Confidence that it happened and the grade of who did it, side by side in events.csv and
    incidents.csv of the demo day; the events' grade follows their attribution probability."""
    from truceline.model.tables import INCIDENTS
    from truceline.report.export import read_events_csv, read_table_csv
    ev = read_events_csv(demo_day["out"] / "events.csv")
    assert list(ev["attribution_grade"]) == list(attribution_grade(np.asarray(ev["attribution_p"], float)))
    fire = np.isin(ev["kind"].astype(str), ("launch", "impact"))
    assert set(ev["attribution_grade"][fire]) >= {"attributed"} and set(ev["confidence"][fire]) >= {"probable"}
    assert set(ev["attribution_grade"][~fire]) == {"undetermined"}
    inc = read_table_csv(demo_day["out"] / "incidents.csv", INCIDENTS)
    assert set(inc["confidence"]) >= {"corroborated", "probable", "possible"}
    assert set(inc["attribution"]) <= {"attributed", "largely attributed", "undetermined"} and len(inc) > 100
