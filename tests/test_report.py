"""report/: CSV and GeoJSON exports, the map and the daily report, from synthetic inputs."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from truceline.model.agreement import Agreement
from truceline.model.coverage import Coverage, Gap, SideCoverage
from truceline.model.tables import EVENTS, Columns
from truceline.report import (read_events_csv, render_daily, render_map, write_events_csv,
                              write_events_geojson)
from truceline.report.daily import period_label
from truceline.report.mapplot import ELLIPSE_95_SCALE, ellipse_lonlat
from truceline.geodesy import LocalProjection
from truceline.sources.agreement_yaml import load_agreement
from truceline.verify.incidents import attribution_grade

T0 = 1_795_651_200.0  # 2026-11-26T00:00:00Z
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# id, seconds after T0, lon, lat, kind, sigma major/minor (m), azimuth, side, p, sector,
# violation, rules, excused by, confidence, pair, weapon class
ROWS = [
    ("E1", 3600.123, 38.60, 48.75, "launch", 300.0, 120.0, 40.0, "A", 0.931, "S03", True, "R1;R2", "", "probable", "E2", "tube_artillery"),
    ("E2", 3640.5, 38.55, 48.60, "impact", 250.0, 150.0, 100.0, "A", 0.931, "S03", True, "R1", "", "probable", "E1", "tube_artillery"),
    ("E3", 7200.0, 38.30, 48.45, "launch", 400.0, 200.0, 170.0, "B", 0.812, "S04", True, "R1", "", "possible", "", "mlrs"),
    ("E4", 7300.0, 38.00, 48.25, "impact", 500.0, 300.0, 10.0, "undetermined", math.nan, "S05", True, "R1", "", "unverified", "", ""),
    ("E5", 30600.0, 39.37282, 48.73688, "explosion", 200.0, 100.0, 0.0, "undetermined", math.nan, "S01", False, "", "Q1", "possible", "", ""),
    ("E6", 10000.0, 38.9, 48.9, "thunder", 2000.0, 1500.0, 60.0, "undetermined", math.nan, "", False, "", "", "unverified", "", ""),
    ("E7", 11000.0, 37.6, 47.5, "impact", 350.0, 200.0, 90.0, "B", 0.66, "S07", True, "R1", "", "possible", "", "mortar"),
    ("E8", 12000.0, 39.0, 48.4, "launch", 300.0, 300.0, 0.0, "B", 0.71, "S02", False, "", "", "unverified", "", ""),
    ("E9", 13000.0, 37.8, 48.1, "unknown", 600.0, 300.0, 45.0, "undetermined", math.nan, "S05", False, "", "", "unverified", "", ""),
    ("E10", 14000.0, 38.123456789, 48.35, "launch", 280.04, 140.0, 120.0, "A", 0.88, "S04", True, "R1", "", "probable", "", "tube_artillery"),
    ("E11", 15000.0, 37.5, 47.8, "impact", 320.0, 160.0, 20.0, "A", 0.52, "S06", True, "R1", "", "possible", "", "mortar"),
    ("E12", 16000.0, 39.5, 48.62, "impact", 310.0, 150.0, 75.0, "B", 0.9, "S01", True, "R1", "", "probable", "", "mlrs"),
]
N_VIOLATIONS = 8


def make_events() -> Columns:
    c = list(zip(*ROWS))
    n = len(ROWS)
    data = {
        "event_id": c[0], "time": T0 + np.array(c[1]), "lon": c[2], "lat": c[3], "kind": c[4],
        "kind_basis": np.where(np.array(c[13]) != "", "declared_activity", "labels"),
        "sigma_major_m": c[5], "sigma_minor_m": c[6], "azimuth_deg": c[7], "sigma_time_s": np.full(n, 0.123),
        "n_sensors": np.arange(n) + 3, "rms_s": np.full(n, 0.0456), "low_confidence": np.arange(n) + 3 < 6, "pair_id": c[15], "weapon_class": c[16],
        "attributed_side": c[8], "attribution_p": c[9],
        "attribution_grade": attribution_grade(np.array(c[9], dtype=float)), "sector": c[10], "is_violation": c[11], "rules": c[12],
        "excused_by": c[13], "confidence": c[14], "agreement_version": ["2026-11-20"] * n, "evidence": ["signed"] * n,
    }
    return Columns.conform(EVENTS, {k: np.array(v, dtype=object if isinstance(v[0], str) else None)
                                    for k, v in data.items()})


def make_sensors() -> Columns:
    return Columns({"sensor_id": np.array(["AC-01", "AC-02", "AC-07"], dtype=object),
                    "lon": np.array([38.2, 38.9, 37.9]), "lat": np.array([48.9, 48.3, 47.6]),
                    "elevation_m": np.zeros(3), "owner": np.array(["Coalition X", "Coalition Y", "Coalition X"], dtype=object)})


def make_coverage(gaps: bool = True) -> Coverage:
    sides = (SideCoverage("A", 15, 12, 311.5, 20, 0.87, 0.74), SideCoverage("B", 10, 9, 203.5, 18, 0.81, 0.66))
    return Coverage(T0, T0 + 86_400, sides,
                    (Gap("A", "S03", "04:00-11:00 UTC", 0.32, "two arrays without power"),) if gaps else (),
                    (("AC-07", 6.0),) if gaps else ())


@lru_cache(maxsize=1)
def demo_agreement() -> Agreement:
    return load_agreement().base


def report(tmp_path: Path, events: Columns, gaps: bool = True) -> dict[str, Path]:
    a = demo_agreement()
    return render_daily(
        agreement=a, events=events, sensors=make_sensors(), coverage=make_coverage(gaps),
        ingest={"received": 100, "accepted": 90, "duplicates": 6, "quarantined": 4},
        run={"code_version": "0.1.0", "parameters_hash": "p-hash-123", "agreement_version": a.version,
             "agreement_hash": a.content_hash, "generated_at": "2026-11-27T06:00:00.000Z"},
        period_start=T0, period_end=T0 + 86_400, out_dir=tmp_path / "out")


# ------------------------------------------------------------------ exports

def test_csv_round_trip(tmp_path: Path) -> None:
    events = make_events()
    path = tmp_path / "events.csv"
    write_events_csv(events, path)
    header = path.read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(EVENTS.names)
    back = read_events_csv(path)
    assert len(back) == len(events)
    tolerance = {"lon": 5e-7, "lat": 5e-7, "sigma_major_m": 0.05, "sigma_minor_m": 0.05, "azimuth_deg": 0.05,
                 "attribution_p": 5e-4, "time": 5e-4, "sigma_time_s": 5e-4, "rms_s": 5e-4}
    for col in EVENTS.columns:
        got, want = back[col.name], events[col.name]
        if col.dtype in ("float", "time"):
            np.testing.assert_allclose(got, want.astype(float), atol=tolerance.get(col.name, 5e-4), equal_nan=True)
        else:
            assert list(got) == list(want), col.name


def _drop_columns(path: Path, names: tuple[str, ...]) -> None:
    rows = path.read_text(encoding="utf-8").splitlines()
    cols = {rows[0].split(",").index(n) for n in names}
    path.write_text("\n".join(",".join(c for k, c in enumerate(r.split(",")) if k not in cols) for r in rows) + "\n",
                    encoding="utf-8")
    assert not any(n in path.read_text(encoding="utf-8") for n in names)


def test_csv_written_before_the_attribution_grade_reads_with_it_derived(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    write_events_csv(make_events(), path)
    _drop_columns(path, ("attribution_grade",))
    back = read_events_csv(path)
    assert list(back["attribution_grade"]) == list(make_events()["attribution_grade"])


def test_csv_written_before_the_kind_basis_reads_with_it_empty(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    write_events_csv(make_events(), path)
    _drop_columns(path, ("kind_basis", "attribution_grade"))
    back = read_events_csv(path)
    assert set(back["kind_basis"]) == {""} and len(back) == len(ROWS)
    assert list(back["attribution_grade"]) == list(make_events()["attribution_grade"])
    assert list(back["kind"]) == list(make_events()["kind"])


def test_engagements_written_before_the_opener_basis_read_with_it_empty(tmp_path: Path) -> None:
    from truceline.model.tables import ENGAGEMENTS
    from truceline.report.export import read_table_csv, write_table_csv
    row = {"engagement_id": "G00001", "start": T0, "end": T0 + 600.0, "lon": 38.0, "lat": 48.5, "sector": "S01",
           "n_events": 4, "n_launches": 2, "opened_by": "A", "opened_by_p": 0.9, "opener_basis": "first_mission",
           "opening_event_id": "E000001", "event_ids": "E000001 E000002 E000003 E000004"}
    path = tmp_path / "engagements.csv"
    write_table_csv(Columns.from_rows(ENGAGEMENTS, [row]), path, ENGAGEMENTS)
    assert list(read_table_csv(path, ENGAGEMENTS)["opener_basis"]) == ["first_mission"]
    _drop_columns(path, ("opener_basis",))
    back = read_table_csv(path, ENGAGEMENTS)
    assert list(back["opener_basis"]) == [""] and list(back["opened_by"]) == ["A"]
    _drop_columns(path, ("n_launches",))                                # a column files always had
    with pytest.raises(ValueError, match="line 1: missing columns n_launches"):
        read_table_csv(path, ENGAGEMENTS)


def test_csv_formats_cells(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    write_events_csv(make_events(), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    first = dict(zip(lines[0].split(","), lines[1].split(",")))
    assert first["time"] == "2026-11-26T01:00:00.123Z"
    assert first["lon"] == "38.600000" and first["sigma_major_m"] == "300.0"
    assert first["is_violation"] == "true" and first["attribution_p"] == "0.931"
    e4 = dict(zip(lines[0].split(","), lines[4].split(",")))
    assert e4["attribution_p"] == "" and e4["is_violation"] == "true"


def test_csv_bad_cell_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    write_events_csv(make_events(), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("2026-11-26T", "26/11/2026 ", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"events\.csv: line 4, column 'time'"):
        read_events_csv(path)
    path.write_text("event_id,time\nE1,2026-11-26T00:00:00.000Z\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"events\.csv: line 1: missing columns lon"):
        read_events_csv(path)


def test_csv_empty_table_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    write_events_csv(Columns.empty(EVENTS), path)
    back = read_events_csv(path)
    assert len(back) == 0 and set(EVENTS.names) <= set(back.names)


def test_geojson_feature_collection(tmp_path: Path) -> None:
    path = tmp_path / "events.geojson"
    write_events_geojson(make_events(), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert len(doc["features"]) == len(ROWS)
    for feature, row in zip(doc["features"], ROWS):
        assert feature["geometry"]["type"] == "Point"
        assert feature["geometry"]["coordinates"] == pytest.approx([row[2], row[3]], abs=1e-6)
        assert set(EVENTS.names) <= set(feature["properties"])
        assert feature["properties"]["sigma_major_m"] == pytest.approx(row[5], abs=0.05)
    e4 = doc["features"][3]["properties"]
    assert e4["attribution_p"] is None and e4["is_violation"] is True and e4["time"].endswith("Z")


# ------------------------------------------------------------------ map

def test_ellipse_scale_and_orientation() -> None:
    assert ELLIPSE_95_SCALE == pytest.approx(2.4477, abs=1e-4)
    proj = LocalProjection(38.0, 48.0)
    ring = ellipse_lonlat(proj, 38.0, 48.0, 1000.0, 200.0, 90.0)  # major axis east-west
    x, y = proj.to_xy(ring[:, 0], ring[:, 1])
    assert np.ptp(x) == pytest.approx(2000.0, rel=1e-3) and np.ptp(y) == pytest.approx(400.0, rel=1e-3)


def test_render_map_writes_png(tmp_path: Path) -> None:
    path = tmp_path / "map.png"
    render_map(demo_agreement(), make_events(), make_sensors(), path, title="test")
    assert path.read_bytes()[:8] == PNG_SIGNATURE


# ------------------------------------------------------------------ daily report

def test_daily_report(tmp_path: Path) -> None:
    paths = report(tmp_path, make_events())
    assert set(paths) == {"html", "html_uk", "html_ru", "markdown", "map"}
    assert paths["map"].read_bytes()[:8] == PNG_SIGNATURE
    html = paths["html"].read_text(encoding="utf-8")
    assert "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html  # self-contained
    assert "Daily report — 2026-11-26 (period 00:00–24:00 UTC)" in html
    assert f"{N_VIOLATIONS} ceasefire violations recorded" in html
    assert "4 attributed to Party A, 3 to Party B, 1 undetermined" in html
    assert "1 explosion excused as declared activity" in html and "1 thunder event set aside" in html
    for name in ("Party A", "Party B"):
        assert name in html
    assert "95 %" in html
    for number in ("12 / 15", "9 / 10", "311.5", "203.5", "0.87", "0.74", "0.81", "0.66"):
        assert number in html
    assert demo_agreement().content_hash in html
    assert "04:00-11:00 UTC" in html and "AC-07" in html and "Coalition X" in html
    assert "100 = 90 accepted + 6 duplicates + 4 quarantined" in html
    assert "confirmed" in html and "not targeting" in html


def test_daily_markdown_lists_violations(tmp_path: Path) -> None:
    md = report(tmp_path, make_events())["markdown"].read_text(encoding="utf-8")
    rows = [line for line in md.splitlines() if line.startswith("| E") and not line.startswith("| Event")]
    assert [r.split("|")[1].strip() for r in rows] == ["E1", "E2", "E3", "E4", "E7", "E10", "E11", "E12"]
    e1 = rows[0]
    assert "2026-11-26T01:00:00.123Z" in e1 and "38.60000" in e1 and "48.75000" in e1
    assert f"{300.0 * ELLIPSE_95_SCALE:.0f}" in e1 and "R1, R2" in e1 and "Party A" in e1 and "E2" in e1
    assert "| undetermined |" in rows[3]
    assert "![Map of the period](map.png)" in md


def test_empty_report_says_no_violations_and_shows_coverage(tmp_path: Path) -> None:
    paths = report(tmp_path, Columns.empty(EVENTS), gaps=False)
    html = paths["html"].read_text(encoding="utf-8")
    md = paths["markdown"].read_text(encoding="utf-8")
    for text in (html, md):
        assert "No ceasefire violations were recorded in this period." in text
        assert "12 / 15" in text and "0.87" in text
        assert "No coverage gaps were recorded" in text
    assert "data:image/png;base64," in html
    assert paths["map"].read_bytes()[:8] == PNG_SIGNATURE


def test_period_label() -> None:
    assert period_label(T0, T0 + 86_400) == "00:00–24:00"
    assert period_label(T0 + 3600, T0 + 7200) == "01:00–02:00"
    assert period_label(T0 + 21_600, T0 + 108_000) == "2026-11-26 06:00–2026-11-27 06:00"
