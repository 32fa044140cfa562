"""What the satellites could see: the probability that a fire started at a time and place would
appear in the FIRMS hotspots of the day.

Level 2. The thermal instruments fly sun-synchronous orbits: each satellite passes over a place
twice a day at fixed local solar times (VIIRS on Suomi NPP, NOAA-20 and NOAA-21 near 13:30 and
01:30, NOAA-20 and -21 a quarter and a half orbit ahead of NPP; MODIS on Terra near 10:30 and
22:30, on Aqua near 13:30 and 01:30), so the UTC time of a pass is the local solar time minus
longitude / 15°. Passes the hotspot files themselves show replace the nominal ones of the same
satellite within two hours. A fire started at t₀ is seen at a pass at t ≥ t₀ with probability

    clear · p_detect(instrument) · P(still burning after t - t₀)

(burn durations lognormal, median ``burn_median_h``), and seen at all with one minus the product
of the misses. Without a cloud mask ``clear_p`` is the season's chance that a pass sees the
ground: a stated assumption, shown beside every figure it enters. FIRMS silence is weak evidence:
on a clear day a fire burning three hours is missed about half the time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import lognorm

from truceline.model.tables import Columns

NOMINAL_LST_H = {"N": ("VIIRS", (13.5, 1.5)), "N20": ("VIIRS", (12.7, 0.7)), "N21": ("VIIRS", (11.9, 23.9)),
                 "Terra": ("MODIS", (10.5, 22.5)), "Aqua": ("MODIS", (13.5, 1.5))}
"""Local solar times (h) of the day and night passes, by FIRMS satellite code."""


@dataclass(frozen=True)
class SatelliteModel:
    """Stated assumptions of satellite coverage."""

    clear_p: float = 0.45                       # a pass sees the ground this often (no cloud mask read)
    burn_median_h: float = 3.0                  # a fire a round starts burns this long (median) ...
    burn_sigma: float = 0.6                     # ... lognormal spread
    p_detect: tuple[tuple[str, float], ...] = (("VIIRS", 0.95), ("MODIS", 0.45))   # a burning fire, clear sky
    replace_s: float = 2 * 3600.0               # an observed pass replaces a nominal one this close


@dataclass(frozen=True)
class Passes:
    """The day's overpasses over a longitude: satellite, instrument, UTC epoch seconds."""

    satellite: tuple[str, ...]
    instrument: tuple[str, ...]
    time: NDArray[np.float64]


def passes(day_start: float, lon: float, thermal: Columns | None = None,
           model: SatelliteModel = SatelliteModel()) -> Passes:
    """Nominal passes of the day (and the evening before) at ``lon``, replaced by observed ones."""
    sat, ins, t = [], [], []
    for code, (instrument, hours) in NOMINAL_LST_H.items():
        for h in hours:
            for day in (-1, 0):
                sat.append(code)
                ins.append(instrument)
                t.append(day_start + day * 86400.0 + ((h - lon / 15.0) % 24.0) * 3600.0)
    t_arr = np.array(t)
    if thermal is not None and len(thermal):
        seen = {(str(s), round(float(x) / 600.0)) for s, x in zip(thermal["satellite"], thermal["time"])}
        for s, k in sorted(seen):
            x = k * 600.0
            near = [i for i in range(len(sat)) if sat[i] == s and abs(t_arr[i] - x) <= model.replace_s]
            if near:
                t_arr[near[0]] = x
    return Passes(tuple(sat), tuple(ins), t_arr)


def p_fire_seen(t0: ArrayLike, day: Passes, model: SatelliteModel = SatelliteModel()) -> NDArray[np.float64]:
    """Probability that a fire started at each ``t0`` appears in the day's hotspots (see module)."""
    t0 = np.atleast_1d(np.asarray(t0, float))
    detect = dict(model.p_detect)
    miss = np.ones(len(t0))
    burn = lognorm(s=model.burn_sigma, scale=model.burn_median_h * 3600.0)
    for ins, t in zip(day.instrument, day.time):
        dt = t - t0
        still = np.where(dt >= 0, burn.sf(np.maximum(dt, 0.0)), 0.0)
        miss *= 1.0 - model.clear_p * detect.get(ins, 0.0) * still
    return 1.0 - miss


def day_passes(events: Columns, thermal: Columns, day_start: float, model: SatelliteModel = SatelliteModel()) -> Passes:
    """The passes of a reporting day over the median longitude of its events (a pass's time moves
    four minutes per degree: across a 1,300 km front, within the fires' hours-long burns)."""
    lon = np.r_[np.asarray(events["lon"], float), np.asarray(thermal["lon"], float) if len(thermal) else []]
    return passes(day_start, float(np.median(lon)) if len(lon) else 0.0, thermal, model)
