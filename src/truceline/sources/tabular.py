"""Row validation shared by the CSV formats: parse each field, quarantine what fails, drop duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Hashable

from truceline.sources.base import Quarantined, csv_rows

Parser = Callable[[dict[str, str]], dict[str, object]]


@dataclass
class Tally:
    """One file's accounting, shared by every reader: what was refused (with where and why), and
    which keys were accepted with which content, so that a repeat is an exact duplicate (counted)
    or a conflict (refused, the first delivery standing)."""

    source: str
    received: int = 0
    duplicates: int = 0
    quarantine: list[Quarantined] = field(default_factory=list)
    _seen: dict[str, tuple[int, Hashable]] = field(default_factory=dict)

    def refuse(self, where: int, reason: str, record: dict) -> None:
        self.quarantine.append(Quarantined(self.source, where, reason, record))

    def repeated(self, key: str, content: Hashable, where: int, record: dict,
                 conflict: Callable[[int], str]) -> bool:
        """True when ``key`` was accepted before: counted as a duplicate when ``content`` is the
        same, else refused with ``conflict(first_place)`` as the reason."""
        prior = self._seen.get(key)
        if prior is None:
            return False
        if prior[1] == content:
            self.duplicates += 1
        else:
            self.refuse(where, conflict(prior[0]), record)
        return True

    def accept(self, key: str, content: Hashable, where: int) -> None:
        self._seen[key] = (where, content)


def parse_rows(path: Path, columns: tuple[str, ...], key: str, parse: Parser):
    """Parse a CSV row by row.

    Returns ``(records, received, duplicates, quarantine)``. ``parse`` raises ``ValueError`` whose
    message names the field; a row whose key was already accepted with identical content counts as
    a duplicate, with different content it is quarantined as a conflict.
    """
    records: list[dict[str, object]] = []
    tally = Tally(str(path))
    for line, row in csv_rows(path, columns):
        tally.received += 1
        if "__error__" in row:
            tally.refuse(line, row.pop("__error__"), row)
            continue
        content = tuple(row[c] for c in columns)
        if tally.repeated(row[key], content, line, row,
                          lambda first: f"{key} {row[key]!r} conflicts with row {first}"):
            continue
        try:
            records.append(parse(row))
        except ValueError as exc:
            tally.refuse(line, str(exc), row)
            continue
        tally.accept(row[key], content, line)
    return records, tally.received, tally.duplicates, tally.quarantine


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
