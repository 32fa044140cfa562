"""NASA FIRMS active-fire CSV (VIIRS 375 m and MODIS 1 km): thermal hotspots seen from space.

Driven by the header, because the files in circulation differ: the archive / NRT download and the
area API order the columns differently (``instrument`` last, or after ``satellite``), write
``acq_time`` as ``HH:MM:SS`` or as an unpadded ``HHMM`` integer (``42`` is 00:42), and give the
confidence as words (``nominal``), letters (``n``) or, for MODIS, a number 0–100. VIIRS carries
``bright_ti4`` / ``bright_ti5``, MODIS ``brightness`` / ``bright_t31``. FIRMS rows carry no id:
a hotspot is keyed by satellite, acquisition time and position; a row repeating one exactly is a
duplicate, one repeating the key with other values a conflict (quarantined).

A VIIRS I-4 brightness at the channel's saturation value (367 K) is kept and flagged
``saturated``: the fire is at least that hot, its FRP a lower bound.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from truceline.model.tables import HOTSPOTS, Columns
from truceline.sources.base import Format, FormatError, ReadResult, csv_header, csv_rows
from truceline.sources.tabular import Tally, number, text

CORE = ("latitude", "longitude", "acq_date", "acq_time", "satellite", "confidence")
LAYOUTS = {"VIIRS": ("bright_ti4", "bright_ti5"), "MODIS": ("brightness", "bright_t31")}
VIIRS_I4_SATURATION_K = 367.0
"""Where the VIIRS I-4 channel saturates (FIRMS VIIRS 375 m product description)."""
CLASSES = {"low": "low", "l": "low", "nominal": "nominal", "n": "nominal", "high": "high", "h": "high"}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _layout(header: list[str]) -> str | None:
    for name, (fire, _) in LAYOUTS.items():
        if fire in header:
            return name
    return None


def acq_seconds(value: str) -> int:
    """Seconds after midnight UTC of a FIRMS ``acq_time``: ``HH:MM[:SS]`` or ``HHMM`` (unpadded)."""
    m = _CLOCK.match(value)
    if m:
        hh, mm, ss = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    elif value.isdigit() and len(value) <= 4:
        padded = value.zfill(4)
        hh, mm, ss = int(padded[:2]), int(padded[2:]), 0
    else:
        raise ValueError(f"acq_time: {value!r} is neither HH:MM:SS nor HHMM")
    if hh > 23 or mm > 59 or ss > 59:
        raise ValueError(f"acq_time: {value!r} is not a time of day")
    return hh * 3600 + mm * 60 + ss


def confidence_class(value: str) -> tuple[str, float]:
    """(low | nominal | high, MODIS percentage or NaN) of a FIRMS ``confidence`` field."""
    word = value.strip().lower()
    if word in CLASSES:
        return CLASSES[word], float("nan")
    try:
        pct = float(word)
    except ValueError:
        raise ValueError(f"confidence: {value!r} is not low/nominal/high, l/n/h or 0-100") from None
    if not 0.0 <= pct <= 100.0:
        raise ValueError(f"confidence: {pct} outside [0, 100]")
    return ("low" if pct < 30 else "nominal" if pct < 80 else "high"), pct


def _day(value: str) -> float:
    try:
        d = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ValueError(f"acq_date: {value!r} is not YYYY-MM-DD") from None
    return d.timestamp()


def _parse(row: dict[str, str], layout: str) -> dict[str, object]:
    fire, background = LAYOUTS[layout]
    lat, lon = number(row, "latitude", -90, 90), number(row, "longitude", -180, 180)
    t = _day(row.get("acq_date", "")) + acq_seconds(row.get("acq_time", ""))
    sat = text(row, "satellite")
    instrument = (row.get("instrument") or layout).upper()
    if instrument not in LAYOUTS:
        raise ValueError(f"instrument: {row.get('instrument')!r} is not VIIRS or MODIS")
    cls, pct = confidence_class(row.get("confidence", ""))
    b4 = number(row, fire, 0, 1000)
    stamp = datetime.fromtimestamp(t, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return {"hotspot_id": f"{sat}-{stamp}-{lat:+.5f}{lon:+.5f}", "time": t, "lon": lon, "lat": lat,
            "instrument": instrument, "satellite": sat, "confidence": cls, "confidence_pct": pct,
            "brightness_k": b4, "brightness2_k": number(row, background, 0, 1000, optional=True),
            "frp_mw": number(row, "frp", 0, None, optional=True), "scan_km": number(row, "scan", 0, 50, optional=True),
            "track_km": number(row, "track", 0, 50, optional=True), "daynight": row.get("daynight", "").upper(),
            "saturated": instrument == "VIIRS" and b4 >= VIIRS_I4_SATURATION_K}


def read(path: Path, **_: object) -> ReadResult:
    """Read a FIRMS CSV of either instrument; every row accepted, a duplicate, or quarantined."""
    path = Path(path)
    header = csv_header(path)
    layout = _layout(header)
    if layout is None:
        raise FormatError(f"{path}: a FIRMS file needs bright_ti4 (VIIRS) or brightness (MODIS) in its header "
                          f"(found: {', '.join(header)})")
    required = CORE + (LAYOUTS[layout][0],)
    records: list[dict[str, object]] = []
    tally = Tally(str(path))
    for line, row in csv_rows(path, required):
        tally.received += 1
        if "__error__" in row:
            tally.refuse(line, row.pop("__error__"), row)
            continue
        try:
            rec = _parse(row, layout)
        except ValueError as exc:
            tally.refuse(line, str(exc), row)
            continue
        key, content = str(rec["hotspot_id"]), tuple(row[c] for c in header)
        if tally.repeated(key, content, line, row, lambda first: f"hotspot {key} conflicts with row {first}"):
            continue
        tally.accept(key, content, line)
        records.append(rec)
    table = Columns.from_rows(HOTSPOTS, records)
    order = np.lexsort((table["hotspot_id"].astype(str), table["time"]))
    return ReadResult("firms", str(path), table.take(order), None, tally.received, tally.duplicates,
                      tuple(tally.quarantine))


def can_read(path: Path) -> bool:
    path = Path(path)
    header = csv_header(path)
    return path.suffix.lower() in (".csv", ".txt") and set(CORE) <= set(header) and _layout(header) is not None


FORMAT = Format("firms", "NASA FIRMS active-fire hotspots, VIIRS 375 m or MODIS (CSV, any FIRMS layout)",
                "docs/formats.md#firms", can_read, read)
