"""Silent sensors: the ones that should have heard an event and did not.

A faint source is heard by the sensors nearest it first; the farther ones fall silent as the
sound weakens. So an event whose sensors are not its nearest ones, with working sensors nearer
than its farthest member that heard nothing, was more likely made of arrivals from several
sources that happen to line up. With four sensors and three unknowns (x, y, origin time) such a
combination fits as well as a real source: the timing leaves one degree of freedom to test it,
the silence of the nearer sensors is the stronger test. This is the evidence of non-detection
that NET-VISA, the CTBTO's associator, weighs beside the detections (Arora et al. 2013).

A sensor counts as up around an event when it reported any pick within ``alive_s`` of the
event's origin time: an outage, a flat battery or a cut cable leaves none. A working sensor
quiet for that long is taken as down too, which only makes the count smaller.
"""

from __future__ import annotations

import numpy as np


def silent_nearer(ex: np.ndarray, ey: np.ndarray, et0: np.ndarray, members: list[np.ndarray], sx: np.ndarray,
                  sy: np.ndarray, ps: np.ndarray, t: np.ndarray, alive_s: float = 600.0) -> np.ndarray:
    """Per event: sensors nearer than its farthest member that were up and heard nothing of it.

    ``members``: the pick rows of each event; ``ps``: sensor index per pick; ``t``: pick times.
    """
    n = len(ex)
    out = np.zeros(n, dtype=np.int64)
    if n == 0 or len(t) == 0:
        return out
    span = float(t.max() - t.min()) + 4.0 * alive_s + 1.0
    key = np.sort(ps * span + (t - t.min()))                  # every pick, by sensor then time
    for k in range(n):
        heard = np.unique(ps[members[k]])
        d = np.hypot(sx - ex[k], sy - ey[k])
        nearer = np.flatnonzero(d < d[heard].max())
        nearer = nearer[~np.isin(nearer, heard)]
        if len(nearer) == 0:
            continue
        at = et0[k] - t.min()
        lo = np.searchsorted(key, nearer * span + at - alive_s)
        hi = np.searchsorted(key, nearer * span + at + alive_s)
        out[k] = int(np.count_nonzero(hi > lo))
    return out
