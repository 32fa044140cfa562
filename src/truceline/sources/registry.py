"""The registry of input formats: discovered once from the ``truceline.formats`` entry-point group.

Built-in formats register exactly as outside plug-ins do, so ``docs/formats.md``'s table of
supported formats and ``truceline inspect`` both come from here.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from truceline.sources.base import Format, FormatError, ReadResult

GROUP = "truceline.formats"


@lru_cache(maxsize=1)
def formats() -> dict[str, Format]:
    """All installed formats by name (cached)."""
    found: dict[str, Format] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        fmt = ep.load()
        if not isinstance(fmt, Format):
            raise TypeError(f"entry point {ep.name!r} in {GROUP} does not point at a Format")
        found[fmt.name] = fmt
    return found


def detect(path: str | Path) -> Format:
    """The first installed format that can read ``path``; the error lists what is installed."""
    p = Path(path)
    if not p.exists():
        raise FormatError(f"{p}: no such file")
    for fmt in formats().values():
        if fmt.can_read(p):
            return fmt
    known = ", ".join(f"{f.name} ({f.description})" for f in formats().values())
    raise FormatError(f"{p}: not a format Truceline can read; installed formats: {known}")


def read(path: str | Path, format: str | None = None, **options: Any) -> ReadResult:
    """Read ``path`` with ``format`` (a registered name) or the detected format."""
    if format is None:
        fmt = detect(path)
    elif format in formats():
        fmt = formats()[format]
    else:
        raise FormatError(f"unknown format {format!r}; installed formats: {', '.join(formats())}")
    return fmt.read(Path(path), **options)
