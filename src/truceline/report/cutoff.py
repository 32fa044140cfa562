"""The reporting period of a daily report: from one day's cut-off to the next, in local time.

The OSCE mission's daily report covered the 24 hours to 19:30 local time; Truceline's default
is the same, 19:30 Europe/Kyiv, and any cut-off and IANA time zone may be configured. The period
is computed in the zone's own calendar, so across a daylight-saving change the cut-off stays at
19:30 local and the period is 23 or 25 hours long (zoneinfo, the IANA database).

>>> from datetime import date
>>> p = report_period(date(2026, 11, 26))
>>> p.label
'2026-11-25 19:30 – 2026-11-26 19:30 Europe/Kyiv (UTC+02:00)'
>>> p.hours
24.0
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CUTOFF = "19:30"
ZONE = "Europe/Kyiv"


@dataclass(frozen=True)
class ReportPeriod:
    """The period a daily report covers: (start, end] in epoch seconds UTC, and how it reads locally."""

    day: date
    start: float
    end: float
    zone: str
    cutoff: str

    @property
    def hours(self) -> float:
        return (self.end - self.start) / 3600.0

    def local(self, t: float) -> datetime:
        return datetime.fromtimestamp(t, ZoneInfo(self.zone))

    @property
    def label(self) -> str:
        a, b = self.local(self.start), self.local(self.end)
        offset = b.strftime("%z")
        return (f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M} {self.zone} "
                f"(UTC{offset[:3]}:{offset[3:]})")

    def contains(self, t: float) -> bool:
        """Whether a time falls in the period: after the previous cut-off, up to this one."""
        return self.start < t <= self.end


def parse_cutoff(text: str) -> time:
    """``HH:MM`` as a time of day; a clear error otherwise."""
    try:
        hours, minutes = text.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"cut-off {text!r} is not a time of day HH:MM (e.g. 19:30)") from None


def report_period(day: date, cutoff: str = CUTOFF, zone: str = ZONE) -> ReportPeriod:
    """The period of the daily report dated ``day``: from the cut-off of the day before to the
    cut-off of ``day``, both in ``zone``'s local time."""
    at = parse_cutoff(cutoff)
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time zone {zone!r} is not an IANA zone name (e.g. Europe/Kyiv)") from None
    end = datetime.combine(day, at, tz)
    start = datetime.combine(day - timedelta(days=1), at, tz)
    return ReportPeriod(day, start.astimezone(timezone.utc).timestamp(), end.astimezone(timezone.utc).timestamp(),
                        zone, f"{at:%H:%M}")
