"""Events made of picks that other, larger events predict: fragments and salvo mixtures.

Two failures of greedy association leave an event that should not exist:

- a *fragment*: a source heard by many sensors is split in two, the second event built from
  sensors the first did not reach (another window, or a repeat) and located off along the
  direction those sensors see it from (a one-sided array barely constrains range);
- a *mixture*: picks of two or three rounds of a salvo, each missing from its own round's event,
  fitted together at a wrong place.

A third failure leaves two events for one source: a *split*, the source's sensors shared out
between two events that each locate it on their own, a few hundred metres and a second apart
(typically the sensor row on each side of the line). :func:`merge_splits` relocates each such
pair on the union of their picks and merges them where nearly all picks fit the joint location.

For fragments and mixtures, the larger events nearby predict the picks: a member pick of event B *fits* event A
when A has no pick from that sensor and A's predicted arrival there lies within the
association's tolerance. When at least ``fragment_fit`` of B's picks fit events larger than B,
B is dissolved: each fitting pick goes to the event it fits best, the rest are set free. Rounds
of a salvo are seconds apart at one place, so a real round's picks fit no other round.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from truceline.fusion.propagation import Propagation, padded, relocate


@dataclass(frozen=True)
class FragmentParams:
    """Settings of the fragment test."""

    near_m: float = 15_000.0   # larger events this close in place ...
    near_s: float = 45.0       # ... and origin time are checked
    fragment_fit: float = 0.5  # share of an event's picks the larger events must predict to dissolve it
    split_m: float = 3_000.0   # two events this close in place ...
    split_s: float = 4.0       # ... and origin time, ...
    split_shared: int = 1      # ... sharing at most this many sensors, are tried as one source,
    split_fit: float = 0.8     # merged where this share of their picks fits the joint location


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
    return padded([np.asarray(m, dtype=np.int64) for m in members])


def merge_splits(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, t: np.ndarray, ps: np.ndarray,
                 sx: np.ndarray, sy: np.ndarray, model: Propagation, tol_s: float, speed_uncertainty: float,
                 params: FragmentParams = FragmentParams()) -> tuple[np.ndarray, np.ndarray]:
    """(member rows, kept mask) after merging split events: pairs close in place and time that
    share at most ``split_shared`` sensors and whose union of picks (the larger event's pick where
    both have one) fits one location: ``split_fit`` of the picks within the association's
    tolerance, more than either event had (the misfits are pruned afterwards, as after every
    relocation). Each event merges at most once per call, best joint fit first; the merged-away
    event's row is dropped."""
    n = len(rows)
    keep = np.ones(n, dtype=bool)
    ab, joint = _split_pairs(x, y, t0, rows, ps, params) if n >= 2 else (np.zeros((0, 2), dtype=np.int64), None)
    if len(ab) == 0:
        return rows, keep
    fix = relocate(joint, x[ab[:, 0]], y[ab[:, 0]], t, ps, sx, sy, model, t0[ab[:, 0]])
    have = joint >= 0
    dist = np.hypot(sx[ps[np.maximum(joint, 0)]] - fix.x[:, None], sy[ps[np.maximum(joint, 0)]] - fix.y[:, None])
    tol = tol_s + speed_uncertainty * dist / 340.0
    good = have & (np.abs(np.nan_to_num(fix.residuals, nan=np.inf)) <= tol)
    n_good, n_all = good.sum(axis=1), have.sum(axis=1)
    fits = (n_good >= params.split_fit * n_all) & (n_good > (rows[ab] >= 0).sum(axis=2).max(axis=1))
    rms = np.sqrt((np.where(good, np.nan_to_num(fix.residuals), 0.0) ** 2).sum(axis=1) / np.maximum(n_good, 1))
    out = [r[r >= 0] for r in rows]
    used = np.zeros(n, dtype=bool)
    for k in np.flatnonzero(fits)[np.argsort(rms[fits], kind="stable")]:
        a, b = ab[k]
        if used[a] or used[b]:
            continue
        used[a] = used[b] = True
        out[a], keep[b] = joint[k][joint[k] >= 0], False
    return padded(out), keep


def _split_pairs(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, ps: np.ndarray,
                 params: FragmentParams) -> tuple[np.ndarray, np.ndarray]:
    """Candidate splits: ``(a, b)`` pairs (``a`` the larger) close in place and time sharing at most
    ``split_shared`` sensors, and each pair's union of picks (``a``'s where both have a sensor)."""
    pairs = cKDTree(np.column_stack([x, y])).query_pairs(params.split_m, output_type="ndarray").reshape(-1, 2)
    pairs = pairs[np.abs(t0[pairs[:, 0]] - t0[pairs[:, 1]]) <= params.split_s]
    size = (rows >= 0).sum(axis=1)
    members = [r[r >= 0] for r in rows]
    sensors = [set(ps[m].tolist()) for m in members]
    union, order = [], []
    for a, b in pairs:
        a, b = (a, b) if size[a] >= size[b] else (b, a)
        if len(sensors[a] & sensors[b]) > params.split_shared:
            continue
        extra = members[b][~np.isin(ps[members[b]], list(sensors[a]))]
        union.append(np.concatenate([members[a], extra]))
        order.append((a, b))
    return np.array(order, dtype=np.int64).reshape(-1, 2), padded(union)
