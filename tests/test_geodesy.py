"""Geodesic helpers and withdrawal distances, checked against pyproj.Geod directly."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from truceline.geodesy import (GeodesicLine, LocalProjection, chainage_m, distance_to_line_m,
                               line_length_m, side_of_line)
from truceline.rules.zones import Zones
from truceline.sources.agreement_yaml import load_agreement

WGS84 = Geod(ellps="WGS84")  # independent of the code's own GEOD


@lru_cache(maxsize=1)
def demo() -> tuple[Zones, np.ndarray]:
    agreement = load_agreement().base
    return Zones.from_agreement(agreement), np.asarray(agreement.reference_line("A").coords)


@lru_cache(maxsize=1)
def dense_line() -> np.ndarray:
    """The demo reference line sampled every ~5 m along its geodesics."""
    line = demo()[1]
    parts = []
    for (lon1, lat1), (lon2, lat2) in zip(line[:-1], line[1:]):
        n = int(WGS84.inv(lon1, lat1, lon2, lat2)[2] / 5.0)
        parts.append(np.asarray(WGS84.npts(lon1, lat1, lon2, lat2, n, initial_idx=0, terminus_idx=0)))
    return np.concatenate(parts)


def brute_force_m(lon: float, lat: float) -> float:
    pts = dense_line()
    n = len(pts)
    return float(np.min(WGS84.inv(np.full(n, lon), np.full(n, lat), pts[:, 0], pts[:, 1])[2]))


def perpendicular(line: np.ndarray, seg: int, side: float, dist_m: float) -> tuple[float, float]:
    """A point ``dist_m`` off the middle of segment ``seg``, right (side=+1) or left (-1)."""
    (lon1, lat1), (lon2, lat2) = line[seg], line[seg + 1]
    az, _, length = WGS84.inv(lon1, lat1, lon2, lat2)
    mlon, mlat, back = WGS84.fwd(lon1, lat1, az, length / 2)
    lon, lat, _ = WGS84.fwd(mlon, mlat, back + 180.0 + 90.0 * side, dist_m)
    return float(lon), float(lat)


@pytest.mark.parametrize("party, seg, side", [("A", 3, +1), ("A", 13, +1), ("B", 0, -1), ("B", 1, -1)])
def test_artillery_withdrawal_at_49_5_and_50_5_km(party: str, seg: int, side: int) -> None:
    zones, line = demo()
    pts = [perpendicular(line, seg, side, d) for d in (49_500.0, 50_500.0)]
    lon, lat = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    ours = zones.distance_to_reference_line_m(lon, lat, party)
    truth = np.array([brute_force_m(x, y) for x, y in pts])
    assert truth == pytest.approx([49_500.0, 50_500.0], abs=5.0)  # the set-up itself
    assert np.abs(ours - truth).max() < 3.0
    assert zones.within_withdrawal(lon, lat, party, "artillery").tolist() == [True, False]
    assert zones.within_withdrawal(lon, lat, party, "tube_artillery").tolist() == [True, False]
    other = "B" if party == "A" else "A"
    assert not zones.within_withdrawal(lon, lat, other, "artillery").any()  # wrong side


def test_distance_matches_brute_force_for_scattered_points() -> None:
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(36.5, 41.0, 25), rng.uniform(46.5, 49.8, 25)
    ours = distance_to_line_m(lon, lat, demo()[1])
    truth = np.array([brute_force_m(x, y) for x, y in zip(lon, lat)])
    assert np.abs(ours - truth).max() < 3.0


def test_chainage_and_length() -> None:
    line = demo()[1]
    lengths = WGS84.inv(line[:-1, 0], line[:-1, 1], line[1:, 0], line[1:, 1])[2]
    assert line_length_m(line) == pytest.approx(lengths.sum(), abs=1e-3)
    at_vertices = chainage_m(line[:, 0], line[:, 1], line)
    assert at_vertices == pytest.approx(np.concatenate([[0.0], np.cumsum(lengths)]), abs=0.5)


def test_long_segments_are_handled() -> None:
    line = np.array([[10.0, 0.0], [20.0, 0.0]])  # ~1113 km, densified internally
    lon, lat = WGS84.fwd(15.0, 0.0, 0.0, 30_000.0)[:2]
    assert distance_to_line_m(lon, lat, line)[0] == pytest.approx(30_000.0, abs=1.0)
    assert side_of_line([15.0, 15.0], [1.0, -1.0], line).tolist() == [-1, 1]  # eastwards: north is left


def test_local_projection_round_trip() -> None:
    proj = LocalProjection(38.0, 48.0)
    x, y = proj.to_xy([38.0, 38.5], [48.0, 48.2])
    assert (x[0], y[0]) == pytest.approx((0.0, 0.0), abs=1e-6)
    assert np.hypot(x[1], y[1]) == pytest.approx(WGS84.inv(38.0, 48.0, 38.5, 48.2)[2], rel=1e-9)
    lon, lat = proj.to_lonlat(x, y)
    assert lon == pytest.approx([38.0, 38.5]) and lat == pytest.approx([48.0, 48.2])


points = st.lists(st.tuples(st.floats(36.0, 41.0), st.floats(46.5, 50.0)), min_size=1, max_size=30)


@settings(max_examples=25, deadline=None)
@given(points, st.randoms(use_true_random=False))
def test_distance_is_order_independent_and_non_negative(pts: list[tuple[float, float]], rnd: object) -> None:
    line = demo()[1]
    lon, lat = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    perm = np.arange(len(pts))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    d = distance_to_line_m(lon, lat, line)
    assert (d >= 0).all()
    assert distance_to_line_m(lon[perm], lat[perm], line) == pytest.approx(d[perm], abs=1e-6)
    assert distance_to_line_m(lon, lat, line[::-1]) == pytest.approx(d, abs=0.01)


@settings(max_examples=25, deadline=None)
@given(points)
def test_side_is_consistent(pts: list[tuple[float, float]]) -> None:
    zones, line = demo()
    lon, lat = np.array([p[0] for p in pts]), np.array([p[1] for p in pts])
    offset = zones.signed_offset_m(lon, lat)
    reversed_offset = GeodesicLine(line[::-1]).signed_distance_m(lon, lat)
    assert reversed_offset == pytest.approx(-offset, abs=0.01)
    side = zones.side_of(lon, lat)
    chain = GeodesicLine(line).chainage_m(lon, lat)
    alongside = (np.abs(offset) > 1000.0) & (chain > 1.0) & (chain < zones.contact_line.length_m - 1.0)
    for s, o in zip(side[alongside], offset[alongside]):
        assert s in ("", "A" if o > 0 else "B")
