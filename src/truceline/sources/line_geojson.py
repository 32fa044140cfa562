"""A contact line as GeoJSON (a LineString feature): the input of ``truceline agreement init``."""

from __future__ import annotations

import json
from pathlib import Path

from truceline.agreement_init import read_line_geojson
from truceline.sources.base import Format, ReadResult


def can_read(path: Path) -> bool:
    if Path(path).suffix.lower() not in (".geojson", ".json"):
        return False
    try:
        text = Path(path).read_text(encoding="utf-8")
        return "LineString" in text and json.loads(text) is not None
    except (OSError, ValueError):
        return False


def read(path: Path, **_: object) -> ReadResult:
    """The line's (lon, lat) vertices as an (n, 2) array."""
    return ReadResult("line-geojson", str(path), None, read_line_geojson(path), received=1)


FORMAT = Format("line-geojson", "A contact line (GeoJSON LineString, WGS 84 lon/lat)", "docs/formats.md#line-geojson",
                can_read, read)
