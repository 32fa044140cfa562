"""``picks.csv``: acoustic arrival picks as sensors report them (see docs/formats.md).

Rows are validated one by one: malformed rows and picks from sensors not in the sensor table go to
quarantine with their line number and reason, exact duplicates are counted and dropped, and late
rows (delivered out of order) are put back in time order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from truceline.model.tables import PICKS, Columns
from truceline.model.timefmt import from_iso
from truceline.sources.base import Format, ReadResult, csv_looks_like
from truceline.sources.tabular import number, parse_rows, text

COLUMNS = PICKS.names
KINDS = ("launch", "impact", "unknown")


def _time(row: dict[str, str], name: str) -> float:
    try:
        return from_iso(row.get(name, ""))
    except ValueError as exc:
        raise ValueError(f"{name}: {row.get(name, '')!r} is not an ISO 8601 UTC time ({exc})") from None


def _parser(sensor_ids: frozenset[str] | None):
    def parse(row: dict[str, str]) -> dict[str, object]:
        sensor = text(row, "sensor_id")
        if sensor_ids is not None and sensor not in sensor_ids:
            raise ValueError(f"sensor_id: {sensor!r} is not in the sensor file")
        kind = row.get("kind", "").lower()
        if kind not in KINDS:
            raise ValueError(f"kind: {row.get('kind', '')!r} is not one of {', '.join(KINDS)}")
        return {"pick_id": text(row, "pick_id"), "sensor_id": sensor, "time": _time(row, "time"), "kind": kind,
                "snr": number(row, "snr", -50, 200), "amplitude": number(row, "amplitude", 0, None),
                "received_at": _time(row, "received_at")}
    return parse


def read(path: Path, sensor_ids: frozenset[str] | set[str] | None = None, **_: object) -> ReadResult:
    """Read picks; ``sensor_ids`` (when given) quarantines picks from unknown sensors."""
    path = Path(path)
    ids = frozenset(sensor_ids) if sensor_ids is not None else None
    records, received, duplicates, quarantine = parse_rows(path, COLUMNS, "pick_id", _parser(ids))
    if not records:
        return ReadResult("picks-csv", str(path), Columns.empty(PICKS), None, received, duplicates, tuple(quarantine))
    data = {c: np.array([r[c] for r in records], dtype=object if c in ("pick_id", "sensor_id", "kind") else float)
            for c in COLUMNS}
    table = Columns.conform(PICKS, data)
    order = np.lexsort((table["pick_id"].astype(str), table["time"]))
    return ReadResult("picks-csv", str(path), table.take(order), None, received, duplicates, tuple(quarantine))


def can_read(path: Path) -> bool:
    return csv_looks_like(Path(path), ("pick_id", "sensor_id", "time"))


FORMAT = Format("picks-csv", "Acoustic arrival picks (CSV, ISO 8601 UTC times)", "docs/formats.md#pickscsv",
                can_read, read)
