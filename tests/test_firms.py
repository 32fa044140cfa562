"""FIRMS hotspots: the real VIIRS files, the area-API and MODIS layouts, and bad rows."""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import truceline
from truceline.cli import cli
from truceline.sources.base import FormatError
from truceline.sources.firms_csv import acq_seconds, confidence_class

REAL = Path(__file__).resolve().parent / "data" / "real"
FILES = {"J1_VIIRS_C2_Global_VJ114IMGTDL_NRT_2025242.txt.csv": 1008,
         "J1_VIIRS_C2_Global_VJ114IMGTDL_NRT_2025243.txt.csv": 774}


def data_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))[1:]


@pytest.mark.parametrize("name", FILES)
def test_real_viirs_files_load_with_every_row_accounted_for(name: str) -> None:
    path = REAL / name
    digests = dict(line.split()[::-1] for line in (REAL / "SHA256SUMS").read_text().splitlines())
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digests[name]
    result = truceline.read(path)
    assert result.format == "firms"
    assert result.received == FILES[name] == len(data_rows(path))
    assert result.balanced() and result.quarantined == 0 and result.accepted == FILES[name]
    t = result.table
    assert set(t["instrument"]) == {"VIIRS"} and set(t["satellite"]) == {"N20"}
    assert set(t["confidence"]) <= {"low", "nominal", "high"} and np.isnan(t["confidence_pct"]).all()
    raw_i4 = np.array([float(r[2]) for r in data_rows(path)])
    assert t["saturated"].sum() == np.sum(raw_i4 >= 367.0) > 0          # kept and flagged, not dropped
    day = datetime.strptime(name.split("_")[-1][:7], "%Y%j").replace(tzinfo=timezone.utc).timestamp()
    assert (t["time"] >= day).all() and (t["time"] < day + 86400).all()
    assert np.all(np.diff(t["time"]) >= 0)
    assert (44 < t["lat"]).all() and (t["lat"] < 53).all() and (22 < t["lon"]).all() and (t["lon"] < 41).all()


def test_inspect_names_the_format_and_the_counts() -> None:
    out = CliRunner().invoke(cli, ["inspect", str(REAL / next(iter(FILES)))])
    assert out.exit_code == 0, out.output
    assert "format firms" in out.output and "received 1008, accepted 1008, duplicates 0, quarantined 0" in out.output
    assert "saturated" in out.output


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


AREA_API = "latitude,longitude,bright_ti4,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_ti5,frp,daynight"
MODIS = "latitude,longitude,brightness,scan,track,acq_date,acq_time,satellite,instrument,confidence,version,bright_t31,frp,daynight"


def test_area_api_layout_unpadded_hhmm_and_letter_confidence(tmp_path: Path) -> None:
    path = write(tmp_path / "viirs_area.csv", AREA_API, [
        "48.01,37.80,330.5,0.39,0.36,2026-11-26,42,N,VIIRS,n,2.0NRT,290.1,3.2,N",
        "48.02,37.81,367,0.39,0.36,2026-11-26,1107,N21,VIIRS,h,2.0NRT,301.0,40.5,D",
        "48.03,37.82,301.2,0.39,0.36,2026-11-26,2359,N20,VIIRS,l,2.0NRT,288.0,0.9,N"])
    r = truceline.read(path)
    assert r.format == "firms" and r.accepted == 3 and r.balanced()
    midnight = datetime(2026, 11, 26, tzinfo=timezone.utc).timestamp()
    np.testing.assert_array_equal(r.table["time"] - midnight, [42 * 60, 11 * 3600 + 7 * 60, 23 * 3600 + 59 * 60])
    assert list(r.table["confidence"]) == ["nominal", "high", "low"]
    assert list(r.table["saturated"]) == [False, True, False]


def test_modis_layout_numeric_confidence(tmp_path: Path) -> None:
    path = write(tmp_path / "modis.csv", MODIS, [
        "48.01,37.80,315.2,1.1,1.0,2026-11-26,0835,Terra,MODIS,25,6.1NRT,290.1,12.0,D",
        "48.02,37.81,340.9,1.1,1.0,2026-11-26,0835,Terra,MODIS,67,6.1NRT,295.0,30.2,D",
        "48.03,37.82,400.0,1.0,1.0,2026-11-26,1120,Aqua,MODIS,100,6.1NRT,300.0,80.1,D"])
    r = truceline.read(path)
    assert r.accepted == 3 and set(r.table["instrument"]) == {"MODIS"}
    assert list(r.table["confidence"]) == ["low", "nominal", "high"]
    np.testing.assert_array_equal(r.table["confidence_pct"], [25, 67, 100])
    np.testing.assert_array_equal(r.table["brightness_k"], [315.2, 340.9, 400.0])
    assert not r.table["saturated"].any()


def test_bad_rows_are_quarantined_with_their_field_and_counts_add_up(tmp_path: Path) -> None:
    good = "48.01,37.80,330.5,0.39,0.36,2026-11-26,42,N,VIIRS,n,2.0NRT,290.1,3.2,N"
    path = write(tmp_path / "bad.csv", AREA_API, [
        good, good,                                                               # an exact duplicate
        "48.01,37.80,331.0,0.39,0.36,2026-11-26,42,N,VIIRS,n,2.0NRT,290.1,3.2,N",  # same key, other values
        "48.04,37.80,330.5,0.39,0.36,2026-11-26,25:10,N,VIIRS,n,2.0NRT,290.1,3.2,N",
        "48.05,37.80,330.5,0.39,0.36,2026-11-26,1200,N,VIIRS,maybe,2.0NRT,290.1,3.2,N",
        "95.00,37.80,330.5,0.39,0.36,2026-11-26,1200,N,VIIRS,n,2.0NRT,290.1,3.2,N",
        "48.06,37.80,330.5,0.39,0.36,26/11/2026,1200,N,VIIRS,n,2.0NRT,290.1,3.2,N",
        "48.07,37.80,330.5"])
    r = truceline.read(path)
    assert (r.received, r.accepted, r.duplicates, r.quarantined) == (8, 1, 1, 6) and r.balanced()
    reasons = [q.reason for q in r.quarantine]
    for field in ("conflicts with row 2", "acq_time", "confidence", "latitude", "acq_date", "fields"):
        assert any(field in why for why in reasons), (field, reasons)


def test_a_file_without_a_fire_channel_is_refused_by_name(tmp_path: Path) -> None:
    path = write(tmp_path / "nofire.csv", "latitude,longitude,acq_date,acq_time,satellite,confidence", [])
    with pytest.raises(FormatError, match="bright_ti4"):
        truceline.read(path, format="firms")


@pytest.mark.parametrize("value, seconds", [("01:30:00", 5400), ("0130", 5400), ("130", 5400), ("5", 300),
                                            ("23:59", 86340)])
def test_acq_time_forms(value: str, seconds: int) -> None:
    assert acq_seconds(value) == seconds


def test_confidence_forms() -> None:
    assert confidence_class("Nominal")[0] == confidence_class("n")[0] == confidence_class("30")[0] == "nominal"
    assert confidence_class("29")[0] == "low" and confidence_class("80")[0] == "high"
