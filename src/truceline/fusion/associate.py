"""Association of picks into located events: scan, locate in batches, resolve conflicts.

1. :func:`truceline.fusion.scan.scan` proposes candidates: a seed pick and the coarse cell where
   most neighbouring sensors hold a fitting pick.
2. Every candidate gathers, at the ``gather_sensors`` sensors nearest its cell, the pick closest
   to the predicted arrival (within ``gather_tol_s``), is located robustly (all candidates at
   once), gathers again within ``final_tol_s`` of the located source and is located again.
3. Candidates are accepted best first (largest soft count: each member counts
   ``1 - (residual / final_tol_s)^2``); an accepted event
   claims its picks, and a candidate that lost picks to a better one keeps only what is left and
   must still reach ``min_sensors``. What no event took is scanned once more (a second round), so
   an event hidden behind a stronger one in the first round is still found.

Nothing depends on the order of the input rows, and each event depends only on the picks within
a few travel times of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from truceline.fusion.locate import BatchFix, Fix, locate_batch
from truceline.fusion.scan import Geometry, ScanParams, scan


@dataclass(frozen=True)
class AssociationParams:
    """Settings of the associator (declared once, with defaults and units)."""

    scan: ScanParams = field(default_factory=ScanParams)
    gather_sensors: int = 24         # sensors nearest a candidate that may contribute picks
    gather_radius_m: float = 40_000.0
    gather_tol_s: float = 1.0        # first gathering tolerance around the predicted arrival
    final_tol_s: float = 0.25        # fit tolerance of a member pick after location
    speed_uncertainty: float = 0.005 # relative sound-speed error allowed on top of final_tol_s
    min_sensors: int = 6             # distinct sensors an event needs
    rounds: int = 2                  # scans (the later ones over picks no event took)
    max_claimed_frac: float = 0.5    # a candidate sharing more of its picks with better ones is a duplicate


@dataclass(frozen=True)
class Hypothesis:
    """A located event and the picks (row indices) that define it."""

    fix: Fix
    members: np.ndarray


class PickIndex:
    """Picks sorted by (sensor, time) for nearest-arrival lookups."""

    def __init__(self, t: np.ndarray, s: np.ndarray, available: np.ndarray) -> None:
        idx = np.flatnonzero(available)
        self.t_min = float(t.min()) if len(t) else 0.0
        self.span = (float(t.max()) - self.t_min + 1e4) if len(t) else 1e4
        order = idx[np.lexsort((t[idx], s[idx]))]
        self.order = order
        self.keys = s[order] * self.span + (t[order] - self.t_min)
        self.sensor = s[order]
        self.t = t[order]

    def nearest(self, sensor: np.ndarray, at: np.ndarray, tol: np.ndarray | float) -> np.ndarray:
        """Pick index nearest ``at`` at ``sensor`` within ``tol`` (-1 where none); any shapes."""
        out = np.full(sensor.shape, -1, dtype=np.int64)
        if len(self.order) == 0:
            return out
        key = sensor * self.span + (at - self.t_min)
        pos = np.searchsorted(self.keys, key)
        best_dt = np.full(sensor.shape, np.inf)
        for cand in (pos - 1, pos):
            c = np.clip(cand, 0, len(self.keys) - 1)
            dt = np.abs(self.t[c] - at)
            ok = (cand >= 0) & (cand < len(self.keys)) & (self.sensor[c] == sensor) & (dt <= tol) & (dt < best_dt)
            out = np.where(ok, self.order[c], out)
            best_dt = np.where(ok, dt, best_dt)
        return out


def associate(pick_t: np.ndarray, pick_s: np.ndarray, sx: np.ndarray, sy: np.ndarray,
              speed_at, params: AssociationParams, progress=None,
              wind: tuple[float, float] = (0.0, 0.0)) -> tuple[list[Hypothesis], np.ndarray]:
    """Group picks into located events.

    ``pick_t`` (seconds) and ``pick_s`` (sensor index) describe the picks; ``speed_at(t)`` gives
    the sound speed to assume at times t (array in, array out) and ``wind`` (m/s east, north) the
    wind that adds to it along each path. Returns the events and, per pick, the index of its
    event or -1.
    """
    n = len(pick_t)
    owner = np.full(n, -1, dtype=np.int64)
    events: list[Hypothesis] = []
    if n == 0 or len(sx) == 0:
        return events, owner
    speed = np.broadcast_to(np.asarray(speed_at(pick_t), dtype=float), (n,)).copy()
    geo = Geometry.build(sx, sy, params.scan)
    tree = cKDTree(np.column_stack([sx, sy]))
    for r in range(params.rounds):
        free = owner < 0
        cand = scan(pick_t, pick_s, speed, geo, params.scan, wind, available=free)
        if progress is not None:
            progress(2 * r + 1, 2 * params.rounds)
        if len(cand.pick) == 0:
            break
        index = PickIndex(pick_t, pick_s, free)
        members, fix = _hypotheses(cand, pick_t, pick_s, speed, sx, sy, tree, index, params, wind)
        for h, m in _resolve(members, fix, owner, pick_s, params):
            owner[m] = len(events)
            events.append(Hypothesis(_fix_of(fix, h, m, members[h], speed[cand.pick[h]]), m))
        if progress is not None:
            progress(2 * r + 2, 2 * params.rounds)
    return events, owner


def _hypotheses(cand, t, s, speed, sx, sy, tree, index: PickIndex, params: AssociationParams, wind):
    """Gather, locate, gather tightly, locate again: (member pick per gathered sensor, fix)."""
    c = speed[cand.pick]
    k = min(params.gather_sensors, len(sx))
    _, near = tree.query(np.column_stack([cand.x, cand.y]), k=k, distance_upper_bound=params.gather_radius_m)
    near = np.asarray(near).reshape(len(cand.pick), k)
    valid = near < len(sx)
    near = np.where(valid, near, 0)
    gx, gy = np.where(valid, sx[near], np.nan), np.where(valid, sy[near], np.nan)
    seed_s = s[cand.pick]
    d_seed = np.hypot(sx[seed_s] - cand.x, sy[seed_s] - cand.y)
    t0 = t[cand.pick] - d_seed / (c + _wind_along(cand.x, cand.y, sx[seed_s], sy[seed_s], wind))
    x, y = cand.x.astype(float), cand.y.astype(float)
    own = np.column_stack([cand.pick, cand.fitting])
    own_s = np.where(own >= 0, s[np.maximum(own, 0)], 0)
    arrivals = np.where(own >= 0, t[np.maximum(own, 0)], np.nan)
    fix = locate_batch(sx[own_s], sy[own_s], arrivals, x, y, c, wind, iterations=14, robust_after=8)
    x, y, t0 = fix.x, fix.y, fix.t0
    for stage_tol in (params.gather_tol_s, params.final_tol_s):
        dist = np.hypot(np.nan_to_num(gx) - x[:, None], np.nan_to_num(gy) - y[:, None])
        tol = stage_tol + params.speed_uncertainty * dist / c[:, None]
        at = t0[:, None] + _travel_time(x, y, gx, gy, c, wind)
        picked = np.where(valid, index.nearest(near, at, tol), -1)
        arrivals = np.where(picked >= 0, t[np.maximum(picked, 0)], np.nan)
        fix = locate_batch(np.nan_to_num(gx), np.nan_to_num(gy), arrivals, x, y, c, wind)
        x, y, t0 = fix.x, fix.y, fix.t0
    keep = np.isfinite(fix.residuals) & (np.abs(np.nan_to_num(fix.residuals, nan=9.9)) <= tol) & (fix.weights > 0.05)
    members = np.where(keep & (picked >= 0), picked, -1)
    return members, fix


def _wind_along(x, y, sx, sy, wind):
    dx, dy = sx - x, sy - y
    d = np.maximum(np.hypot(dx, dy), 1.0)
    return (wind[0] * dx + wind[1] * dy) / d


def _travel_time(x, y, gx, gy, c, wind):
    dx, dy = gx - x[:, None], gy - y[:, None]
    d = np.maximum(np.hypot(dx, dy), 1.0)
    return d / (c[:, None] + (wind[0] * dx + wind[1] * dy) / d)


def _resolve(members: np.ndarray, fix: BatchFix, owner: np.ndarray, s: np.ndarray, params: AssociationParams):
    """Accept candidates best first; yields (candidate row, its member picks)."""
    n_members = (members >= 0).sum(axis=1)
    # soft count: each member counts 1 - (residual / tolerance)^2, so a tight fit outranks a loose
    # one of more picks (the rounds of a salvo can mix into a loose fit elsewhere)
    r = np.where(members >= 0, np.nan_to_num(fix.residuals) / params.final_tol_s, 1.0)
    quality = np.sum(np.clip(1.0 - r**2, 0.0, 1.0), axis=1)
    viable = np.flatnonzero(n_members >= params.min_sensors)
    order = viable[np.argsort(-quality[viable], kind="stable")]
    claimed = owner >= 0
    for h in order:
        m = members[h][members[h] >= 0]
        taken = claimed[m]
        if taken.sum() > params.max_claimed_frac * len(m):
            continue
        m = m[~taken]
        if len(np.unique(s[m])) < params.min_sensors:
            continue
        claimed[m] = True
        yield h, np.sort(m)


def _fix_of(fix: BatchFix, h: int, m: np.ndarray, row: np.ndarray, speed: float) -> Fix:
    """The one-event :class:`Fix` of candidate ``h`` restricted to the picks ``m`` it kept."""
    cols = np.flatnonzero(np.isin(row, m))
    order = np.argsort(row[cols])
    cols = cols[order]
    return Fix(float(fix.x[h]), float(fix.y[h]), float(fix.t0[h]), float(speed), fix.cov[h],
               fix.residuals[h, cols], fix.weights[h, cols], bool(np.all(np.isfinite(fix.cov[h]))))
