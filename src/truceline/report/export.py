"""Event exports: CSV (and its reader) and GeoJSON, following the ``EVENTS`` column contract.

CSV: one row per event, columns exactly in contract order, times as ISO 8601 UTC with
milliseconds, floats rounded to what they can honestly claim (lon/lat 6 dp ≈ 0.1 m, metres
1 dp, seconds 3 dp, probabilities 3 dp), NaN as an empty cell, booleans as ``true``/``false``.
:func:`read_events_csv` is the inverse (up to that rounding).

GeoJSON: an RFC 7946 FeatureCollection of Points in WGS 84 lon/lat (no ``crs`` member), every
contract column carried as a property, NaN as ``null``; opens in QGIS as it is.

>>> write_events_csv(events, "events.csv")          # doctest: +SKIP
>>> read_events_csv("events.csv")["event_id"]       # doctest: +SKIP
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from truceline.model.tables import EVENTS, PICK_ASSIGNMENTS, Column, Columns, Contract
from truceline.model.timefmt import from_iso, to_iso

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def _decimals(col: Column) -> int:
    """Decimal places a float column is written with."""
    if col.name in ("lon", "lat"):
        return 6
    if col.unit == "m":
        return 1
    if col.unit == "degree":
        return 1
    return 3  # seconds (ms) and unitless probabilities


def _format_cell(col: Column, value: Any) -> str:
    """One value as CSV text according to its contract column."""
    if col.dtype in ("float", "time"):
        v = float(value)
        if math.isnan(v):
            return ""
        return to_iso(v) if col.dtype == "time" else f"{round(v, _decimals(col)):.{_decimals(col)}f}"
    if col.dtype == "bool":
        return "true" if bool(value) else "false"
    if col.dtype == "int":
        return str(int(value))
    return "" if value is None else str(value)


def _check_columns(events: Columns) -> None:
    missing = [n for n in EVENTS.names if n not in events]
    if missing:
        raise ValueError(f"events table lacks contract columns {missing}")


def write_events_csv(events: Columns, path: str | Path) -> None:
    """Write events as CSV with the ``EVENTS`` columns in contract order (UTF-8, header row)."""
    _check_columns(events)
    write_table_csv(events, path, EVENTS)


def write_table_csv(table: Columns, path: str | Path, contract: Contract = PICK_ASSIGNMENTS) -> None:
    """Write any contract's table as CSV, its columns in contract order (UTF-8, header row)."""
    cols = contract.columns
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(contract.names)
        for i in range(len(table)):
            writer.writerow([_format_cell(c, table[c.name][i]) for c in cols])


def _parse_float(text: str) -> float:
    return math.nan if text.strip() == "" else float(text)


def _parse_int(text: str) -> int:
    return int(text.strip())


def _parse_bool(text: str) -> bool:
    key = text.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


_PARSERS: dict[str, Callable[[str], Any]] = {
    "float": _parse_float, "time": from_iso, "int": _parse_int, "bool": _parse_bool, "str": str,
}


def read_events_csv(path: str | Path) -> Columns:
    """Read an events CSV written by :func:`write_events_csv` back into an ``EVENTS`` table.

    Raises ``ValueError`` naming the file, the line and the column of the first bad cell, or
    the missing columns of a bad header. Extra columns are ignored. A file written before events
    carried ``attribution_grade`` is read with the grade derived from ``attribution_p``; one
    written before ``kind_basis`` with that column empty.
    """
    return read_table_csv(path, EVENTS)


def _grade(table: Columns) -> np.ndarray:
    from truceline.verify.incidents import attribution_grade
    return attribution_grade(table["attribution_p"])


def _empty(table: Columns) -> np.ndarray:
    return np.full(len(table), "", dtype=object)


_LATER: dict[str, dict[str, tuple[tuple[str, ...], Callable[[Columns], np.ndarray]]]] = {
    "events": {"attribution_grade": (("attribution_p",), _grade), "kind_basis": ((), _empty)},
    "engagements": {"opener_basis": ((), _empty)},
}
"""Per contract, the columns its files gained after some were written: the columns each is
derived from (which the older file must have) and how an older file's rows get it."""


