"""Time as Truceline carries it: float seconds since the Unix epoch, UTC; ISO 8601 in files."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np


def to_iso(t: float) -> str:
    """Epoch seconds to ISO 8601 UTC with milliseconds, e.g. ``2026-11-26T08:15:02.123Z``."""
    ms = int(round(float(t) * 1000.0))
    dt = datetime.fromtimestamp(ms // 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + f".{ms % 1000:03d}Z"


def to_iso_array(t: np.ndarray) -> list[str]:
    """Vector form of :func:`to_iso`."""
    return [to_iso(v) for v in np.asarray(t, dtype=float)]


def from_iso(text: str) -> float:
    """ISO 8601 with an explicit UTC designator (``Z`` or ``+00:00``) to epoch seconds.

    Raises ``ValueError`` for a time without a zone or with a non-UTC offset: feeds must be UTC.
    """
    s = text.strip()
    if not s:
        raise ValueError("empty time")
    dt = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
    if dt.tzinfo is None:
        raise ValueError(f"time {text!r} has no UTC designator (expected e.g. 2026-11-26T08:15:02.123Z)")
    if dt.utcoffset() is None or dt.utcoffset().total_seconds() != 0:
        raise ValueError(f"time {text!r} is not UTC")
    return dt.timestamp()
