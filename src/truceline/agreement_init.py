"""Build a complete default agreement from a contact line alone.

The first party holds the right-hand side walking the line from its first vertex to its last,
the second the left. Areas of control are single-sided buffers of the line (150 km by default)
in a local metric projection; sectors are equal stretches of about ``sector_km``; the security
zone, withdrawal distances and the rest take their defaults (Minsk II where it set one).

>>> doc = init_agreement([[37.0, 48.0], [38.0, 48.0]], effective_time="2026-11-20T00:00:00Z")
>>> [p["id"] for p in doc["parties"]], doc["sectors"][0]["name"]
(['A', 'B'], 'Sector 1 (km 0–75)')
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry import LineString, MultiLineString, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from truceline.geodesy import GeodesicLine, LocalProjection, as_line
from truceline.model.agreement import (FORMAT_VERSION, MINSK_II_WITHDRAWAL_KM, format_time,
                                       geometry_from_geojson, parse_time)

AREA_DEPTH_KM = 150.0
"""How far behind the line the default areas of control reach."""
SIMPLIFY_M = 1000.0
"""Tolerance for simplifying the default areas' far edges."""
SECURITY_ZONE_KM = 30.0
"""Default total width of the security zone."""


def read_line_geojson(path: str | Path) -> NDArray[np.float64]:
    """The contact line in a GeoJSON file as an ``(n, 2)`` lon/lat array.

    Accepts a FeatureCollection with one LineString or MultiLineString feature, a Feature, or
    a bare geometry; a MultiLineString must merge into one connected line.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{p.name}: cannot read the line file: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{p.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    try:
        geom = geometry_from_geojson(data)
    except ValueError as exc:
        raise ValueError(f"{p.name}: {exc}") from None
    if isinstance(geom, MultiLineString):
        geom = shapely.line_merge(geom)
    if not isinstance(geom, LineString):
        raise ValueError(f"{p.name}: expected one LineString (or a MultiLineString forming one connected line), "
                         f"got {geom.geom_type}")
    return as_line(np.asarray(geom.coords)[:, :2])


def party_areas(line_lonlat: ArrayLike, depth_km: float = AREA_DEPTH_KM,
                simplify_m: float = SIMPLIFY_M) -> tuple[BaseGeometry, BaseGeometry]:
    """(right-hand area, left-hand area) in lon/lat: the line's buffer split along the line.

    The buffer (round ends) is cut by the line, prolonged straight on beyond both ends. Both
    areas share the contact line's own vertices as their common border, so they do not
    overlap; only the far edges are simplified.
    """
    line = as_line(line_lonlat)
    gline = GeodesicLine(line)
    proj = gline.projection
    x, y = proj.to_xy(line[:, 0], line[:, 1])
    xy = np.column_stack([x, y])
    depth = depth_km * 1000.0
    band = LineString(xy).buffer(depth, quad_segs=16).simplify(simplify_m)
    reach = 1.5 * depth  # the line's ends are extended straight on until they leave the band
    cutter = LineString(np.vstack([_extend(xy[1], xy[0], reach), xy, _extend(xy[-2], xy[-1], reach)]))
    right: list[Polygon] = []
    left: list[Polygon] = []
    for piece in split(band, cutter).geoms:
        rp = piece.representative_point()
        lon, lat = proj.to_lonlat([rp.x], [rp.y])
        (right if gline.side(lon, lat)[0] > 0 else left).append(piece)
    if not right or not left:
        raise ValueError("could not split the areas of control along the line")
    return _to_lonlat(shapely.union_all(right), proj), _to_lonlat(shapely.union_all(left), proj)


def _extend(before: NDArray[np.float64], end: NDArray[np.float64], by: float) -> NDArray[np.float64]:
    direction = (end - before) / np.hypot(*(end - before))
    return np.asarray([end + by * direction])


def _to_lonlat(geom: BaseGeometry, proj: LocalProjection) -> BaseGeometry:
    def back(coords: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = proj.to_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.make_valid(shapely.transform(geom, back))


def default_sectors(length_km: float, sector_km: float = 50.0) -> list[dict[str, Any]]:
    """``n = max(1, round(length / sector_km))`` equal sectors ``S01``, ``S02`` … by chainage."""
    n = max(1, round(length_km / sector_km))
    edges = np.linspace(0.0, length_km, n + 1)
    return [{"id": f"S{i + 1:02d}", "name": f"Sector {i + 1} (km {edges[i]:.0f}–{edges[i + 1]:.0f})",
             "from_km": round(float(edges[i]), 3), "to_km": round(float(edges[i + 1]), 3)} for i in range(n)]


def init_agreement(line_lonlat: ArrayLike, *, party_ids: Sequence[str] = ("A", "B"),
                   party_names: Sequence[str] | None = None, sector_km: float = 50.0,
                   effective_time: datetime | str | None = None, name: str | None = None) -> dict[str, Any]:
    """A complete, valid agreement document (inline geometry) from a contact line alone."""
    if len(party_ids) != 2 or party_ids[0] == party_ids[1]:
        raise ValueError(f"need exactly two distinct party ids, got {list(party_ids)}")
    if sector_km <= 0:
        raise ValueError(f"sector length must be positive, got {sector_km}")
    names = list(party_names) if party_names is not None else [f"Party {p}" for p in party_ids]
    line = as_line(line_lonlat)
    when = parse_time(effective_time) if effective_time is not None else _this_hour()
    right, left = party_areas(line)
    doc = {
        "truceline_agreement": FORMAT_VERSION,
        "name": name or f"Ceasefire between {names[0]} and {names[1]}",
        "version": when.strftime("%Y-%m-%d"),
        "effective_time": format_time(when),
        "parties": [{"id": party_ids[0], "name": names[0], "area": mapping(right)},
                    {"id": party_ids[1], "name": names[1], "area": mapping(left)}],
        "contact_line": mapping(LineString(line)),
        "reference_lines": {},
        "security_zone": {"width_km": SECURITY_ZONE_KM},
        "sectors": default_sectors(GeodesicLine(line).length_m / 1000.0, sector_km),
        "disengagement_areas": [],
        "withdrawal_km": {w.value: km for w, km in MINSK_II_WITHDRAWAL_KM.items()},
        "storage_sites": [],
        "declared_activities": [],
    }
    from truceline.sources.agreement_yaml import history_from_document  # noqa: PLC0415

    return history_from_document(json.loads(json.dumps(doc)), "<init>").base.to_document()


def _this_hour() -> datetime:
    return datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
