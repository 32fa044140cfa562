"""The agreement as data: loading, validation errors, versions, hashes, init, zones, CLI."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest
from click.testing import CliRunner
from pyproj import Geod

from truceline.agreement_init import init_agreement, read_line_geojson
from truceline.cli_agreement import agreement as agreement_cli
from truceline.model.agreement import AgreementError, WeaponClass, parse_weapon_class
from truceline.rules.zones import Zones
from truceline.sources.agreement_yaml import (demo_agreement_path, dump_agreement_yaml, is_agreement_file,
                                              load_agreement, write_agreement)

DEMO_LINE = demo_agreement_path().parent / "contact_line.geojson"
SMALL_LINE = [[30.0, 50.0], [30.5, 50.05], [31.0, 50.0]]  # walking east: A (right) holds the south
T0 = "2026-11-20T00:00:00Z"
WGS84 = Geod(ellps="WGS84")


def small_doc() -> dict[str, Any]:
    doc = init_agreement(SMALL_LINE, effective_time=T0)
    doc["declared_activities"] = [{"id": "Q1", "kind": "quarry_blasting", "party": "A", "name": "Quarry",
                                   "lon": 30.5, "lat": 49.95, "radius_m": 1500.0,
                                   "windows": [{"start": "2026-11-21T08:00:00Z", "end": "2026-11-21T10:00:00Z"}]}]
    return doc


def write(tmp_path: Path, doc: Any, name: str = "agreement.yaml") -> Path:
    return write_agreement(doc, tmp_path / name)


# --------------------------------------------------------------------------- malformed agreements

def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(doc: dict[str, Any]) -> None:
        *head, last = path.split(".")
        target: Any = doc
        for key in head:
            target = target[int(key)] if key.isdigit() else target[key]
        target[int(last) if last.isdigit() else last] = value
    return edit


BOWTIE = {"type": "LineString", "coordinates": [[30.0, 50.0], [31.0, 50.1], [31.0, 50.0], [30.0, 50.1]]}
FAR_SQUARE = {"type": "Polygon", "coordinates": [[[10, 10], [10.1, 10], [10.1, 10.1], [10, 10.1], [10, 10]]]}

FAULTS: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("missing field", lambda d: d.pop("name"), "name", "required field is missing"),
    ("unknown field", _set("colour", "red"), "colour", "unknown field 'colour'; allowed: truceline_agreement"),
    ("unknown nested field", _set("security_zone.depth_km", 3), "security_zone.depth_km", "allowed: width_km"),
    ("unknown weapon class", _set("withdrawal_km.howitzer", 30.0), "withdrawal_km.howitzer",
     "unknown weapon class 'howitzer'; known classes: mortar, tube_artillery"),
    ("self-intersecting line", _set("contact_line", BOWTIE), "contact_line", "line intersects itself near lon"),
    ("area outside", _set("disengagement_areas", [{"id": "D1", "name": "far", "area": FAR_SQUARE}]),
     "disengagement_areas[0].area", "outside the parties' areas of control"),
    ("site outside", _set("declared_activities.0.lon", 10.0), "declared_activities[0]",
     "is outside the area of party 'A'"),
    ("site on the wrong side", _set("declared_activities.0.lat", 50.2), "declared_activities[0]",
     "is outside the area of party 'A'"),
    ("negative width", _set("security_zone.width_km", -5.0), "security_zone.width_km", "greater than 0"),
    ("bad time", _set("effective_time", "20 Nov 2026"), "effective_time", "bad time '20 Nov 2026': expected ISO 8601"),
    ("naive time", _set("effective_time", "2026-11-20T00:00:00"), "effective_time", "has no time zone"),
    ("window end before start", _set("declared_activities.0.windows.0.end", "2026-11-21T07:00:00Z"),
     "declared_activities[0].windows[0].end", "before it starts"),
    ("bad daily window", _set("declared_activities.0.daily_utc", ["8-10"]), "declared_activities[0].daily_utc[0]",
     "bad daily window '8-10'"),
    ("duplicate party", _set("parties.1.id", "A"), "parties[1].id", "duplicate id 'A'"),
    ("reference line for unknown party", _set("reference_lines", {"C": {"type": "LineString",
     "coordinates": SMALL_LINE}}), "reference_lines.C", "reference line for unknown party 'C'; parties are A, B"),
    ("overlapping areas", lambda d: d["parties"][1].__setitem__("area", d["parties"][0]["area"]),
     "parties[1].area", "overlaps the area of party 'A'"),
    ("sector reversed", _set("sectors.0.to_km", 0.0), "sectors[0].to_km", "must be greater than from_km"),
    ("sector beyond the line", _set("sectors.0.to_km", 500.0), "sectors[0].to_km", "beyond the end of the contact line"),
    ("unknown party of a site", _set("declared_activities.0.party", "Z"), "declared_activities[0].party",
     "unknown party 'Z'"),
    ("wrong geometry type", _set("contact_line", {"type": "Point", "coordinates": [30, 50]}), "contact_line",
     "expected a LineString, got Point"),
    ("format version", _set("truceline_agreement", 2), "truceline_agreement", "unsupported format version 2"),
    ("bad amendment", _set("amendments", [{"version": "v2", "effective_from": "2026-12-01T00:00:00Z",
                                           "changes": {"security_zone": {"width_km": -1.0}}}]),
     "amendments[0].changes.security_zone.width_km", "greater than 0"),
    ("amendment before base", _set("amendments", [{"version": "v2", "effective_from": "2026-01-01T00:00:00Z",
                                                   "changes": {}}]),
     "amendments[0].effective_from", "must be after the previous version's effective time"),
    ("geometry file missing", _set("contact_line", "missing_line.geojson"), "contact_line",
     "geometry file 'missing_line.geojson': not found"),
]


@pytest.mark.parametrize("fault, edit, path, reason", FAULTS, ids=[f[0] for f in FAULTS])
def test_malformed_agreement_names_file_field_and_reason(tmp_path: Path, fault: str, edit: Callable[..., None],
                                                         path: str, reason: str) -> None:
    doc = small_doc()
    edit(doc)
    file = write(tmp_path, doc, "bad_agreement.yaml")
    with pytest.raises(AgreementError) as info:
        load_agreement(file)
    lines = str(info.value).splitlines()
    assert all(line.startswith("bad_agreement.yaml: ") for line in lines)
    assert any(line.startswith(f"bad_agreement.yaml: {path}: ") and reason in line for line in lines), lines


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text("truceline_agreement: 1\nname: x\nparties:\n  - id: A\n   name: oops\n", encoding="utf-8")
    with pytest.raises(AgreementError, match=r"^broken\.yaml: line 5, column 4: YAML syntax error: "):
        load_agreement(file)


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    file = tmp_path / "dup.yaml"
    file.write_text("truceline_agreement: 1\nname: x\nname: y\n", encoding="utf-8")
    with pytest.raises(AgreementError, match=r"dup\.yaml: line 3, column 1: YAML syntax error: duplicate key 'name'"):
        load_agreement(file)


def test_all_errors_are_listed(tmp_path: Path) -> None:
    doc = small_doc()
    doc.pop("name")
    doc["security_zone"] = {"width_km": -1.0}
    with pytest.raises(AgreementError) as info:
        load_agreement(write(tmp_path, doc))
    assert len(info.value.issues) == 2 and {i.path for i in info.value.issues} == {"name", "security_zone.width_km"}


# --------------------------------------------------------------------------- loading, versions, hashes

def test_demo_agreement_loads_with_versions() -> None:
    history = load_agreement()
    assert [v.version for v in history.versions] == ["2026-11-20", "2026-12-15"]
    base, amended = history.versions
    assert base.party_ids == ("A", "B") and base.security_zone.width_km == 30.0
    assert amended.security_zone.width_km == 40.0 and amended.sectors == base.sectors
    assert len(base.disengagement_areas) == 2 and len(base.storage_sites) == 4
    assert [a.kind.value for a in base.declared_activities] == ["quarry_blasting"] * 3
    assert history.at(datetime(2026, 12, 1, tzinfo=timezone.utc)) is base
    assert history.at(datetime(2026, 12, 15, tzinfo=timezone.utc).timestamp()) is amended
    assert history.at(0.0) is base  # before the agreement: the base
    assert len(base.content_hash) == 64 and base.content_hash != amended.content_hash
    assert hash(base) == hash(base.content_hash)


def test_content_hash_survives_a_write_and_reload(tmp_path: Path) -> None:
    base = load_agreement().base
    reloaded = load_agreement(write(tmp_path, base)).base
    assert reloaded.content_hash == base.content_hash
    assert reloaded.to_document() == base.to_document()


def test_geometry_may_live_in_a_file_beside_the_yaml(tmp_path: Path) -> None:
    doc = small_doc()
    (tmp_path / "line.geojson").write_text(json.dumps({"type": "Feature", "properties": {},
                                                       "geometry": doc["contact_line"]}), encoding="utf-8")
    inline_hash = load_agreement(write(tmp_path, doc, "inline.yaml")).base.content_hash
    doc["contact_line"] = "line.geojson"
    assert load_agreement(write(tmp_path, doc, "by_path.yaml")).base.content_hash == inline_hash


def test_weapon_classes_and_aliases() -> None:
    assert parse_weapon_class("artillery") is WeaponClass.TUBE_ARTILLERY
    a = load_agreement().base
    assert [a.withdrawal_distance_km(w) for w in ("mortar", "artillery", "mlrs", "heavy_mlrs", "tactical_missile")] \
        == [15.0, 50.0, 70.0, 140.0, 140.0]
    with pytest.raises(ValueError, match="known classes: mortar, tube_artillery"):
        parse_weapon_class("howitzer")


def test_format_sniffing(tmp_path: Path) -> None:
    assert is_agreement_file(demo_agreement_path())
    other = tmp_path / "other.yaml"
    other.write_text("a: 1\n", encoding="utf-8")
    assert not is_agreement_file(other) and not is_agreement_file(DEMO_LINE)


# --------------------------------------------------------------------------- init

@pytest.mark.parametrize("line", [pytest.param(None, id="demo line"), pytest.param(SMALL_LINE, id="small line")])
def test_init_writes_a_loadable_complete_agreement(tmp_path: Path, line: Any) -> None:
    coords = read_line_geojson(DEMO_LINE) if line is None else np.asarray(line)
    doc = init_agreement(coords, effective_time=T0, sector_km=50.0)
    a = load_agreement(write(tmp_path, doc)).base
    zones = Zones.from_agreement(a)
    length_km = zones.contact_line.length_m / 1000.0
    assert len(a.sectors) == max(1, round(length_km / 50.0)) and a.sectors[-1].to_km == pytest.approx(length_km, abs=0.01)
    assert a.sectors[0].name.startswith("Sector 1 (km 0–")
    assert a.security_zone.width_km == 30.0 and a.withdrawal_distance_km("mlrs") == 70.0
    # A holds the right-hand side walking first -> last vertex; both sides within 150 km are held
    lon, lat = np.asarray(a.contact_line.coords).mean(axis=0)
    probe_lon = np.full(4, lon) + np.array([0.0, 0.0, 0.0, 0.0])
    offsets = zones.signed_offset_m(probe_lon, np.array([lat - 0.5, lat - 0.2, lat + 0.2, lat + 0.5]))
    assert set(np.sign(offsets)) == {-1.0, 1.0}
    sides = zones.side_of(probe_lon, np.array([lat - 0.5, lat - 0.2, lat + 0.2, lat + 0.5]))
    assert all((s == "A") == (o > 0) for s, o in zip(sides, offsets))


def test_read_line_geojson_errors(tmp_path: Path) -> None:
    bad = tmp_path / "points.geojson"
    bad.write_text(json.dumps({"type": "Point", "coordinates": [30, 50]}), encoding="utf-8")
    with pytest.raises(ValueError, match="points.geojson: expected one LineString"):
        read_line_geojson(bad)
    two = tmp_path / "two.geojson"
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": SMALL_LINE}}
    two.write_text(json.dumps({"type": "FeatureCollection", "features": [feature, feature]}), encoding="utf-8")
    with pytest.raises(ValueError, match="two.geojson: a FeatureCollection here must hold exactly one feature"):
        read_line_geojson(two)


# --------------------------------------------------------------------------- zones

def test_zones_on_the_demo() -> None:
    history = load_agreement()
    base, amended = history.versions
    zones, wider = Zones.from_agreement(base), Zones.from_agreement(amended)
    q = base.declared_activities
    lon, lat = np.array([x.lon for x in q]), np.array([x.lat for x in q])
    assert zones.side_of(lon, lat).tolist() == [x.party for x in q]
    assert zones.in_security_zone(lon, lat).all()
    d = zones.distance_to_contact_line_m(lon, lat)
    assert ((d > 4000) & (d < 10000)).all()
    at_9 = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc).timestamp()
    assert zones.declared_activity_of(lon, lat, at_9).tolist() == ["Q1", "Q2", "Q3"]
    assert zones.declared_activity_of(lon, lat, at_9 + 3 * 3600).tolist() == ["", "", ""]
    sites = base.storage_sites
    s_lon, s_lat = np.array([s.lon for s in sites]), np.array([s.lat for s in sites])
    assert zones.side_of(s_lon, s_lat).tolist() == ["A", "B", "A", "B"]
    assert not zones.within_withdrawal(s_lon, s_lat, ["A", "B", "A", "B"], "tube_artillery").any()
    assert zones.within_withdrawal(s_lon, s_lat, ["A", "B", "A", "B"], "mlrs").all()
    centres = [d.area.centroid for d in base.disengagement_areas]
    assert zones.disengagement_area_of([c.x for c in centres], [c.y for c in centres]).tolist() == ["D1", "D2"]
    line = np.asarray(base.contact_line.coords)
    az, _, length = WGS84.inv(*line[3], *line[4])
    mlon, mlat, back = WGS84.fwd(*line[3], az, length / 2)
    plon, plat, _ = WGS84.fwd(mlon, mlat, back + 270.0, 17_000.0)  # right side, 17 km off
    assert zones.distance_to_contact_line_m(plon, plat)[0] == pytest.approx(17_000.0, abs=1.0)
    assert not zones.in_security_zone(plon, plat)[0]  # outside the 30 km zone, inside the 40 km one
    assert wider.in_security_zone(plon, plat)[0]
    assert zones.sector_of(line[:, 0], line[:, 1])[[0, -1]].tolist() == ["S01", base.sectors[-1].id]
    assert zones.sector_of([45.0], [48.8]).tolist() == [""]  # far off the line's end


# --------------------------------------------------------------------------- CLI

def test_cli_init_then_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "agreement.yaml"
    result = runner.invoke(agreement_cli, ["init", "--line", str(DEMO_LINE), "--out", str(out),
                                           "--party-a", "North", "--party-b", "South", "--effective", T0])
    assert result.exit_code == 0, result.output
    history = load_agreement(out)
    assert history.base.party_ids == ("North", "South")
    result = runner.invoke(agreement_cli, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    flat = "".join(result.output.split())
    for text in ("2026-11-20", history.base.content_hash, "North", "South", "S01", "S07"):
        assert text in flat
    again = runner.invoke(agreement_cli, ["init", "--line", str(DEMO_LINE), "--out", str(out)])
    assert again.exit_code != 0 and "exists" in again.output


def test_cli_validate_reports_errors(tmp_path: Path) -> None:
    doc = small_doc()
    doc["security_zone"] = {"width_km": -2.0}
    result = CliRunner().invoke(agreement_cli, ["validate", str(write(tmp_path, doc, "neg.yaml"))])
    assert result.exit_code == 1
    assert "neg.yaml: security_zone.width_km:" in result.output


def test_yaml_dump_is_deterministic() -> None:
    doc = small_doc()
    assert dump_agreement_yaml(doc) == dump_agreement_yaml(copy.deepcopy(doc))
