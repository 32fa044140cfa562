"""Free picks that fit a located event join it (level 1).

The association builds an event from the picks it finds together; later steps split mixtures
into rounds, dissolve fragments and drop events under their floor. A pick of a dropped fragment
is then free, though its sound is the same as that of an event still standing (on the demo day
five clean picks of one MLRS launch, each within 0.05 s of its prediction, went so: their
fragments were unmixed into rounds too small to keep). Once every event has its final place, a
free pick joins the event predicting an arrival nearest it at its sensor when

- the residual is within ``tol_s`` (``AcousticParams.recruit_tol_s`` = 0.15 s, tighter than the
  members' own 0.25 s: a wrong member pulls the fix, a missing one only widens it), and
- the event holds no pick from that sensor (one arrival per sensor and source) and no other free
  pick of that sensor fits it better.

This is the last step before the reported fix, which weighs every member again with Tukey's
biweight and drops those that no longer fit.
"""

from __future__ import annotations

import numpy as np

from truceline.fusion.explain import nearest_prediction
from truceline.fusion.propagation import Propagation


def recruit(x: np.ndarray, y: np.ndarray, t0: np.ndarray, rows: np.ndarray, t: np.ndarray, ps: np.ndarray,
            sx: np.ndarray, sy: np.ndarray, model: Propagation, tol_s: float,
            sensors_per_event: int = 24) -> np.ndarray:
    """Member rows (-1 padded, possibly wider) with the free picks that fit an event added.

    ``x, y, t0``: the events' places and origin times; ``t``: raw pick times; ``ps``: sensor
    index per pick. ``tol_s`` <= 0 recruits nothing.
    """
    if tol_s <= 0 or len(rows) == 0:
        return rows
    owner = np.full(len(t), -1, dtype=np.int64)
    r, c = np.nonzero(rows >= 0)
    owner[rows[r, c]] = r
    free = np.flatnonzero(owner < 0)
    if len(free) == 0:
        return rows
    residual, event = nearest_prediction(free, ps, t - model.terms[ps], sx, sy, x, y, t0, model, tol_s,
                                         sensors_per_event)
    ok = np.isfinite(residual) & (event >= 0)
    free, residual, event = free[ok], np.abs(residual[ok]), event[ok]
    held = set(zip(r.tolist(), ps[rows[r, c]].tolist()))
    new = np.array([(e, ps[p]) not in held for e, p in zip(event.tolist(), free.tolist())], dtype=bool)
    free, residual, event = free[new], residual[new], event[new]
    if len(free) == 0:
        return rows
    order = np.lexsort((residual, ps[free], event))           # per (event, sensor) the best fit first
    free, event = free[order], event[order]
    first = np.r_[True, (event[1:] != event[:-1]) | (ps[free][1:] != ps[free][:-1])]
    free, event = free[first], event[first]
    size = (rows >= 0).sum(axis=1)
    extra = np.bincount(event, minlength=len(rows))
    out = np.full((len(rows), max(rows.shape[1], int((size + extra).max()))), -1, dtype=np.int64)
    for k in range(len(rows)):
        out[k, : size[k]] = rows[k][rows[k] >= 0]
    slot = size[event] + _rank_within(event)
    out[event, slot] = free
    return out


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2 … within each run of equal values of sorted ``groups``."""
    start = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    counts = np.diff(np.r_[start, len(groups)])
    return np.arange(len(groups)) - np.repeat(start, counts)
