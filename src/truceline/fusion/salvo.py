"""The other rounds of a salvo: search for repeats of a located event at the same place.

A battery fires its rounds seconds apart from one position, so once one round is located the
others arrive at the same sensors with the same *moveout*: every sensor's pick is later (or
earlier) by the same lag ``tau``. For each located event, the picks no event took at its nearest
sensors are turned into lags against the predicted arrivals; a lag shared (within
``lag_tol_s``) by picks of ``min_sensors`` or more distinct sensors is a candidate round at that
place, passed on to gathering and location like any scanned candidate.

This is the seismologist's template search for repeating events, with the located event as the
template. A known position makes chance alignment rare (``min_sensors`` picks within
``2 lag_tol_s`` at one lag), so a repeat needs fewer sensors than an event found by the scan; it
also takes a salvo's later rounds before their picks can combine into a false event elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truceline.fusion.locate import effective_speed
from truceline.fusion.scan import Candidates


@dataclass(frozen=True)
class SalvoParams:
    """Settings of the repeat search (seconds)."""

    max_lag_s: float = 60.0   # rounds of one salvo searched within this lag of a located event
    lag_tol_s: float = 0.3    # picks whose lags agree within this share a round
    min_sensors: int = 4      # distinct sensors a repeat needs
    sensors: int = 16         # nearest sensors of the event whose picks are used


def repeats(ex: np.ndarray, ey: np.ndarray, et0: np.ndarray, ec: np.ndarray, t: np.ndarray, s: np.ndarray,
            free: np.ndarray, sx: np.ndarray, sy: np.ndarray, wind: tuple[float, float], params: SalvoParams,
            width: int) -> Candidates:
    """Candidate rounds at the positions of the events ``(ex, ey, et0)`` (sound speed ``ec``) among
    the ``free`` picks (times ``t``, sensor index ``s``), with ``wind`` (m/s east, north).

    ``width`` is the number of fitting-pick columns of the result (a :class:`Candidates` like the
    scan's: seed pick, position, and the other picks of the round).
    """
    idx = np.flatnonzero(free)
    order = idx[np.lexsort((t[idx], s[idx]))]
    off = np.searchsorted(s[order], np.arange(len(sx) + 1))
    seeds, xs, ys, fits, rows = [], [], [], [], []
    k = min(params.sensors, len(sx))
    for e in range(len(ex)):
        near = np.argsort(np.hypot(sx - ex[e], sy - ey[e]), kind="stable")[:k]
        d = np.maximum(np.hypot(sx[near] - ex[e], sy[near] - ey[e]), 1.0)
        arrive = et0[e] + d / effective_speed(ex[e], ey[e], sx[near], sy[near], ec[e], wind)
        lag, pick = _lags(t, order, off, near, arrive, params.max_lag_s)
        for members in _rounds(lag, s[pick], params):
            m = pick[members]
            seeds.append(m[0])
            rows.append(np.r_[m[1:width + 1], np.full(max(0, width - len(m) + 1), -1)][:width])
            xs.append(ex[e])
            ys.append(ey[e])
            fits.append(len(m) - 1)
    if not seeds:
        z = np.empty(0)
        return Candidates(np.empty(0, dtype=np.int64), z, z, np.empty(0, dtype=np.int64),
                          np.empty((0, width), dtype=np.int64))
    return Candidates(np.array(seeds, dtype=np.int64), np.array(xs), np.array(ys), np.array(fits, dtype=np.int64),
                      np.array(rows, dtype=np.int64))


def _lags(t: np.ndarray, order: np.ndarray, off: np.ndarray, near: np.ndarray, arrive: np.ndarray,
          max_lag: float) -> tuple[np.ndarray, np.ndarray]:
    """Lags (pick time minus predicted arrival) of the free picks at ``near`` within ``max_lag``."""
    lags, picks = [], []
    for j, sensor in enumerate(near):
        ts = t[order[off[sensor]:off[sensor + 1]]]
        lo, hi = np.searchsorted(ts, [arrive[j] - max_lag, arrive[j] + max_lag])
        lags.append(ts[lo:hi] - arrive[j])
        picks.append(order[off[sensor] + lo:off[sensor] + hi])
    lag, pick = np.concatenate(lags), np.concatenate(picks)
    o = np.argsort(lag, kind="stable")
    return lag[o], pick[o]


def _rounds(lag: np.ndarray, sensor: np.ndarray, params: SalvoParams) -> list[np.ndarray]:
    """Groups of lags within ``2 lag_tol_s`` holding ``min_sensors`` distinct sensors, best first,
    each pick in at most one group (one pick per sensor: the one nearest the group's median lag)."""
    out: list[np.ndarray] = []
    used = np.zeros(len(lag), dtype=bool)
    span = 2 * params.lag_tol_s
    while True:
        best, best_n = None, params.min_sensors - 1
        ends = np.searchsorted(lag, lag + span, side="right")
        for i in range(len(lag)):
            if used[i]:
                continue
            window = np.arange(i, ends[i])[~used[i:ends[i]]]
            n = len(np.unique(sensor[window]))
            if n > best_n:
                best, best_n = window, n
        if best is None:
            return out
        centre = np.median(lag[best])
        pick_order = best[np.argsort(np.abs(lag[best] - centre), kind="stable")]
        _, first = np.unique(sensor[pick_order], return_index=True)
        chosen = np.sort(pick_order[first])
        used[best] = True
        out.append(chosen)
