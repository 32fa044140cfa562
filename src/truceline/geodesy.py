"""Geodesic helpers on the WGS84 ellipsoid, vectorised over numpy arrays.

A *line* is an ``(n, 2)`` array of ``(lon, lat)`` vertices in degrees, joined by geodesics.
All distances are in metres and geodesic (``pyproj.Geod``), exact to well under a metre:

>>> import numpy as np
>>> line = np.array([[37.0, 48.0], [38.0, 48.0]])
>>> round(float(distance_to_line_m(37.5, 48.1, line)[0]))  # doctest: +SKIP
11120

:class:`GeodesicLine` precomputes what repeated queries against one line need; the module
functions are thin wrappers that build one per call. :class:`LocalProjection` is an azimuthal
equidistant projection for planar work near a point (candidate search, buffering, locating).
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyproj
from numpy.typing import ArrayLike, NDArray

GEOD: Final = pyproj.Geod(ellps="WGS84")
"""The WGS84 ellipsoid; every geodesic computation in Truceline uses it."""

_R_MEAN: Final = 6_371_008.8  # mean Earth radius (m), only for the along-track update
_MAX_SEGMENT_M: Final = 100_000.0  # longer segments are split so each stays short
_ITERATIONS: Final = 8


class LocalProjection:
    """Azimuthal equidistant projection centred on ``(lon0, lat0)``; x east, y north, metres."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = float(lon0)
        self.lat0 = float(lat0)
        crs = pyproj.CRS.from_proj4(
            f"+proj=aeqd +lat_0={self.lat0} +lon_0={self.lon0} +datum=WGS84 +units=m +no_defs"
        )
        self._fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    @classmethod
    def around(cls, lonlat: ArrayLike) -> "LocalProjection":
        """A projection centred on the mid-range of an ``(n, 2)`` lon/lat array."""
        pts = np.asarray(lonlat, dtype=float).reshape(-1, 2)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        return cls((lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0)

    def to_xy(self, lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Project lon/lat degrees to x/y metres."""
        x, y = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def to_lonlat(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Unproject x/y metres to lon/lat degrees."""
        lon, lat = self._inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def as_line(line: ArrayLike) -> NDArray[np.float64]:
    """Check and normalise a line: ``(n, 2)`` float lon/lat, no repeated consecutive vertices."""
    arr = np.asarray(line, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"a line must be an (n, 2) array of lon/lat, got shape {arr.shape}")
    keep = np.ones(len(arr), dtype=bool)
    keep[1:] = np.any(np.diff(arr, axis=0) != 0.0, axis=1)
    arr = arr[keep]
    if len(arr) < 2:
        raise ValueError("a line needs at least two distinct vertices")
    return arr


def densify(line: ArrayLike, max_segment_m: float) -> NDArray[np.float64]:
    """Insert vertices on the geodesics so that no segment is longer than ``max_segment_m``."""
    arr = as_line(line)
    out = [arr[:1]]
    for (lon1, lat1), (lon2, lat2) in zip(arr[:-1], arr[1:]):
        length = GEOD.inv(lon1, lat1, lon2, lat2)[2]
        extra = int(np.ceil(length / max_segment_m)) - 1
        if extra > 0:
            out.append(np.asarray(GEOD.npts(lon1, lat1, lon2, lat2, extra), dtype=float))
        out.append(np.array([[lon2, lat2]]))
    return np.concatenate(out)


def line_length_m(line: ArrayLike) -> float:
    """Geodesic length of a line in metres."""
    arr = as_line(line)
    return float(np.sum(GEOD.inv(arr[:-1, 0], arr[:-1, 1], arr[1:, 0], arr[1:, 1])[2]))


class GeodesicLine:
    """A line prepared for repeated nearest-point queries (distance, chainage, side)."""

    def __init__(self, line: ArrayLike) -> None:
        self.vertices = densify(line, _MAX_SEGMENT_M)
        v = self.vertices
        az, _, length = GEOD.inv(v[:-1, 0], v[:-1, 1], v[1:, 0], v[1:, 1])
        self._az = np.asarray(az, dtype=float)
        self._len = np.asarray(length, dtype=float)
        self._start = np.concatenate([[0.0], np.cumsum(self._len)])
        self.length_m = float(self._start[-1])
        self.projection = LocalProjection.around(v)
        x, y = self.projection.to_xy(v[:, 0], v[:, 1])
        self._xy = np.column_stack([x, y])

    def _planar_candidates(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64]]:
        """(point index, segment index, planar fraction) pairs worth refining geodesically."""
        a, b = self._xy[:-1], self._xy[1:]
        d = b - a
        dd = np.maximum(np.sum(d * d, axis=1), 1e-12)
        rows, segs, fracs = [], [], []
        chunk = max(1, 2_000_000 // len(a))
        for lo in range(0, len(x), chunk):
            px, py = x[lo:lo + chunk, None], y[lo:lo + chunk, None]
            f = np.clip(((px - a[:, 0]) * d[:, 0] + (py - a[:, 1]) * d[:, 1]) / dd, 0.0, 1.0)
            dist = np.hypot(a[:, 0] + f * d[:, 0] - px, a[:, 1] + f * d[:, 1] - py)
            best = dist.min(axis=1, keepdims=True)
            r, s = np.nonzero(dist <= best * 1.01 + 100.0)
            rows.append(r + lo)
            segs.append(s)
            fracs.append(f[r, s])
        return np.concatenate(rows), np.concatenate(segs), np.concatenate(fracs)

    def _refine(self, lon: NDArray[np.float64], lat: NDArray[np.float64], seg: NDArray[np.intp], frac: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Geodesic distance and along-segment metres of the nearest point on each segment.

        Iterates the along-track update ``ds = R atan(tan(d/R) cos(angle))``, where ``angle``
        is between the geodesic and the direction to the point at the current foot, clamped
        to the segment's ends. Converges to millimetres in a few steps for short segments.
        """
        lon0, lat0 = self.vertices[seg, 0], self.vertices[seg, 1]
        az, length = self._az[seg], self._len[seg]
        s = frac * length
        for _ in range(_ITERATIONS):
            qlon, qlat, back = GEOD.fwd(lon0, lat0, az, s)
            az_qp, _, d = GEOD.inv(qlon, qlat, lon, lat)
            angle = np.radians(np.asarray(az_qp) - (np.asarray(back) + 180.0))
            step = _R_MEAN * np.arctan(np.tan(np.asarray(d) / _R_MEAN) * np.cos(angle))
            s = np.clip(s + step, 0.0, length)
        qlon, qlat, _ = GEOD.fwd(lon0, lat0, az, s)
        d = np.asarray(GEOD.inv(qlon, qlat, lon, lat)[2], dtype=float)
        return d, s

    def nearest(self, lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]:
        """For each point: geodesic distance (m), chainage of the nearest point (m), segment index."""
        lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        lon_f, lat_f = lon_a.ravel(), lat_a.ravel()
        n = len(lon_f)
        if n == 0:
            return np.empty(0), np.empty(0), np.empty(0, dtype=np.intp)
        x, y = self.projection.to_xy(lon_f, lat_f)
        rows, segs, fracs = self._planar_candidates(x, y)
        d, s = self._refine(lon_f[rows], lat_f[rows], segs, fracs)
        order = np.lexsort((d, rows))  # by point, then by distance
        first = order[np.r_[True, rows[order][1:] != rows[order][:-1]]]
        dist = np.empty(n)
        chain = np.empty(n)
        seg = np.empty(n, dtype=np.intp)
        dist[rows[first]] = d[first]
        chain[rows[first]] = self._start[segs[first]] + s[first]
        seg[rows[first]] = segs[first]
        return dist, chain, seg

    def distance_m(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Geodesic distance (m) from each point to the line."""
        return self.nearest(lon, lat)[0]

    def chainage_m(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Geodesic distance (m) along the line from its first vertex to each point's nearest point."""
        return self.nearest(lon, lat)[1]

    def side(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.int8]:
        """+1 right of the line walking first to last vertex, -1 left, 0 on it (planar, local).

        Uses the nearest segment; where the nearest point is a shared vertex, the sum of the
        two adjoining segments' cross products (the correct side in the vertex's wedge).
        """
        lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        x, y = self.projection.to_xy(lon_a.ravel(), lat_a.ravel())
        chunk = max(1, 2_000_000 // (len(self._xy) - 1))
        parts = [self._side_xy(x[i:i + chunk], y[i:i + chunk]) for i in range(0, len(x), chunk)]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int8)

    def _side_xy(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int8]:
        a, b = self._xy[:-1], self._xy[1:]
        d = b - a
        dd = np.maximum(np.sum(d * d, axis=1), 1e-12)
        px, py = x[:, None], y[:, None]
        f = np.clip(((px - a[:, 0]) * d[:, 0] + (py - a[:, 1]) * d[:, 1]) / dd, 0.0, 1.0)
        dist = np.hypot(a[:, 0] + f * d[:, 0] - px, a[:, 1] + f * d[:, 1] - py)
        j = np.argmin(dist, axis=1)
        fj = f[np.arange(len(j)), j]
        u = d / np.sqrt(dd)[:, None]
        wx, wy = x - a[j, 0], y - a[j, 1]
        cross = u[j, 0] * wy - u[j, 1] * wx
        nseg = len(a)
        prev = (fj <= 0.0) & (j > 0)
        nxt = (fj >= 1.0) & (j < nseg - 1)
        jp, jn = np.maximum(j - 1, 0), np.minimum(j + 1, nseg - 1)
        cross = np.where(prev, cross + (u[jp, 0] * wy - u[jp, 1] * wx), cross)
        wx2, wy2 = x - b[j, 0], y - b[j, 1]
        cross = np.where(nxt, (u[j, 0] * wy2 - u[j, 1] * wx2) + (u[jn, 0] * wy2 - u[jn, 1] * wx2), cross)
        return (-np.sign(cross)).astype(np.int8)  # cross > 0 is left

    def signed_distance_m(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.float64]:
        """Geodesic distance (m), positive right of the line, negative left."""
        dist = self.distance_m(lon, lat)
        side = self.side(lon, lat).ravel()
        return np.where(side < 0, -dist, dist)


def distance_to_line_m(lon: ArrayLike, lat: ArrayLike, line_lonlat: ArrayLike) -> NDArray[np.float64]:
    """Geodesic distance (m) from each point to a line (geodesic segments between vertices)."""
    return GeodesicLine(line_lonlat).distance_m(lon, lat)


def chainage_m(lon: ArrayLike, lat: ArrayLike, line_lonlat: ArrayLike) -> NDArray[np.float64]:
    """Geodesic distance (m) along a line from its first vertex to each point's nearest point."""
    return GeodesicLine(line_lonlat).chainage_m(lon, lat)


def side_of_line(lon: ArrayLike, lat: ArrayLike, line_lonlat: ArrayLike) -> NDArray[np.int8]:
    """+1 right of the line walking from its first vertex to its last, -1 left, 0 on it."""
    return GeodesicLine(line_lonlat).side(lon, lat)
