"""Events made of picks that other, larger events predict: fragments and salvo mixtures.

Two failures of greedy association leave an event that should not exist:

- a *fragment*: a source heard by many sensors is split in two, the second event built from
  sensors the first did not reach (another window, or a repeat) and located off along the
  direction those sensors see it from (a one-sided array barely constrains range);
- a *mixture*: picks of two or three rounds of a salvo, each missing from its own round's event,
  fitted together at a wrong place.

Either way, the larger events nearby predict the picks: a member pick of event B *fits* event A
when A has no pick from that sensor and A's predicted arrival there lies within the
association's tolerance. When at least ``fragment_fit`` of B's picks fit events larger than B,
B is dissolved: each fitting pick goes to the event it fits best, the rest are set free. Rounds
of a salvo are seconds apart at one place, so a real round's picks fit no other round.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from truceline.fusion.propagation import Propagation


@dataclass(frozen=True)
class FragmentParams:
    """Settings of the fragment test."""

    near_m: float = 15_000.0   # larger events this close in place ...
    near_s: float = 45.0       # ... and origin time are checked
    fragment_fit: float = 0.5  # share of an event's picks the larger events must predict to dissolve it


def absorb(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, t: np.ndarray, ps: np.ndarray,
           sx: np.ndarray, sy: np.ndarray, model: Propagation, tol_s: float, speed_uncertainty: float,
           params: FragmentParams = FragmentParams()) -> np.ndarray:
    """The member rows after dissolving fragments and mixtures into the events that predict them.

    ``x, y, t0``: the events' positions; ``rows``: their member picks (-1 padded); ``t`` raw pick
    times, ``ps`` pick sensors. A dissolved event's row is left empty (all -1); the events that
    took picks have them appended (the result may be wider than ``rows``).
    """
    n = len(rows)
    if n < 2:
        return rows
    size = (rows >= 0).sum(axis=1)
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(params.near_m, output_type="ndarray").reshape(-1, 2)
    pairs = np.concatenate([pairs, pairs[:, ::-1]])            # both directions: (A, B), B the smaller
    a, b = pairs[:, 0], pairs[:, 1]
    ok = ((size[a] > size[b]) | ((size[a] == size[b]) & (a < b))) & (np.abs(t0[a] - t0[b]) <= params.near_s)
    a, b = a[ok], b[ok]
    if len(a) == 0:
        return rows
    has = np.zeros((n, len(sx)), dtype=bool)
    r, c = np.nonzero(rows >= 0)
    has[r, ps[rows[r, c]]] = True
    m = rows[b]
    have = m >= 0
    pick = np.maximum(m, 0)
    sensor = ps[pick]
    gx, gy = sx[sensor], sy[sensor]
    d = np.hypot(gx - x[a][:, None], gy - y[a][:, None])
    speed = model.speed(t0[a])[:, None] + (model.wind[0] * (gx - x[a][:, None]) +
                                           model.wind[1] * (gy - y[a][:, None])) / np.maximum(d, 1.0)
    lag = np.abs(t[pick] - model.terms[sensor] - (t0[a][:, None] + d / speed))
    tol = tol_s + speed_uncertainty * d / 340.0
    fits = have & (lag <= tol) & ~has[a[:, None], sensor]
    score = np.where(fits, lag / tol, np.inf)
    return _reassign(rows, a, b, score, size, ps, params.fragment_fit)


def _reassign(rows: np.ndarray, a: np.ndarray, b: np.ndarray, score: np.ndarray, size: np.ndarray, ps: np.ndarray,
              fragment_fit: float) -> np.ndarray:
    """Dissolve each event whose picks the larger events predict (``score`` finite: the pick in
    column j of event ``b[k]`` fits event ``a[k]``, lower is better), smallest events first."""
    members = [list(r[r >= 0]) for r in rows]
    sensors = [set(ps[m]) for m in members]
    alive = np.ones(len(rows), dtype=bool)
    candidates = np.unique(b)
    for e in candidates[np.argsort(size[candidates], kind="stable")]:
        ks = np.flatnonzero((b == e) & alive[a])
        if len(ks) == 0:
            continue
        best = np.argmin(score[ks], axis=0)
        fitted = np.flatnonzero(np.isfinite(score[ks][best, np.arange(score.shape[1])]))
        if len(fitted) == 0 or len(fitted) < fragment_fit * size[e]:
            continue
        for j in fitted:
            target, pick = int(a[ks[best[j]]]), int(rows[e][j])
            if ps[pick] not in sensors[target]:
                members[target].append(pick)
                sensors[target].add(ps[pick])
        members[e] = []
        alive[e] = False
    width = max((len(m) for m in members), default=1)
    out = np.full((len(rows), max(width, 1)), -1, dtype=np.int64)
    for i, m in enumerate(members):
        out[i, :len(m)] = m
    return out
