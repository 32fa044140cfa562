"""Association of picks into events: seeded back-projection, then robust location.

Picks are taken in time order. The earliest unassociated pick seeds a hypothesis: the source lies
within ``radius_m`` of the seed's sensor, and every other pick from a nearby sensor implies, for
each cell of a grid around the seed, a time difference that either fits or not. The cell where
most sensors fit wins; its picks are located robustly, membership is re-decided from the
residuals, and an event is kept when ``min_sensors`` distinct sensors remain. Picks of a kept
event leave the pool; a seed that founds nothing is left unassociated with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from truceline.fusion.locate import Fix, effective_speed, locate, predicted


@dataclass(frozen=True)
class AssociationParams:
    """Settings of the associator (declared once, with defaults and units)."""

    radius_m: float = 32_000.0      # how far from the seed sensor a source may lie
    coarse_m: float = 2_000.0       # first back-projection cell size (halved down to fine_m)
    fine_m: float = 125.0           # finest cell size of the search
    beam: int = 48                  # cells kept per level below the coarse one
    pick_tol_s: float = 0.25        # pick error allowed on top of the cell-size bound
    speed_uncertainty: float = 0.005 # relative uncertainty of the assumed sound speed
    coarse_tol_s: float = 2.5       # earliest a pick may precede the seed (clock errors)
    final_tol_s: float = 0.4        # fit tolerance of a member pick after location
    min_sensors: int = 7            # distinct sensors an event needs
    strong_sensors: int = 11        # events this well recorded are founded in a first sweep
    fit_speed_min: int = 99         # arrivals needed to fit the sound speed per event


@dataclass(frozen=True)
class Hypothesis:
    """A located event and the picks (row indices) that define it."""

    fix: Fix
    members: np.ndarray


def associate(pick_t: np.ndarray, pick_s: np.ndarray, sx: np.ndarray, sy: np.ndarray,
              speed_at, params: AssociationParams, progress=None,
              wind: tuple[float, float] = (0.0, 0.0)) -> tuple[list[Hypothesis], np.ndarray]:
    """Group picks into located events.

    ``pick_t`` (seconds, sorted ascending) and ``pick_s`` (sensor index) describe the picks;
    ``speed_at(t)`` gives the sound speed to assume at time t and ``wind`` (m/s east, north) the
    wind that adds to it along each path. Returns the events and,
    per pick, the index of its event or -1. Strong events are founded first (``strong_sensors``
    or more), so that the leftovers of one event cannot combine with the picks of a later one.
    """
    owner = np.full(len(pick_t), -1, dtype=np.int64)
    events: list[Hypothesis] = []
    for k, floor in enumerate((params.strong_sensors, params.min_sensors)):
        staged = replace(params, min_sensors=floor)
        report = None if progress is None else (lambda i, m, k=k: progress(k * m + i, 2 * m))
        _sweep(pick_t, pick_s, sx, sy, speed_at, staged, report, owner, events, wind)
    return events, owner


def _sweep(pick_t, pick_s, sx, sy, speed_at, params, progress, owner, events, wind) -> None:
    """One time-ordered sweep of seeds, appending to ``events`` and marking ``owner``."""
    n = len(pick_t)
    tried = np.zeros(n, dtype=bool)
    sensor_d = np.hypot(sx[:, None] - sx[None, :], sy[:, None] - sy[None, :])
    offsets = _grid(params.radius_m, params.coarse_m)
    for i in range(n):
        if progress is not None and i % 500 == 0:
            progress(i, n)
        if owner[i] >= 0 or tried[i]:
            continue
        tried[i] = True
        hyp = _from_seed(i, pick_t, pick_s, owner, sx, sy, sensor_d, offsets, float(speed_at(pick_t[i])), params,
                         wind)
        if hyp is not None:
            owner[hyp.members] = len(events)
            events.append(hyp)
    if progress is not None:
        progress(n, n)


def _grid(radius: float, step: float) -> np.ndarray:
    g = np.arange(-radius + step / 2, radius, step)
    gx, gy = np.meshgrid(g, g)
    keep = np.hypot(gx, gy) <= radius + step
    return np.column_stack([gx[keep], gy[keep]])


def _children(cells: np.ndarray, step: float) -> np.ndarray:
    q = step / 4
    kids = np.array([[-q, -q], [-q, q], [q, -q], [q, q]])
    return (cells[:, None, :] + kids[None, :, :]).reshape(-1, 2)


def _candidates(i, pick_t, pick_s, owner, sensor_d, c, params) -> np.ndarray:
    s = pick_s[i]
    hi = np.searchsorted(pick_t, pick_t[i] + 2 * params.radius_m / (0.9 * c), side="right")
    lo = np.searchsorted(pick_t, pick_t[i] - params.coarse_tol_s, side="left")
    idx = np.arange(lo, hi)
    idx = idx[(owner[idx] < 0) & (pick_s[idx] != s) & (idx != i)]
    near = sensor_d[s, pick_s[idx]] <= 2 * params.radius_m
    idx = idx[near]
    dt = pick_t[idx] - pick_t[i]
    return idx[dt <= sensor_d[s, pick_s[idx]] / (0.9 * c) + params.coarse_tol_s]


def _score(cells, cand, i, pick_t, pick_s, sx, sy, c, cell_s, params, wind=(0.0, 0.0)):
    """Per cell: sensors fitting within the cell bound (for pruning), sensors fitting tightly at
    the cell centre (for ranking), a soft misfit, the tight fit mask and the residuals."""
    s = pick_s[i]
    usens, inv = np.unique(pick_s[cand], return_inverse=True)
    d_cells = np.hypot(sx[usens][:, None] - cells[None, :, 0], sy[usens][:, None] - cells[None, :, 1])
    d_seed = np.hypot(cells[:, 0] - sx[s], cells[:, 1] - sy[s])
    dq = d_cells[inv]
    cq = effective_speed(cells[None, :, 0], cells[None, :, 1], sx[pick_s[cand]][:, None], sy[pick_s[cand]][:, None], c, wind)
    cs = effective_speed(cells[:, 0], cells[:, 1], sx[s], sy[s], c, wind)
    resid = (pick_t[cand] - pick_t[i])[:, None] - (dq / cq - (d_seed / cs)[None, :])
    tight = params.pick_tol_s + params.speed_uncertainty * np.maximum(dq, d_seed[None, :]) / c
    fits = np.abs(resid) <= tight
    loose = np.abs(resid) <= tight + cell_s
    order = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[order], np.arange(len(usens)))
    n_loose = np.logical_or.reduceat(loose[order], starts, axis=0).sum(axis=0) + 1
    n_tight = np.logical_or.reduceat(fits[order], starts, axis=0).sum(axis=0) + 1
    # likelihood of each fit against the background of unrelated picks at that sensor
    window = max(float(pick_t[cand].max() - pick_t[i]), 10.0)
    background = max(len(cand), 1) / (len(usens) * window)
    sigma = (tight + cell_s) / 2.5
    ll = np.log1p(np.exp(-0.5 * (resid / sigma) ** 2) / (sigma * 2.5066 * background))
    score = np.maximum.reduceat(ll[order], starts, axis=0).sum(axis=0)
    return n_loose, n_tight, -score, fits, resid


def _from_seed(i, pick_t, pick_s, owner, sx, sy, sensor_d, offsets, c, params, wind) -> Hypothesis | None:
    cand = _candidates(i, pick_t, pick_s, owner, sensor_d, c, params)
    if len(np.unique(pick_s[cand])) + 1 < params.min_sensors:
        return None
    s = pick_s[i]
    cells, step = offsets + np.array([sx[s], sy[s]]), params.coarse_m
    while True:
        n_loose, n_tight, misfit, fits, resid = _score(cells, cand, i, pick_t, pick_s, sx, sy, c,
                                                       step * 1.42 / c, params, wind)
        viable = np.nonzero(n_loose >= params.min_sensors)[0]
        if len(viable) == 0:
            return None
        rank = viable[np.argsort(misfit[viable], kind="stable")]
        if step <= params.fine_m:
            break
        cells = _children(cells[rank[: params.beam * (4 if step >= params.coarse_m else 1)]], step)
        step /= 2
    best = rank[0]
    if n_tight[best] < params.min_sensors:
        return None
    chosen = _one_per_sensor(cand[fits[:, best]], np.abs(resid[fits[:, best], best]), pick_s)
    members = np.concatenate([[i], chosen])
    return _refine(members, cand, i, cells[best], pick_t, pick_s, sx, sy, c, params, wind)


def _one_per_sensor(idx: np.ndarray, score: np.ndarray, pick_s: np.ndarray) -> np.ndarray:
    order = np.lexsort((score, pick_s[idx]))
    idx = idx[order]
    _, first = np.unique(pick_s[idx], return_index=True)
    return idx[first]


def _refine(members, cand, seed, start, pick_t, pick_s, sx, sy, c, params, wind) -> Hypothesis | None:
    fix = locate(sx[pick_s[members]], sy[pick_s[members]], pick_t[members], (float(start[0]), float(start[1])), c,
                 wind=wind)
    pool = np.concatenate([[seed], cand])
    for _ in range(2):  # re-decide membership from the located source, then relocate
        r = pick_t[pool] - predicted(fix.x, fix.y, fix.t0, fix.speed, sx[pick_s[pool]], sy[pick_s[pool]], wind)
        ok = np.abs(r) <= params.final_tol_s
        members = _one_per_sensor(pool[ok], np.abs(r[ok]), pick_s)
        if len(members) < params.min_sensors:
            return None
        fit_c = len(members) >= params.fit_speed_min
        fix = locate(sx[pick_s[members]], sy[pick_s[members]], pick_t[members], (fix.x, fix.y), c, fit_speed=fit_c,
                     wind=wind)
    keep = fix.weights > 0.05
    if keep.sum() < params.min_sensors or not fix.ok:
        return None
    order = np.argsort(members[keep])
    fix = replace(fix, residuals=fix.residuals[keep][order], weights=fix.weights[keep][order])
    return Hypothesis(fix, members[keep][order])
