"""What every input format offers, and what reading one returns.

A format module exposes ``FORMAT``: a :class:`Format` with a name, a one-line description, the
document that specifies it, ``can_read(path)`` and ``read(path, **options)``. Reading never loses a
record: each one is accepted, counted as an exact duplicate, or quarantined with its row and reason,
so that ``received == accepted + duplicates + quarantined`` always holds.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from truceline.model.tables import Columns


class FormatError(ValueError):
    """A file that cannot be read at all (no header, missing columns, not the format)."""


@dataclass(frozen=True)
class Quarantined:
    """A rejected record: where it was, why, and the record itself as received."""

    source: str
    row: int
    reason: str
    record: dict[str, str]


@dataclass(frozen=True)
class ReadResult:
    """The outcome of reading one file."""

    format: str
    path: str
    table: Columns | None = None
    value: Any = None
    received: int = 0
    duplicates: int = 0
    quarantine: tuple[Quarantined, ...] = field(default=())

    @property
    def accepted(self) -> int:
        return len(self.table) if self.table is not None else (1 if self.value is not None else 0)

    @property
    def quarantined(self) -> int:
        return len(self.quarantine)

    def balanced(self) -> bool:
        """Counts add up: received = accepted + duplicates + quarantined."""
        return self.received == self.accepted + self.duplicates + self.quarantined


class Reader(Protocol):
    def __call__(self, path: Path, **options: Any) -> ReadResult: ...


@dataclass(frozen=True)
class Format:
    """A registered input format (built-ins register exactly as plug-ins do)."""

    name: str
    description: str
    spec: str
    can_read: Callable[[Path], bool]
    read: Reader


def csv_header(path: Path) -> list[str]:
    """The stripped header of a CSV file, or [] if the file is empty or unreadable as text."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return [h.strip() for h in next(csv.reader(fh), [])]
    except (UnicodeDecodeError, OSError):
        return []


def csv_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV whose header must contain ``required``.

    Raises :class:`FormatError` naming the file when it has no header or lacks columns.
    """
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        if not header:
            raise FormatError(f"{path}: empty file, expected a header with columns {', '.join(required)}")
        missing = [c for c in required if c not in header]
        if missing:
            raise FormatError(f"{path}: header lacks column(s) {', '.join(missing)} (found: {', '.join(header)})")
        for values in reader:
            if not values or all(not v.strip() for v in values):
                continue
            if len(values) != len(header):
                row = dict(zip(header, values))
                row["__error__"] = f"has {len(values)} fields, header has {len(header)}"
                yield reader.line_num, row
                continue
            yield reader.line_num, {h: v.strip() for h, v in zip(header, values)}


def csv_looks_like(path: Path, required: tuple[str, ...]) -> bool:
    """True when ``path`` is a .csv/.txt whose header holds all ``required`` columns."""
    return path.suffix.lower() in (".csv", ".txt") and set(required) <= set(csv_header(path))
