"""Why each pick is where it is: its event and residual, or the reason no event took it.

Users of seismic associators ask for exactly this. An unassociated pick is

- an *outlier for E*, when event E predicts an arrival at its sensor within ``near_s`` but the
  pick missed E's tolerance (and E has no other pick from that sensor);
- a *second arrival at this sensor for E*, when E already holds a pick from the same sensor
  (an echo, a second detection of the same sound);
- *sensor clock suspect*, when no event explains it and its sensor's time term is large enough
  to flag the sensor for service;
- otherwise *no consistent partner*: no event predicts an arrival near it (a false pick, or a
  source heard by too few sensors to locate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from truceline.fusion.propagation import Propagation
from truceline.model.tables import PICK_ASSIGNMENTS, Columns


@dataclass(frozen=True)
class ExplainParams:
    """Settings of the explanation of unassociated picks."""

    near_s: float = 2.0         # a pick this close to an event's predicted arrival is its outlier
    sensors_per_event: int = 24  # sensors around each event whose predictions are checked
    service_s: float = 0.15      # time term from which a sensor's clock is suspect


def explain(pick_ids: np.ndarray, pick_sensor: np.ndarray, t: np.ndarray, sensor_ids: np.ndarray,
            sx: np.ndarray, sy: np.ndarray, events: Columns, owner: np.ndarray, residual: np.ndarray,
            model: Propagation, params: ExplainParams = ExplainParams()) -> Columns:
    """One row per pick (``PICK_ASSIGNMENTS``): its event and residual, or why it has none.

    ``pick_sensor``: sensor index per pick; ``t``: raw pick times; ``events``: level-1 events
    (x, y, time, event_id); ``owner``: event row per pick (-1 none); ``residual``: per member pick.
    """
    n = len(t)
    tc = t - model.terms[pick_sensor]
    event_col = np.where(owner >= 0, np.asarray(events["event_id"], dtype=object)[np.maximum(owner, 0)], "")
    res = np.where(owner >= 0, residual, np.nan)
    reason = np.full(n, "", dtype=object)
    free = np.flatnonzero(owner < 0)
    if len(events) and len(free):
        best_r, best_e = nearest_prediction(free, pick_sensor, tc, sx, sy, np.asarray(events["x"], dtype=float),
                                            np.asarray(events["y"], dtype=float), np.asarray(events["time"], dtype=float),
                                            model, params.near_s, params.sensors_per_event)
        near = np.isfinite(best_r)
        used = _sensor_used(owner, pick_sensor, len(events))
        for k, i in enumerate(free):
            if not near[k]:
                continue
            e = best_e[k]
            name = events["event_id"][e]
            res[i] = best_r[k]
            if (e, pick_sensor[i]) in used:
                reason[i] = f"second arrival at this sensor for {name} ({best_r[k]:+.2f} s)"
            else:
                reason[i] = f"outlier for {name} ({best_r[k]:+.2f} s)"
    suspect = np.abs(model.terms) >= params.service_s
    left = (owner < 0) & (reason == "")
    reason[left & suspect[pick_sensor]] = "sensor clock suspect"
    reason[(owner < 0) & (reason == "")] = "no consistent partner"
    status = np.where(owner >= 0, "associated", "unassociated").astype(object)
    return Columns.conform(PICK_ASSIGNMENTS, {
        "pick_id": pick_ids, "sensor_id": np.asarray(sensor_ids, dtype=object)[pick_sensor],
        "event_id": event_col.astype(object), "residual_s": np.round(res, 3), "status": status, "reason": reason})


def _sensor_used(owner: np.ndarray, pick_sensor: np.ndarray, n_events: int) -> set[tuple[int, int]]:
    members = np.flatnonzero(owner >= 0)
    return set(zip(owner[members].tolist(), pick_sensor[members].tolist()))


def nearest_prediction(free: np.ndarray, pick_sensor: np.ndarray, tc: np.ndarray, sx: np.ndarray, sy: np.ndarray,
                       ex: np.ndarray, ey: np.ndarray, et: np.ndarray, model: Propagation, near_s: float,
                       sensors_per_event: int) -> tuple[np.ndarray, np.ndarray]:
    """For each pick of ``free``: the residual (nan: none within ``near_s``) to the event, among
    those at ``ex, ey, et`` (origin time), predicting an arrival nearest it at its sensor (one of
    the event's ``sensors_per_event`` nearest), and that event (-1: none). ``tc``: pick times
    corrected by the sensors' time terms."""
    k = min(sensors_per_event, len(sx))
    _, near = cKDTree(np.column_stack([sx, sy])).query(np.column_stack([ex, ey]), k=k)
    near = np.asarray(near).reshape(len(ex), k)
    dx, dy = sx[near] - ex[:, None], sy[near] - ey[:, None]
    d = np.maximum(np.hypot(dx, dy), 1.0)
    c = model.speed(et)[:, None] + (model.wind[0] * dx + model.wind[1] * dy) / d
    predicted = et[:, None] + d / c                                   # (events, k)
    ev = np.repeat(np.arange(len(ex)), k)
    sensor, at = near.ravel(), predicted.ravel()
    order = np.lexsort((at, sensor))
    sensor, at, ev = sensor[order], at[order], ev[order]
    best_r = np.full(len(free), np.inf)
    best_e = np.full(len(free), -1, dtype=np.int64)
    ps, pt = pick_sensor[free], tc[free]
    lo = np.searchsorted(sensor * 1e7 + (at - at.min()), ps * 1e7 + (pt - near_s - at.min()))
    hi = np.searchsorted(sensor * 1e7 + (at - at.min()), ps * 1e7 + (pt + near_s - at.min()), side="right")
    for k_ in range(int((hi - lo).max(initial=0))):
        j = lo + k_
        ok = j < hi
        jj = np.minimum(j, len(at) - 1)
        r = pt - at[jj]
        better = ok & (np.abs(r) < np.abs(best_r))
        best_r = np.where(better, r, best_r)
        best_e = np.where(better, ev[jj], best_e)
    best_r[~np.isfinite(best_r)] = np.nan
    return best_r, best_e
