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

Picks are processed in windows (``window_s``, with ``margin_s`` of picks either side); a window
keeps the events whose origin time falls inside it, and a pick claimed by events of two windows
goes to the better one. Nothing depends on the order of the input rows or on where the windows
start: each event depends only on the picks within a few travel times of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from truceline.fusion.locate import BatchFix, Fix, locate_batch
from truceline.fusion.salvo import SalvoParams, repeats
from truceline.fusion.scan import Geometry, ScanParams, scan


@dataclass(frozen=True)
class AssociationParams:
    """Settings of the associator (declared once, with defaults and units)."""

    scan: ScanParams = field(default_factory=ScanParams)
    salvo: SalvoParams = field(default_factory=SalvoParams)
    repeat_search: bool = True       # after each round, search the other rounds of each event's salvo
    gather_sensors: int = 24         # sensors nearest a candidate that may contribute picks
    gather_radius_m: float = 40_000.0
    gather_tol_s: float = 1.0        # first gathering tolerance around the predicted arrival
    final_tol_s: float = 0.25        # fit tolerance of a member pick after location
    speed_uncertainty: float = 0.005 # relative sound-speed error allowed on top of final_tol_s
    min_sensors: int = 6             # distinct sensors an event needs
    rounds: int = 2                  # scans (the later ones over picks no event took)
    max_claimed_frac: float = 0.5    # a candidate sharing more of its picks with better ones is a duplicate
    window_s: float = 3_600.0        # processing window (0: all picks at once)
    margin_s: float = 300.0          # picks either side of a window that its events may use
    amp_tol_ln: float = 1.0          # a member's ln(amplitude x distance) may differ this much from the
                                     # event's median (spherical spreading); 0: amplitudes not used


@dataclass(frozen=True)
class Hypothesis:
    """A located event and the picks (row indices) that define it; ``repeat``: found as another
    round at a located event's position (its floor is ``salvo.min_sensors``, not ``min_sensors``)."""

    fix: Fix
    members: np.ndarray
    repeat: bool = False


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
              wind: tuple[float, float] = (0.0, 0.0), origin: float = 0.0,
              pick_amp: np.ndarray | None = None) -> tuple[list[Hypothesis], np.ndarray]:
    """Group picks into located events.

    ``pick_t`` (seconds) and ``pick_s`` (sensor index) describe the picks; ``speed_at(t)`` gives
    the sound speed to assume at times t (array in, array out) and ``wind`` (m/s east, north) the
    wind that adds to it along each path. Returns the events and, per pick, the index of its
    event or -1.

    Picks are processed in windows of ``params.window_s`` starting at ``origin`` (epoch seconds),
    each with ``params.margin_s`` of picks either side; a window keeps the events whose origin
    time falls inside it, and where two windows' events claim the same pick the better event
    (soft count) keeps it. Where the windows start does not change the events.

    ``pick_amp``: the picks' amplitudes (NaN where unknown); with ``params.amp_tol_ln`` > 0 a
    member whose amplitude does not fit the event's source level under spherical spreading is
    dropped before the event is counted.
    """
    n = len(pick_t)
    owner = np.full(n, -1, dtype=np.int64)
    if n == 0 or len(sx) == 0:
        return [], owner
    speed = np.broadcast_to(np.asarray(speed_at(pick_t), dtype=float), (n,)).copy()
    geo = Geometry.build(sx, sy, params.scan)
    tree = cKDTree(np.column_stack([sx, sy]))
    windows = _windows(pick_t, params.window_s, origin)
    events: list[Hypothesis] = []
    quality: list[float] = []
    for w, (start, end) in enumerate(windows):
        sel = np.flatnonzero((pick_t >= start - params.margin_s) & (pick_t < end + params.margin_s))
        amp = None if pick_amp is None else pick_amp[sel]
        found = _associate_block(pick_t[sel], pick_s[sel], speed[sel], sx, sy, geo, tree, params, wind, amp)
        for hyp, q in found:
            if start <= hyp.fix.t0 < end:
                _claim(Hypothesis(hyp.fix, sel[hyp.members], hyp.repeat), q, events, quality, owner, pick_s, params)
        if progress is not None:
            progress(w + 1, len(windows))
    return _compact(events, owner)


