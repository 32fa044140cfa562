"""``sensors.csv``: where each acoustic sensor stands and who contributes it (see docs/formats.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from truceline.model.tables import SENSORS, Columns
from truceline.sources.base import Format, ReadResult, csv_looks_like
from truceline.sources.tabular import number, parse_rows, text

COLUMNS = SENSORS.names


def _parse(row: dict[str, str]) -> dict[str, object]:
    return {"sensor_id": text(row, "sensor_id"), "lon": number(row, "lon", -180, 180),
            "lat": number(row, "lat", -90, 90), "elevation_m": number(row, "elevation_m", -500, 9000, optional=True),
            "owner": row.get("owner", "")}


def read(path: Path, **_: object) -> ReadResult:
    """Read a sensor file; malformed and conflicting rows go to quarantine."""
    path = Path(path)
    records, received, duplicates, quarantine = parse_rows(path, COLUMNS, "sensor_id", _parse)
    data = {c: np.array([r[c] for r in records], dtype=object if c in ("sensor_id", "owner") else float)
            for c in COLUMNS}
    table = Columns.conform(SENSORS, data) if records else Columns.empty(SENSORS)
    return ReadResult("sensors-csv", str(path), table, None, received, duplicates, tuple(quarantine))


def can_read(path: Path) -> bool:
    return csv_looks_like(Path(path), ("sensor_id", "lon", "lat")) and "time" not in _header(path)


def _header(path: Path) -> list[str]:
    from truceline.sources.base import csv_header
    return csv_header(Path(path))


FORMAT = Format("sensors-csv", "Acoustic sensor positions and owners (CSV)", "docs/formats.md#sensorscsv",
                can_read, read)
