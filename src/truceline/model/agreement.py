"""The agreement as data: parties, lines, zones, withdrawal distances, declared sites.

Strict pydantic 2 models (``extra="forbid"``, frozen). Geometries are shapely objects in lon/lat
WGS84, built from inline GeoJSON mappings (file paths are resolved by
:mod:`truceline.sources.agreement_yaml` before validation). Validation failures are raised as
:class:`AgreementError`, whose message names the file, the field path and the reason. The
format is documented in ``docs/agreement.md``.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Final, Literal, Sequence

import numpy as np
import shapely
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer,
                      model_validator)
from pydantic_core import PydanticCustomError
from shapely.geometry import LineString, MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry


FORMAT_VERSION: Final = 1
COORDINATE_DECIMALS: Final = 7  # rounding of coordinates in documents and the content hash
AREA_TOLERANCE_DEG: Final = 1e-4  # about 10 m: slack for "inside the parties' areas"
OVERLAP_TOLERANCE: Final = 1e-4  # share of the smaller party area that may overlap another


class WeaponClass(StrEnum):
    """Heavy-weapon classes with withdrawal distances (Minsk II and its 2015 addendum)."""

    MORTAR = "mortar"
    TUBE_ARTILLERY = "tube_artillery"
    MLRS = "mlrs"
    HEAVY_MLRS = "heavy_mlrs"
    TACTICAL_MISSILE = "tactical_missile"


WEAPON_CLASS_ALIASES: Final[dict[str, WeaponClass]] = {"artillery": WeaponClass.TUBE_ARTILLERY}
MINSK_II_WITHDRAWAL_KM: Final[dict[WeaponClass, float]] = {
    WeaponClass.MORTAR: 15.0,
    WeaponClass.TUBE_ARTILLERY: 50.0,
    WeaponClass.MLRS: 70.0,
    WeaponClass.HEAVY_MLRS: 140.0,
    WeaponClass.TACTICAL_MISSILE: 140.0,
}


class ActivityKind(StrEnum):
    """Kinds of declared non-military explosive activity."""

    QUARRY_BLASTING = "quarry_blasting"
    CONTROLLED_DEMOLITION = "controlled_demolition"
    ORDNANCE_DISPOSAL = "ordnance_disposal"


def parse_weapon_class(value: object) -> WeaponClass:
    """A :class:`WeaponClass` from its value or an alias; the error lists the known classes."""
    if isinstance(value, WeaponClass):
        return value
    if isinstance(value, str):
        key = value.strip().lower()
        if key in WEAPON_CLASS_ALIASES:
            return WEAPON_CLASS_ALIASES[key]
        if key in WeaponClass._value2member_map_:
            return WeaponClass(key)
    known = ", ".join(w.value for w in WeaponClass)
    aliases = ", ".join(f"{a} = {w.value}" for a, w in WEAPON_CLASS_ALIASES.items())
    raise ValueError(f"unknown weapon class {value!r}; known classes: {known} (aliases: {aliases})")


def fail(*issues: tuple[str, str]) -> PydanticCustomError:
    """A validation error carrying ``(field path, reason)`` pairs relative to the model."""
    text = "\n".join(f"{path}\t{reason}" for path, reason in issues)
    return PydanticCustomError("agreement", "{issues}", {"issues": text})


# --------------------------------------------------------------------------- value types

def parse_time(value: object) -> datetime:
    """An aware UTC datetime from an ISO 8601 string (``Z`` or an offset) or an aware datetime."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"bad time {value!r}: expected ISO 8601 such as 2026-11-20T00:00:00Z") from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise ValueError(f"bad time {value!r}: expected an ISO 8601 string such as 2026-11-20T00:00:00Z")
    if parsed.tzinfo is None:
        raise ValueError(f"time {value!s} has no time zone: add Z for UTC (2026-11-20T00:00:00Z)")
    return parsed.astimezone(timezone.utc)


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix."""
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_daily_window(value: object) -> str:
    """Check an ``"HH:MM-HH:MM"`` UTC time-of-day window (may wrap midnight); returns it normalised."""
    if isinstance(value, str):
        parts = value.replace(" ", "").split("-")
        try:
            start, end = (_minutes_of_day(p) for p in parts) if len(parts) == 2 else (None, None)
        except ValueError:
            start = end = None
        if start is not None and end is not None and start != end:
            return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
    raise ValueError(f"bad daily window {value!r}: expected 'HH:MM-HH:MM' in UTC, e.g. '08:00-10:00'")


def _minutes_of_day(text: str) -> int:
    hh, mm = text.split(":")
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60 and h * 60 + m <= 1440):
        raise ValueError(text)
    return h * 60 + m


def daily_window_seconds(window: str) -> tuple[int, int]:
    """Start and end of a daily window in seconds after midnight UTC."""
    start, end = (_minutes_of_day(p) * 60 for p in window.split("-"))
    return start, end


def geometry_from_geojson(value: object) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry, Feature or one-feature FeatureCollection."""
    if isinstance(value, BaseGeometry):
        return value
    if not isinstance(value, dict) or "type" not in value:
        raise ValueError("expected a GeoJSON geometry mapping (with 'type' and 'coordinates') or a file path")
    if value["type"] == "FeatureCollection":
        feats = value.get("features") or []
        if len(feats) != 1:
            raise ValueError(f"a FeatureCollection here must hold exactly one feature, found {len(feats)}")
        value = feats[0]
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
    try:
        geom = shape(value)
    except Exception as exc:  # shapely raises several types for malformed input
        raise ValueError(f"malformed GeoJSON geometry: {exc}") from None
    bounds = geom.bounds
    if geom.is_empty or not (-180 <= bounds[0] and bounds[2] <= 180 and -90 <= bounds[1] and bounds[3] <= 90):
        raise ValueError("geometry is empty or has coordinates outside lon [-180, 180], lat [-90, 90]")
    return geom