def _windows(t: np.ndarray, window_s: float, origin: float) -> list[tuple[float, float]]:
    if window_s <= 0:
        return [(-np.inf, np.inf)]
    first = int(np.floor((t.min() - origin) / window_s))
    last = int(np.floor((t.max() - origin) / window_s))
    return [(origin + k * window_s, origin + (k + 1) * window_s) for k in range(first, last + 1)]


def _associate_block(t, s, speed, sx, sy, geo, tree, params: AssociationParams, wind,
                     amp=None) -> list[tuple[Hypothesis, float]]:
    """All rounds of scan, locate and resolve over one block of picks (indices local to it)."""
    owner = np.full(len(t), -1, dtype=np.int64)
    out: list[tuple[Hypothesis, float]] = []
    for _ in range(params.rounds):
        free = owner < 0
        cand = scan(t, s, speed, geo, params.scan, wind, available=free)
        if len(cand.pick) == 0:
            break
        _accept(cand, t, s, speed, sx, sy, tree, owner, out, params, wind, amp, repeat=False)
        if params.repeat_search and out:
            x = np.array([h.fix.x for h, _ in out])
            y = np.array([h.fix.y for h, _ in out])
            t0 = np.array([h.fix.t0 for h, _ in out])
            c = np.array([h.fix.speed for h, _ in out])
            rep = repeats(x, y, t0, c, t, s, owner < 0, sx, sy, wind, params.salvo, params.scan.neighbours)
            if len(rep.pick):
                _accept(rep, t, s, speed, sx, sy, tree, owner, out, params, wind, amp, repeat=True)
    return out


def _accept(cand, t, s, speed, sx, sy, tree, owner: np.ndarray, out: list, params: AssociationParams, wind, amp,
            repeat: bool) -> None:
    """Gather, locate and resolve candidates; accepted events claim their picks (``owner``) and
    join ``out``."""
    free = owner < 0
    members, fix = _hypotheses(cand, t, s, speed, sx, sy, tree, PickIndex(t, s, free), params, wind)
    if amp is not None and params.amp_tol_ln > 0:
        members = _amplitude_fit(members, fix, amp, s, sx, sy, params.amp_tol_ln)
    quality = _soft_count(members, fix, params)
    floor = params.salvo.min_sensors if repeat else params.min_sensors
    for h, m in _resolve(members, fix, quality, owner, s, params, floor):
        owner[m] = len(out)
        out.append((Hypothesis(_fix_of(fix, h, m, members[h], speed[cand.pick[h]]), m, repeat), float(quality[h])))


def _claim(hyp: Hypothesis, q: float, events: list, quality: list, owner: np.ndarray, s: np.ndarray,
           params: AssociationParams) -> None:
    """Add an event from one window; a pick another window's event holds goes to the better one."""
    m = hyp.members
    keep = np.ones(len(m), dtype=bool)
    for other in np.unique(owner[m][owner[m] >= 0]):
        shared = owner[m] == other
        if q > quality[other]:
            rest = events[other].members[~np.isin(events[other].members, m[shared])]
            owner[m[shared]] = -1
            if len(np.unique(s[rest])) < _floor(events[other], params):
                owner[rest] = -1
                events[other] = None
            else:
                events[other] = Hypothesis(events[other].fix, rest, events[other].repeat)
        else:
            keep &= ~shared
    m = m[keep]
    if len(np.unique(s[m])) < _floor(hyp, params):
        return
    owner[m] = len(events)
    events.append(Hypothesis(hyp.fix, m, hyp.repeat))
    quality.append(q)


def _floor(hyp: Hypothesis, params: AssociationParams) -> int:
    return params.salvo.min_sensors if hyp.repeat else params.min_sensors


