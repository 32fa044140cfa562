"""Drone observations as GeoJSON: weapon sightings (points) and flight coverage (footprints).

Two formats, told apart by their features' properties: ``drone-sightings`` (Point features with
``weapon_class`` and ``flight_id``) and ``drone-coverage`` (Polygon / MultiPolygon features with
``flight_id``, ``start`` and ``end``, from the flight logs). Feature by feature, as every reader
does: a bad feature is quarantined with its index and a reason naming the property, an exact
repeat counts as a duplicate, a repeated id with other content is a conflict; counts add up.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.validation import explain_validity

from truceline.geodesy import GEOD
from truceline.model.agreement import parse_weapon_class
from truceline.model.tables import FLIGHT_COVERAGE, SIGHTINGS, Columns, Contract
from truceline.model.timefmt import from_iso
from truceline.sources.base import Format, FormatError, ReadResult
from truceline.sources.tabular import Tally

_HEX64 = re.compile(r"^(sha256:)?([0-9a-fA-F]{64})$")


def _features(path: Path) -> list[Any]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormatError(f"{path}: not readable as GeoJSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise FormatError(f"{path}: expected a GeoJSON FeatureCollection with a 'features' list")
    return doc["features"]


def _props(feature: Any) -> dict[str, Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValueError("not a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise ValueError("properties: missing or not an object")
    return props


def _time(props: dict[str, Any], name: str) -> float:
    try:
        return from_iso(str(props.get(name, "")))
    except ValueError as exc:
        raise ValueError(f"{name}: {props.get(name)!r} is not an ISO 8601 UTC time ({exc})") from None


def _text(props: dict[str, Any], name: str, required: bool = True) -> str:
    value = props.get(name)
    if value is None or str(value).strip() == "":
        if required:
            raise ValueError(f"{name}: missing or empty")
        return ""
    return str(value).strip()


def _sighting(feature: Any, index: int) -> dict[str, object]:
    props = _props(feature)
    geom = feature.get("geometry") or {}
    if geom.get("type") != "Point":
        raise ValueError(f"geometry: a sighting is a Point, got {geom.get('type')!r}")
    coords = geom.get("coordinates")
    if not isinstance(coords, list) or len(coords) < 2 or not all(isinstance(c, (int, float)) for c in coords[:2]):
        raise ValueError("geometry.coordinates: expected [lon, lat]")
    lon, lat = float(coords[0]), float(coords[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"geometry.coordinates: ({lon}, {lat}) is not a WGS 84 lon/lat")
    try:
        wclass = parse_weapon_class(props.get("weapon_class")).value
    except ValueError as exc:
        raise ValueError(f"weapon_class: {exc}") from None
    try:
        conf = float(props.get("confidence"))
    except (TypeError, ValueError):
        raise ValueError(f"confidence: {props.get('confidence')!r} is not a number") from None
    if not 0.0 <= conf <= 1.0:
        raise ValueError(f"confidence: {conf} outside [0, 1]")
    digest = _HEX64.match(_text(props, "image_hash"))
    if digest is None:
        raise ValueError(f"image_hash: {props.get('image_hash')!r} is not a sha256 (64 hex digits)")
    flight = _text(props, "flight_id")
    ident = _text(props, "sighting_id", required=False) or str(feature.get("id") or f"{flight}-{index}")
    return {"sighting_id": ident, "time": _time(props, "time"), "lon": lon, "lat": lat, "weapon_class": wclass,
            "confidence": conf, "image_hash": digest.group(2).lower(), "image_ref": _text(props, "image_ref", False),
            "flight_id": flight, "serial": _text(props, "serial", False)}


def _footprint(feature: Any, index: int) -> dict[str, object]:
    props = _props(feature)
    try:
        geom = shape(feature.get("geometry"))
    except (AttributeError, TypeError, ValueError, shapely.errors.GeometryTypeError) as exc:
        raise ValueError(f"geometry: not a GeoJSON geometry ({exc})") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"geometry: a footprint is a Polygon or MultiPolygon, got {geom.geom_type}")
    if geom.is_empty or not geom.is_valid:
        raise ValueError(f"geometry: invalid footprint ({explain_validity(geom)})")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValueError("geometry: coordinates are not WGS 84 lon/lat")
    start, end = _time(props, "start"), _time(props, "end")
    if end < start:
        raise ValueError(f"end: {props.get('end')!r} is before start {props.get('start')!r}")
    flight = _text(props, "flight_id")
    area, _ = GEOD.geometry_area_perimeter(geom)
    ident = str(feature.get("id") or _text(props, "footprint_id", False) or f"{flight}-{index}")
    return {"footprint_id": ident, "flight_id": flight, "start": start, "end": end, "footprint": geom,
            "area_km2": abs(area) / 1e6}


def _read(path: Path, name: str, contract: Contract, parse: Callable[[Any, int], dict[str, object]]) -> ReadResult:
    features = _features(path)
    records: list[dict[str, object]] = []
    tally = Tally(str(path), received=len(features))
    id_name = contract.names[0]
    for k, feature in enumerate(features):
        raw = json.dumps(feature, sort_keys=True)
        record = {"feature": raw}
        try:
            rec = parse(feature, k)
        except ValueError as exc:
            tally.refuse(k, f"feature {k}: {exc}", record)
            continue
        key = str(rec[id_name])
        if tally.repeated(key, raw, k, record,
                          lambda first: f"feature {k}: {id_name} {key!r} conflicts with feature {first}"):
            continue
        tally.accept(key, raw, k)
        records.append(rec)
    table = Columns.from_rows(contract, records)
    when = table["time"] if "time" in table else table["start"]
    table = table.take(np.lexsort((table[id_name].astype(str), when)))
    return ReadResult(name, str(path), table, None, tally.received, tally.duplicates, tuple(tally.quarantine))


def _first_props(path: Path) -> dict[str, Any]:
    if Path(path).suffix.lower() not in (".geojson", ".json"):
        return {}
    try:
        feats = _features(path)
    except FormatError:
        return {}
    for f in feats:
        if isinstance(f, dict) and isinstance(f.get("properties"), dict):
            return f["properties"]
    return {}


def read_sightings(path: Path, **_: object) -> ReadResult:
    """Drone weapon sightings (``SIGHTINGS``)."""
    return _read(Path(path), "drone-sightings", SIGHTINGS, _sighting)


def read_coverage(path: Path, **_: object) -> ReadResult:
    """Drone flight footprints (``FLIGHT_COVERAGE``)."""
    return _read(Path(path), "drone-coverage", FLIGHT_COVERAGE, _footprint)


SIGHTINGS_FORMAT = Format(
    "drone-sightings", "Drone weapon sightings (GeoJSON points: time, class, confidence, image hash, flight)",
    "docs/formats.md#drone-sightings",
    lambda p: {"weapon_class", "flight_id"} <= set(_first_props(p)), read_sightings)
COVERAGE_FORMAT = Format(
    "drone-coverage", "Drone flight coverage (GeoJSON footprint polygons with start and end times)",
    "docs/formats.md#drone-coverage",
    lambda p: {"flight_id", "start", "end"} <= set(_first_props(p)), read_coverage)
