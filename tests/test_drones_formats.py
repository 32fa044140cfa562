"""Drone sightings and flight coverage as GeoJSON: read feature by feature, every one accounted for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import truceline
from truceline.cli import cli
from truceline.sources.base import FormatError

HASH = "ab" * 32


def sighting(sid: str, lon=37.8, lat=48.0, **props) -> dict:
    base = {"sighting_id": sid, "time": "2026-11-26T08:15:02.123Z", "weapon_class": "tube_artillery",
            "confidence": 0.8, "image_hash": f"sha256:{HASH}", "image_ref": f"img/{sid}.jpg", "flight_id": "F-0001"}
    base.update(props)
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": base}


def footprint(fid: str, ring: list[list[float]], **props) -> dict:
    base = {"flight_id": "F-0001", "start": "2026-11-26T08:00:00Z", "end": "2026-11-26T08:40:00Z"}
    base.update(props)
    return {"type": "Feature", "id": fid, "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": base}


def write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


SQUARE = [[37.7, 47.9], [37.9, 47.9], [37.9, 48.1], [37.7, 48.1], [37.7, 47.9]]
BOWTIE = [[37.7, 47.9], [37.9, 48.1], [37.9, 47.9], [37.7, 48.1], [37.7, 47.9]]


def test_sightings_are_read_and_bad_ones_quarantined_by_property(tmp_path: Path) -> None:
    good = sighting("S1")
    path = write(tmp_path / "sightings.geojson", [
        good, good,                                                     # an exact repeat: a duplicate
        sighting("S1", lon=37.81),                                      # the same id, other content
        sighting("S2", weapon_class="artillery", serial="2S1-0042"),   # an alias, a readable serial
        sighting("S3", weapon_class="howitzer"),
        sighting("S4", image_hash="not-a-hash"),
        sighting("S5", confidence=1.5),
        sighting("S6", time="2026-11-26 08:15"),
        sighting("S7", lon=200.0),
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [SQUARE]},
         "properties": sighting("S8")["properties"]}])
    r = truceline.read(path)
    assert r.format == "drone-sightings"
    assert (r.received, r.accepted, r.duplicates, r.quarantined) == (10, 2, 1, 7) and r.balanced()
    reasons = " | ".join(q.reason for q in r.quarantine)
    for what in ("conflicts with feature 0", "weapon_class", "image_hash", "confidence", "time",
                 "geometry.coordinates", "geometry: a sighting is a Point"):
        assert what in reasons, what
    t = r.table
    assert list(t["weapon_class"]) == ["tube_artillery", "tube_artillery"] and list(t["serial"]) == ["", "2S1-0042"]
    assert list(t["image_hash"]) == [HASH, HASH]


def test_coverage_footprints_with_their_area_and_times(tmp_path: Path) -> None:
    path = write(tmp_path / "coverage.geojson", [
        footprint("P1", SQUARE),
        footprint("P2", BOWTIE),
        footprint("P3", SQUARE, end="2026-11-26T07:00:00Z"),
        footprint("P4", SQUARE, flight_id="")])
    r = truceline.read(path)
    assert r.format == "drone-coverage" and (r.accepted, r.quarantined) == (1, 3) and r.balanced()
    reasons = " | ".join(q.reason for q in r.quarantine)
    assert "invalid footprint (Self-intersection" in reasons and "before start" in reasons and "flight_id" in reasons
    area = float(r.table["area_km2"][0])
    assert 330 < area < 340                                   # 0.2 x 0.2 degrees at 48 N: about 335 km2
    assert r.table["footprint"][0].contains(__import__("shapely").Point(37.8, 48.0))


def test_inspect_names_the_drone_formats(tmp_path: Path) -> None:
    s = write(tmp_path / "s.geojson", [sighting("S1")])
    c = write(tmp_path / "c.geojson", [footprint("P1", SQUARE)])
    for path, name in ((s, "drone-sightings"), (c, "drone-coverage")):
        out = CliRunner().invoke(cli, ["inspect", str(path)])
        assert out.exit_code == 0 and f"format {name}" in out.output, out.output


def test_not_a_feature_collection_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "Feature"}', encoding="utf-8")
    with pytest.raises(FormatError, match="FeatureCollection"):
        truceline.read(path, format="drone-sightings")
