"""Geometry queries against one agreement version, vectorised over arrays of positions.

>>> from truceline.sources.agreement_yaml import load_agreement
>>> zones = Zones.from_agreement(load_agreement().base)               # doctest: +SKIP
>>> zones.side_of(np.array([38.0]), np.array([49.0]))                # doctest: +SKIP
array(['A'], dtype=object)

All queries take equally long (or broadcastable) ``lon``, ``lat`` arrays in degrees and return
1-D arrays. Distances are geodesic (WGS84) in metres; sides and areas are tested in lon/lat.
Id-valued answers are object arrays holding ``""`` where nothing applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from truceline.geodesy import GEOD, GeodesicLine
from truceline.model.agreement import Agreement, WeaponClass, daily_window_seconds, parse_weapon_class

_DAY_S = 86_400


def _xy(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lo, la = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return lo.ravel(), la.ravel()


def _ids(n: int) -> NDArray[Any]:
    out = np.empty(n, dtype=object)
    out[:] = ""
    return out


@dataclass(frozen=True)
class _Activity:
    """A declared activity flattened for array tests."""

    id: str
    lon: float
    lat: float
    radius_m: float
    windows: NDArray[np.float64]  # (k, 2) epoch seconds [start, end)
    daily: NDArray[np.int64]  # (k, 2) seconds of day [start, end), may wrap midnight

    def is_active(self, t: NDArray[np.float64]) -> NDArray[np.bool_]:
        on = np.zeros(t.shape, dtype=bool)
        for start, end in self.windows:
            on |= (t >= start) & (t < end)
        sod = np.mod(t, _DAY_S)
        for start, end in self.daily:
            on |= ((sod >= start) & (sod < end)) if start < end else ((sod >= start) | (sod < end))
        return on


class Zones:
    """Prepared geometry of one agreement version; build with :meth:`from_agreement`."""

    def __init__(self, agreement: Agreement) -> None:
        self.agreement = agreement
        self.party_ids: tuple[str, ...] = agreement.party_ids
        self._areas = [p.area for p in agreement.parties]
        self._disengagement = [(d.id, d.area) for d in agreement.disengagement_areas]
        for geom in [*self._areas, *(a for _, a in self._disengagement)]:
            shapely.prepare(geom)
        self.contact_line = GeodesicLine(np.asarray(agreement.contact_line.coords))
        self._reference = {pid: GeodesicLine(np.asarray(line.coords))
                           for pid, line in agreement.reference_lines.items()}
        self.half_width_m = agreement.security_zone.width_km * 500.0
        self._sectors = sorted(agreement.sectors, key=lambda s: s.from_km)
        self._activities = [_Activity(
            a.id, a.lon, a.lat, a.radius_m,
            np.array([[w.start.timestamp(), w.end.timestamp()] for w in a.windows], dtype=float).reshape(-1, 2),
            np.array([daily_window_seconds(w) for w in a.daily_utc], dtype=np.int64).reshape(-1, 2),
        ) for a in agreement.declared_activities]

    @classmethod
    def from_agreement(cls, agreement: Agreement) -> "Zones":
        """Prepare the geometry of an agreement version for repeated queries."""
        return cls(agreement)

    # -------------------------------------------------------------- sides and lines

    def side_of(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[Any]:
        """Id of the party whose area holds each point (first party on shared borders), else ``""``."""
        x, y = _xy(lon, lat)
        out = _ids(len(x))
        for pid, area in zip(self.party_ids, self._areas):
            free = out == ""
            out[free & shapely.intersects_xy(area, x, y)] = pid
        return out

    def distance_to_contact_line_m(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Geodesic distance (m) to the contact line."""
        x, y = _xy(lon, lat)
        return self.contact_line.distance_m(x, y)

    def signed_offset_m(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Geodesic distance (m) to the contact line: + on the first party's (right) side, - on the other."""
        x, y = _xy(lon, lat)
        return self.contact_line.signed_distance_m(x, y)

    def reference_line_of(self, party: str) -> GeodesicLine:
        """The prepared line a party's withdrawal is measured from (its own or the contact line)."""
        if party not in self.party_ids:
            raise KeyError(f"unknown party {party!r}; parties are {', '.join(self.party_ids)}")
        return self._reference.get(party, self.contact_line)

    def distance_to_reference_line_m(self, lon: ArrayLike, lat: ArrayLike, party: str | ArrayLike) -> NDArray[np.float64]:
        """Geodesic distance (m) to each point's party's reference line (``""``: the contact line)."""
        x, y = _xy(lon, lat)
        parties = np.broadcast_to(np.asarray(party, dtype=object), x.shape)
        out = np.empty(len(x))
        for pid in np.unique(parties.astype(str)):
            mask = parties == pid
            line = self.contact_line if pid == "" else self.reference_line_of(str(pid))
            out[mask] = line.distance_m(x[mask], y[mask])
        return out

    # -------------------------------------------------------------- zones

    def in_security_zone(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
        """Within half the security zone's width (geodesic) of the contact line."""
        return self.distance_to_contact_line_m(lon, lat) <= self.half_width_m

    def sector_of(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[Any]:
        """Sector id by the chainage of the nearest point on the contact line.

        ``""`` where no sector covers that chainage, or where the point lies off an end of the
        line (its nearest point is an end vertex) by more than half the security zone's width.
        """
        x, y = _xy(lon, lat)
        dist, chain, _ = self.contact_line.nearest(x, y)
        out = _ids(len(x))
        km = chain / 1000.0
        for i, s in enumerate(self._sectors):
            last = i == len(self._sectors) - 1
            hit = (km >= s.from_km) & ((km <= s.to_km + 1e-3) if last else (km < s.to_km))
            out[(out == "") & hit] = s.id
        at_end = (chain <= 1e-3) | (chain >= self.contact_line.length_m - 1e-3)
        out[at_end & (dist > self.half_width_m)] = ""
        return out

    def disengagement_area_of(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[Any]:
        """Id of the disengagement area holding each point, else ``""``."""
        x, y = _xy(lon, lat)
        out = _ids(len(x))
        for did, area in self._disengagement:
            out[(out == "") & shapely.intersects_xy(area, x, y)] = did
        return out

    def declared_activity_of(self, lon: ArrayLike, lat: ArrayLike, t: ArrayLike) -> NDArray[Any]:
        """Id of a declared activity whose radius holds the point and one of whose windows holds ``t``.

        ``t`` is epoch seconds (UTC), broadcast against the positions. Explicit and daily
        windows both count (either suffices). ``""`` where none applies.
        """
        x, y = _xy(lon, lat)
        ts = np.broadcast_to(np.asarray(t, dtype=float), np.broadcast_shapes(np.shape(t), x.shape)).ravel()
        out = _ids(len(x))
        for act in self._activities:
            d = GEOD.inv(np.full(len(x), act.lon), np.full(len(x), act.lat), x, y)[2]
            out[(out == "") & (np.asarray(d) <= act.radius_m) & act.is_active(ts)] = act.id
        return out

    def within_withdrawal(self, lon: ArrayLike, lat: ArrayLike, party: str | ArrayLike,
                          weapon_class: str | WeaponClass) -> NDArray[np.bool_]:
        """True where a weapon of ``party`` would be inside its withdrawal zone (a violation).

        Inside means on the party's own side (in its area of control) and geodesically closer
        to the party's reference line than the withdrawal distance of ``weapon_class``.
        """
        limit_m = self.agreement.withdrawal_distance_km(parse_weapon_class(weapon_class)) * 1000.0
        x, y = _xy(lon, lat)
        parties = np.broadcast_to(np.asarray(party, dtype=object), x.shape)
        return (self.side_of(x, y) == parties) & (self.distance_to_reference_line_m(x, y, parties) < limit_m)