def read_table_csv(path: str | Path, contract: Contract) -> Columns:
    """Read any contract's CSV written by :func:`write_table_csv` (errors as :func:`read_events_csv`);
    a file written before a column of ``_LATER`` existed reads with that column derived or empty."""
    p = Path(path)
    with p.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise ValueError(f"{p}: empty file, expected a header row with {', '.join(contract.names)}")
        header = [h.strip() for h in header]
        later = _later(contract, header)
        present = Contract(contract.name, tuple(c for c in contract.columns if c.name not in later))
        missing = [n for n in present.names if n not in header]
        if missing:
            raise ValueError(f"{p}: line 1: missing columns {', '.join(missing)}")
        index = {c.name: header.index(c.name) for c in present.columns}
        values: dict[str, list[Any]] = {n: [] for n in present.names}
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            _read_row(p, reader.line_num, row, index, values, present)
    if not values[present.names[0]]:
        return Columns.empty(contract)
    data = {c.name: np.array(values[c.name], dtype=object if c.dtype == "str" else None)
            for c in present.columns}
    return with_later_columns(Columns.conform(present, data), contract)


def with_later_columns(table: Columns, contract: Contract) -> Columns:
    """``table`` with the columns of ``contract`` it lacks because it was made before they existed
    (``_LATER``: derived, or empty) filled in, conformed to ``contract``; a table stored by an
    older version reads like a new one."""
    later = _later(contract, table.names)
    return Columns.conform(contract, {**table.data, **{n: fill(table) for n, fill in later.items()}})


def _later(contract: Contract, names: Iterable[str]) -> dict[str, Callable[[Columns], np.ndarray]]:
    """The columns of ``_LATER`` a table with columns ``names`` lacks and can be given."""
    have = set(names)
    return {n: fill for n, (needs, fill) in _LATER.get(contract.name, {}).items()
            if n not in have and have.issuperset(needs)}


def _read_row(p: Path, line: int, row: list[str], index: dict[str, int], values: dict[str, list[Any]],
              contract: Contract) -> None:
    """Parse one CSV row into ``values``; a bad cell raises naming file, line and column."""
    if max(index.values()) >= len(row):
        raise ValueError(f"{p}: line {line}: expected {max(index.values()) + 1} cells, found {len(row)}")
    for col in contract.columns:
        text = row[index[col.name]]
        try:
            values[col.name].append(_PARSERS[col.dtype](text))
        except ValueError as exc:
            raise ValueError(f"{p}: line {line}, column {col.name!r}: bad value {text!r} ({exc})") from None


def json_value(col: Column, value: Any) -> Any:
    """A contract value as a JSON scalar (NaN as null, times as ISO text, rounded floats)."""
    if col.dtype in ("float", "time"):
        v = float(value)
        if math.isnan(v):
            return None
        return to_iso(v) if col.dtype == "time" else round(v, _decimals(col))
    if col.dtype == "bool":
        return bool(value)
    if col.dtype == "int":
        return int(value)
    return "" if value is None else str(value)


def to_feature_collection(events: Columns) -> dict[str, Any]:
    """Events as an RFC 7946 GeoJSON FeatureCollection mapping (see :func:`write_events_geojson`)."""
    _check_columns(events)
    features = []
    for i in range(len(events)):
        props = {c.name: json_value(c, events[c.name][i]) for c in EVENTS.columns}
        lon, lat = props["lon"], props["lat"]
        geometry = None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}
        features.append({"type": "Feature", "id": props["event_id"], "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def write_events_geojson(events: Columns, path: str | Path) -> None:
    """Write events as an RFC 7946 GeoJSON FeatureCollection of Points with all contract properties."""
    doc = to_feature_collection(events)
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    Path(path).write_text(text + "\n", encoding="utf-8")
