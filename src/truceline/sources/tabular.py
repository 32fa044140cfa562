"""Row validation shared by the CSV formats: parse each field, quarantine what fails, drop duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from truceline.sources.base import Quarantined, csv_rows

Parser = Callable[[dict[str, str]], dict[str, object]]


def parse_rows(path: Path, columns: tuple[str, ...], key: str, parse: Parser):
    """Parse a CSV row by row.

    Returns ``(records, received, duplicates, quarantine)``. ``parse`` raises ``ValueError`` whose
    message names the field; a row whose key was already accepted with identical content counts as
    a duplicate, with different content it is quarantined as a conflict.
    """
    records: list[dict[str, object]] = []
    seen: dict[str, tuple[int, tuple[str, ...]]] = {}
    quarantine: list[Quarantined] = []
    received = duplicates = 0
    for line, row in csv_rows(path, columns):
        received += 1
        if "__error__" in row:
            quarantine.append(Quarantined(str(path), line, row.pop("__error__"), row))
            continue
        content = tuple(row[c] for c in columns)
        prior = seen.get(row[key])
        if prior is not None:
            if prior[1] == content:
                duplicates += 1
            else:
                quarantine.append(Quarantined(str(path), line, f"{key} {row[key]!r} conflicts with row {prior[0]}", row))
            continue
        try:
            records.append(parse(row))
        except ValueError as exc:
            quarantine.append(Quarantined(str(path), line, str(exc), row))
            continue
        seen[row[key]] = (line, content)
    return records, received, duplicates, quarantine


def number(row: dict[str, str], name: str, lo: float | None = None, hi: float | None = None,
           optional: bool = False) -> float:
    """A finite float from ``row[name]`` within [lo, hi]; errors name the field."""
    text = row.get(name, "")
    if text == "" and optional:
        return float("nan")
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name}: {text!r} is not finite")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ValueError(f"{name}: {value} outside [{lo}, {hi}]")
    return value


def text(row: dict[str, str], name: str) -> str:
    """A non-empty string field."""
    value = row.get(name, "")
    if not value:
        raise ValueError(f"{name}: empty")
    return value
