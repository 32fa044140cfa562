"""Bad input for the CSV readers and the registry: nothing is lost, every problem is explained.

Every read checks the accounting ``received == accepted + duplicates + quarantined``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import truceline
from truceline.model.tables import PICKS, SENSORS
from truceline.model.timefmt import to_iso
from truceline.sources import FormatError, ReadResult, formats
from truceline.sources import picks_csv, sensors_csv

T0 = 1_795_000_000.0
PICK_HEADER = ",".join(PICKS.names)
SENSOR_HEADER = ",".join(SENSORS.names)


def pick(pick_id: str, t: float = 0.0, sensor: str = "S1", kind: str = "launch", snr: str = "12.5",
         amplitude: str = "0.8") -> str:
    return ",".join([pick_id, sensor, to_iso(T0 + t), kind, snr, amplitude, to_iso(T0 + t + 30)])


def write(tmp_path: Path, name: str, header: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def read_ok(path: Path, **options: object) -> ReadResult:
    """Read through the front door and check the accounting."""
    result = truceline.read(path, **options)
    assert result.balanced(), (result.received, result.accepted, result.duplicates, result.quarantined)
    return result


# --------------------------------------------------------------------------- malformed rows

BAD_PICKS = {
    "bad time": ("P2,S1,2026-11-26 08:15:02,launch,12,0.8,2026-11-26T08:16:00.000Z", "time"),
    "local time": ("P2,S1,2026-11-26T08:15:02.000+02:00,launch,12,0.8,2026-11-26T08:16:00.000Z", "time"),
    "bad received_at": ("P2,S1,2026-11-26T08:15:02.000Z,launch,12,0.8,yesterday", "received_at"),
    "unknown kind": (pick("P2", kind="mortar"), "kind"),
    "non-numeric snr": (pick("P2", snr="loud"), "snr"),
    "nan snr": (pick("P2", snr="nan"), "snr"),
    "negative amplitude": (pick("P2", amplitude="-1"), "amplitude"),
    "empty sensor_id": (pick("P2", sensor=""), "sensor_id"),
    "empty pick_id": (pick("", t=1), "pick_id"),
    "too few fields": ("P2,S1,2026-11-26T08:15:02.000Z,launch", "4 fields"),
    "too many fields": (pick("P2") + ",extra", "8 fields"),
}


@pytest.mark.parametrize("row, field", BAD_PICKS.values(), ids=BAD_PICKS.keys())
def test_malformed_pick_is_quarantined_with_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    path = write(tmp_path, "picks.csv", PICK_HEADER, pick("P1"), row, pick("P3", t=5))
    result = read_ok(path)
    assert (result.received, result.accepted, result.duplicates, result.quarantined) == (3, 2, 0, 1)
    (q,) = result.quarantine
    assert q.row == 3 and field in q.reason and q.source == str(path)
    assert q.record.get("pick_id") == row.split(",")[0]
    assert list(result.table["pick_id"]) == ["P1", "P3"]


BAD_SENSORS = {
    "lon out of range": ("S2,200,48.0,10,A", "lon"),
    "non-numeric lat": ("S2,37.5,north,10,A", "lat"),
    "empty sensor_id": (",37.5,48.0,10,A", "sensor_id"),
    "too few fields": ("S2,37.5", "2 fields"),
}


@pytest.mark.parametrize("row, field", BAD_SENSORS.values(), ids=BAD_SENSORS.keys())
def test_malformed_sensor_is_quarantined_with_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    path = write(tmp_path, "sensors.csv", SENSOR_HEADER, "S1,37.5,48.0,120,Coalition A", row)
    result = read_ok(path)
    assert result.format == "sensors-csv"
    assert (result.received, result.accepted, result.quarantined) == (2, 1, 1)
    assert result.quarantine[0].row == 3 and field in result.quarantine[0].reason


def test_sensor_duplicates_and_conflicts(tmp_path: Path) -> None:
    path = write(tmp_path, "sensors.csv", SENSOR_HEADER, "S1,37.5,48.0,120,A", "S1,37.5,48.0,120,A",
                 "S1,37.6,48.0,120,A", "S2,37.7,48.1,,B")
    result = read_ok(path)
    assert (result.received, result.accepted, result.duplicates, result.quarantined) == (4, 2, 1, 1)
    assert "conflicts with row 2" in result.quarantine[0].reason
    assert np.isnan(result.table["elevation_m"][1])  # elevation is optional


# --------------------------------------------------------------------------- duplicates, conflicts, order

def test_exact_duplicates_are_counted_and_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "picks.csv", PICK_HEADER, pick("P1"), pick("P2", t=1), pick("P1"), pick("P1"))
    result = read_ok(path)
    assert (result.received, result.accepted, result.duplicates, result.quarantined) == (4, 2, 2, 0)


def test_conflicting_duplicate_pick_id_is_quarantined(tmp_path: Path) -> None:
    path = write(tmp_path, "picks.csv", PICK_HEADER, pick("P1"), pick("P1", snr="30"))
    result = read_ok(path)
    assert (result.accepted, result.duplicates, result.quarantined) == (1, 0, 1)
    q = result.quarantine[0]
    assert q.row == 3 and "pick_id" in q.reason and "row 2" in q.reason
    assert result.table["snr"][0] == 12.5  # the first delivery stands


def test_late_rows_come_back_in_time_order(tmp_path: Path) -> None:
    path = write(tmp_path, "picks.csv", PICK_HEADER, pick("P3", t=30), pick("P1", t=10), pick("P2", t=20),
                 pick("P0", t=0.001))
    table = read_ok(path).table
    assert list(table["pick_id"]) == ["P0", "P1", "P2", "P3"]
    assert np.all(np.diff(table["time"]) > 0)


def test_pick_from_unknown_sensor_is_quarantined(tmp_path: Path) -> None:
    path = write(tmp_path, "picks.csv", PICK_HEADER, pick("P1"), pick("P2", sensor="S9"))
    result = read_ok(path, sensor_ids={"S1", "S2"})
    assert (result.accepted, result.quarantined) == (1, 1)
    assert result.quarantine[0].row == 3 and "S9" in result.quarantine[0].reason
    assert "sensor_id" in result.quarantine[0].reason


# --------------------------------------------------------------------------- whole-file problems

def test_header_only_file_is_empty_not_an_error(tmp_path: Path) -> None:
    result = read_ok(write(tmp_path, "picks.csv", PICK_HEADER))
    assert (result.received, result.accepted, result.duplicates, result.quarantined) == (0, 0, 0, 0)
    assert result.table is not None and len(result.table) == 0 and result.table.names == PICKS.names


def test_zero_byte_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "picks.csv"
    path.write_bytes(b"")
    with pytest.raises(FormatError, match="picks.csv"):
        truceline.read(path)
    with pytest.raises(FormatError, match=r"picks\.csv: empty file"):
        truceline.read(path, format="picks-csv")


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    header = PICK_HEADER.replace(",snr", "")
    path = write(tmp_path, "picks.csv", header, "P1,S1,2026-11-26T08:15:02.000Z,launch,0.8,2026-11-26T08:16:00.000Z")
    with pytest.raises(FormatError, match=r"picks\.csv.*lacks column\(s\) snr"):
        truceline.read(path)


def test_unknown_format_lists_installed_formats(tmp_path: Path) -> None:
    path = write(tmp_path, "picks.csv", PICK_HEADER, pick("P1"))
    with pytest.raises(FormatError, match="unknown format 'seismic-miniseed'") as info:
        truceline.read(path, format="seismic-miniseed")
    assert all(name in str(info.value) for name in formats())
    other = tmp_path / "notes.dat"
    other.write_text("hello\n", encoding="utf-8")
    with pytest.raises(FormatError, match="installed formats") as info:
        truceline.read(other)
    assert "picks-csv" in str(info.value) and "sensors-csv" in str(info.value)
    with pytest.raises(FormatError, match="no such file"):
        truceline.read(tmp_path / "missing.csv")


def test_format_modules_can_be_used_directly(tmp_path: Path) -> None:
    picks_path = write(tmp_path, "picks.csv", PICK_HEADER, pick("P1"))
    sensors_path = write(tmp_path, "sensors.csv", SENSOR_HEADER, "S1,37.5,48.0,120,A")
    assert picks_csv.can_read(picks_path) and not picks_csv.can_read(sensors_path)
    assert sensors_csv.can_read(sensors_path) and not sensors_csv.can_read(picks_path)
    assert picks_csv.read(picks_path).balanced() and sensors_csv.read(sensors_path).balanced()
    assert truceline.read(picks_path).format == "picks-csv"


def test_another_producers_file_is_accepted(tmp_path: Path) -> None:
    """Extra columns in another order, CRLF, a UTF-8 BOM, and ``+00:00`` instead of ``Z``."""
    header = "station_name,pick_id,time,sensor_id,kind,snr,amplitude,received_at,firmware"
    rows = ["North ridge,X-1,2026-11-26T08:15:02.250+00:00,S1,Impact,14.0,1.5,2026-11-26T08:15:40+00:00,v2.1",
            "South ridge,X-2,2026-11-26T08:15:01.000+00:00,S2,launch,9.5,0.2,2026-11-26T08:15:41.000+00:00,v2.1"]
    path = tmp_path / "producer_b.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join([header, *rows, ""]).encode("utf-8"))
    result = read_ok(path, sensor_ids={"S1", "S2"})
    assert result.format == "picks-csv"
    assert (result.received, result.accepted, result.quarantined) == (2, 2, 0), result.quarantine
    assert list(result.table["pick_id"]) == ["X-2", "X-1"]
    assert list(result.table["kind"]) == ["launch", "impact"]
    assert to_iso(result.table["time"][1]) == "2026-11-26T08:15:02.250Z"


# --------------------------------------------------------------------------- invariants

BREAKS = ("time", "kind", "snr", "amplitude", "sensor_id", "fields")


def _broken(pick_id: str, how: str) -> str:
    return {"time": pick(pick_id).replace("Z,", ",", 1), "kind": pick(pick_id, kind="boom"),
            "snr": pick(pick_id, snr="x"), "amplitude": pick(pick_id, amplitude="-2"),
            "sensor_id": pick(pick_id, sensor=""), "fields": pick(pick_id) + ",1"}[how]


@st.composite
def feeds(draw: st.DrawFn) -> tuple[list[str], dict[str, int]]:
    """A feed of valid, duplicated, conflicting and broken rows with the counts it must give."""
    rows: list[str] = []
    valid: list[str] = []
    expect = {"accepted": 0, "duplicates": 0, "quarantined": 0}
    for n in range(draw(st.integers(0, 25))):
        action = draw(st.sampled_from(["valid", "valid", "duplicate", "conflict", "broken"]))
        if action in ("duplicate", "conflict") and valid:
            original = draw(st.sampled_from(valid))
            rows.append(original if action == "duplicate" else original.replace(",launch,", ",impact,"))
            expect["duplicates" if action == "duplicate" else "quarantined"] += 1
        elif action == "broken":
            rows.append(_broken(f"B{n}", draw(st.sampled_from(BREAKS))))
            expect["quarantined"] += 1
        else:
            valid.append(pick(f"P{n}", t=draw(st.floats(0, 3600, allow_nan=False))))
            rows.append(valid[-1])
            expect["accepted"] += 1
    return rows, expect


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(feeds())
def test_counts_always_balance(tmp_path: Path, feed: tuple[list[str], dict[str, int]]) -> None:
    rows, expect = feed
    result = picks_csv.read(write(tmp_path, "picks.csv", PICK_HEADER, *rows))
    assert result.balanced()
    assert result.received == len(rows)
    assert (result.accepted, result.duplicates, result.quarantined) == tuple(expect.values())
    ids = list(result.table["pick_id"])
    assert len(ids) == len(set(ids))
    assert np.all(np.diff(result.table["time"]) >= 0)