def _compact(events: list, owner: np.ndarray) -> tuple[list[Hypothesis], np.ndarray]:
    """Drop removed events and renumber the owners."""
    alive = [k for k, e in enumerate(events) if e is not None]
    remap = np.full(len(events) + 1, -1, dtype=np.int64)
    remap[alive] = np.arange(len(alive))
    return [events[k] for k in alive], np.where(owner >= 0, remap[owner], -1)


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
    fix = locate_batch(sx[own_s], sy[own_s], arrivals, x, y, c, wind, iterations=10, robust_after=6)
    x, y, t0 = fix.x, fix.y, fix.t0
    for stage_tol in (params.gather_tol_s, params.final_tol_s):
        dist = np.hypot(np.nan_to_num(gx) - x[:, None], np.nan_to_num(gy) - y[:, None])
        tol = stage_tol + params.speed_uncertainty * dist / c[:, None]
        at = t0[:, None] + _travel_time(x, y, gx, gy, c, wind)
        picked = np.where(valid, index.nearest(near, at, tol), -1)
        arrivals = np.where(picked >= 0, t[np.maximum(picked, 0)], np.nan)
        fix = locate_batch(np.nan_to_num(gx), np.nan_to_num(gy), arrivals, x, y, c, wind, iterations=6)
        x, y, t0 = fix.x, fix.y, fix.t0
    keep = np.isfinite(fix.residuals) & (np.abs(np.nan_to_num(fix.residuals, nan=9.9)) <= tol) & (fix.weights > 0.05)
    members = np.where(keep & (picked >= 0), picked, -1)
    return members, fix


def _amplitude_fit(members: np.ndarray, fix: BatchFix, amp: np.ndarray, s: np.ndarray, sx: np.ndarray,
                   sy: np.ndarray, tol_ln: float) -> np.ndarray:
    """Members whose ln(amplitude x distance) lies within ``tol_ln`` of the candidate's median.

    Under spherical spreading every sensor sees the same source level ``amplitude x distance``
    (distance floored at 300 m); a pick of another sound (a false pick, a local transient)
    rarely does. Members without an amplitude are kept.
    """
    have = members >= 0
    m = np.maximum(members, 0)
    d = np.maximum(np.hypot(sx[s[m]] - fix.x[:, None], sy[s[m]] - fix.y[:, None]), 300.0)
    level = np.where(have, np.log(np.maximum(amp[m], 1e-12)) + np.log(d), np.nan)
    level = np.where(np.isfinite(amp[m]) & (amp[m] > 0), level, np.nan)
    known = np.isfinite(level)
    centre = np.nanmedian(np.where(known.any(axis=1)[:, None], level, 0.0), axis=1)
    ok = ~known | (np.abs(level - centre[:, None]) <= tol_ln)
    return np.where(have & ok, members, -1)


def _wind_along(x, y, sx, sy, wind):
    dx, dy = sx - x, sy - y
    d = np.maximum(np.hypot(dx, dy), 1.0)
    return (wind[0] * dx + wind[1] * dy) / d


def _travel_time(x, y, gx, gy, c, wind):
    dx, dy = gx - x[:, None], gy - y[:, None]
    d = np.maximum(np.hypot(dx, dy), 1.0)
    return d / (c[:, None] + (wind[0] * dx + wind[1] * dy) / d)


def _soft_count(members: np.ndarray, fix: BatchFix, params: AssociationParams) -> np.ndarray:
    """Each member counts 1 - (residual / tolerance)^2, so a tight fit outranks a loose one of more
    picks (the rounds of a salvo can mix into a loose fit elsewhere)."""
    r = np.where(members >= 0, np.nan_to_num(fix.residuals) / params.final_tol_s, 1.0)
    return np.sum(np.clip(1.0 - r**2, 0.0, 1.0), axis=1)


def _resolve(members: np.ndarray, fix: BatchFix, quality: np.ndarray, owner: np.ndarray, s: np.ndarray,
             params: AssociationParams, min_sensors: int):
    """Accept candidates best first, each with at least ``min_sensors`` sensors; yields
    (candidate row, its member picks)."""
    n_members = (members >= 0).sum(axis=1)
    viable = np.flatnonzero(n_members >= min_sensors)
    order = viable[np.argsort(-quality[viable], kind="stable")]
    claimed = owner >= 0
    for h in order:
        m = members[h][members[h] >= 0]
        taken = claimed[m]
        if taken.sum() > params.max_claimed_frac * len(m):
            continue
        m = m[~taken]
        if len(np.unique(s[m])) < min_sensors:
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