def geometry_to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON mapping with coordinates rounded to ``COORDINATE_DECIMALS`` (lists, not tuples)."""
    rounded = shapely.transform(geom, lambda c: np.round(c, COORDINATE_DECIMALS))
    return dict(json.loads(json.dumps(mapping(rounded))))


def _to_line(value: object) -> LineString:
    geom = geometry_from_geojson(value)
    if not isinstance(geom, LineString):
        raise ValueError(f"expected a LineString, got {geom.geom_type}")
    if len(geom.coords) < 2 or geom.length == 0:
        raise ValueError("a line needs at least two distinct vertices")
    if not geom.is_simple:
        where = _self_intersection(geom)
        raise ValueError(f"line intersects itself near lon {where[0]:.5f}, lat {where[1]:.5f}")
    return geom


def _self_intersection(line: LineString) -> tuple[float, float]:
    coords = np.asarray(line.coords)
    segs = shapely.linestrings(np.stack([coords[:-1], coords[1:]], axis=1))
    left, right = shapely.STRtree(segs).query(segs, predicate="intersects")
    far = right > left + 1
    if np.any(far):
        point = shapely.intersection(segs[left[far][0]], segs[right[far][0]]).representative_point()
        return point.x, point.y
    return float(coords[0, 0]), float(coords[0, 1])  # overlapping adjacent segments


def _to_area(value: object) -> Polygon | MultiPolygon:
    geom = geometry_from_geojson(value)
    if not isinstance(geom, (Polygon, MultiPolygon)):
        raise ValueError(f"expected a Polygon or MultiPolygon, got {geom.geom_type}")
    if not geom.is_valid:
        raise ValueError(f"invalid polygon: {shapely.is_valid_reason(geom)}")
    return geom


_GEOJSON = PlainSerializer(geometry_to_geojson, return_type=dict)
Line = Annotated[LineString, BeforeValidator(_to_line), _GEOJSON]
Area = Annotated[Polygon | MultiPolygon, BeforeValidator(_to_area), _GEOJSON]
UtcTime = Annotated[datetime, BeforeValidator(parse_time), PlainSerializer(format_time, return_type=str)]
DailyWindow = Annotated[str, BeforeValidator(parse_daily_window)]
WeaponKey = Annotated[WeaponClass, BeforeValidator(parse_weapon_class)]
Id = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, arbitrary_types_allowed=True)


def _items(default: Any = ()) -> Any:
    """A list-of-items field: YAML lists are accepted for tuples; items stay strict."""
    return Field(default=default, strict=False)


# --------------------------------------------------------------------------- the nouns

class Party(_Model):
    """A party to the agreement and the area it controls."""

    id: Id
    name: str
    area: Area


class SecurityZone(_Model):
    """The security zone: ``width_km`` in total, centred on the contact line."""

    width_km: float = Field(default=30.0, gt=0)


class Sector(_Model):
    """A named stretch of the contact line by chainage (geodesic km from its first vertex)."""

    id: Id
    name: str
    from_km: float = Field(ge=0)
    to_km: float

    @model_validator(mode="after")
    def _ordered(self) -> "Sector":
        if self.to_km <= self.from_km:
            raise fail(("to_km", f"must be greater than from_km ({self.to_km:g} <= {self.from_km:g})"))
        return self


class DisengagementArea(_Model):
    """An area from which both parties withdraw forces."""

    id: Id
    name: str
    area: Area


class StorageSite(_Model):
    """A declared storage site of withdrawn weapons, with its inventory (pieces per class) and,
    where declared, the serial numbers of the pieces."""

    id: Id
    party: str
    name: str
    lon: Lon
    lat: Lat
    radius_m: float = Field(default=300.0, gt=0)
    inventory: dict[WeaponKey, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    serials: dict[WeaponKey, Annotated[tuple[str, ...], Field(strict=False)]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _serials_fit(self) -> "StorageSite":
        for k, ids in self.serials.items():
            if len(ids) > self.inventory.get(k, 0):
                raise fail((f"serials.{k.value}", f"{len(ids)} serials declared for {self.inventory.get(k, 0)} pieces"))
        return self

    @property
    def declared(self) -> int:
        """Pieces declared at the site, all classes."""
        return int(sum(self.inventory.values()))


class TimeWindow(_Model):
    """A dated window ``[start, end)``."""

    start: UtcTime
    end: UtcTime

    @model_validator(mode="after")
    def _ordered(self) -> "TimeWindow":
        if self.end <= self.start:
            raise fail(("end", f"window ends ({format_time(self.end)}) before it starts ({format_time(self.start)})"))
        return self


class DeclaredActivity(_Model):
    """Declared non-military blasting: active within ``radius_m`` of the site in any window."""

    id: Id
    kind: ActivityKind = Field(strict=False)
    party: str
    name: str
    lon: Lon
    lat: Lat
    radius_m: float = Field(gt=0)
    windows: tuple[TimeWindow, ...] = _items()
    daily_utc: tuple[DailyWindow, ...] = _items()

    @model_validator(mode="after")
    def _has_window(self) -> "DeclaredActivity":
        if not self.windows and not self.daily_utc:
            raise fail(("windows", "a declared activity needs at least one window or daily_utc window"))
        return self


class Amendment(_Model):
    """A dated change: ``changes`` are deep-merged onto the base from ``effective_from`` on."""

    version: str = Field(min_length=1)
    effective_from: UtcTime
    note: str = ""
    changes: dict[str, Any]


class Agreement(_Model):
    """One resolved version of the agreement (amendments already applied)."""

    truceline_agreement: Literal[1]
    name: str
    version: str = Field(min_length=1)
    effective_time: UtcTime
    parties: tuple[Party, ...] = Field(min_length=2, strict=False)
    contact_line: Line
    reference_lines: dict[str, Line] = Field(default_factory=dict)
    security_zone: SecurityZone = SecurityZone()
    sectors: tuple[Sector, ...] = _items()
    disengagement_areas: tuple[DisengagementArea, ...] = _items()
    withdrawal_km: dict[WeaponKey, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: dict(MINSK_II_WITHDRAWAL_KM))
    storage_sites: tuple[StorageSite, ...] = _items()
    declared_activities: tuple[DeclaredActivity, ...] = _items()

    @model_validator(mode="after")
    def _consistent(self) -> "Agreement":
        from truceline.model.agreement_checks import check_agreement
        issues = check_agreement(self)
        if issues:
            raise fail(*issues)
        return self

    def __hash__(self) -> int:
        return hash(self.content_hash)

    @property
    def party_ids(self) -> tuple[str, ...]:
        """Party ids in document order (the first holds the right-hand side of the line)."""
        return tuple(p.id for p in self.parties)

    def party(self, party_id: str) -> Party:
        """The party with this id (``KeyError`` naming the known ids otherwise)."""
        for p in self.parties:
            if p.id == party_id:
                return p
        raise KeyError(f"unknown party {party_id!r}; parties are {', '.join(self.party_ids)}")

    def reference_line(self, party_id: str) -> LineString:
        """The line a party's withdrawal distances are measured from (its own, or the contact line)."""
        self.party(party_id)
        return self.reference_lines.get(party_id, self.contact_line)

    def withdrawal_distance_km(self, weapon_class: str | WeaponClass) -> float:
        """Withdrawal distance for a class (aliases accepted; Minsk II default if not set)."""
        wc = parse_weapon_class(weapon_class)
        return self.withdrawal_km.get(wc, MINSK_II_WITHDRAWAL_KM[wc])

    def to_document(self) -> dict[str, Any]:
        """The agreement as a plain JSON/YAML document (inline GeoJSON, ISO times, all defaults)."""
        doc = self.model_dump(mode="json")
        doc["withdrawal_km"] = {w.value: self.withdrawal_distance_km(w) for w in WeaponClass}
        return doc

    @cached_property
    def content_hash(self) -> str:
        """sha256 hex of the canonical JSON of :meth:`to_document` (sorted keys, compact)."""
        text = json.dumps(self.to_document(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- history & errors

@dataclass(frozen=True)
class AgreementHistory:
    """All dated versions of one agreement, oldest first; ``at(t)`` gives the one in force."""

    versions: tuple[Agreement, ...]
    source: str = "<agreement>"

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("an agreement history needs at least one version")

    @property
    def base(self) -> Agreement:
        return self.versions[0]

    @property
    def latest(self) -> Agreement:
        return self.versions[-1]

    def at(self, t: datetime | float) -> Agreement:
        """The version in force at ``t`` (aware datetime or epoch seconds); the base before it starts."""
        ts = parse_time(t).timestamp() if isinstance(t, datetime) else float(t)
        starts = [v.effective_time.timestamp() for v in self.versions]
        return self.versions[max(0, bisect_right(starts, ts) - 1)]

    def version(self, label: str) -> Agreement:
        """The version with this label."""
        for v in self.versions:
            if v.version == label:
                return v
        raise KeyError(f"no version {label!r}; versions are {', '.join(v.version for v in self.versions)}")


@dataclass(frozen=True)
class Issue:
    """One thing wrong with an agreement: where (a field path) and why."""

    path: str
    reason: str


class AgreementError(ValueError):
    """A bad agreement. One line per issue: ``FILE: FIELD.PATH: reason``."""

    def __init__(self, source: str, issues: Sequence[Issue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        super().__init__("\n".join(f"{source}: {i.path}: {i.reason}" if i.path else f"{source}: {i.reason}"
                                   for i in self.issues))
