"""Acoustic arrivals: which sensor hears what, when, and what its on-board classifier says.

The propagation model is the one the engine is *not* told: an effective sound speed that follows
the day's temperature and a wind that adds along each path, per-sensor clock offsets, pick noise
with outliers, detection probability falling with distance, outages, wrong labels, false picks.
"""

from __future__ import annotations

import numpy as np

from truceline.geodesy import LocalProjection
from truceline.model.tables import Columns
from truceline.model.weapons import WEAPONS

NOMINAL_SOUND_SPEED = 340.0
R50_M = {"thunder": 13_000.0, "blast": 20_000.0}
R_WIDTH_M = 2_500.0
SOURCE_LEVEL = {"launch": 4_000.0, "impact": 3_000.0, "thunder": 1_200.0, "blast": 5_000.0}
LABEL_AS = {"launch": "launch", "impact": "impact", "blast": "impact", "thunder": "unknown"}


def _r50(kind: np.ndarray, wclass: np.ndarray) -> np.ndarray:
    out = np.empty(len(kind))
    for i, (k, w) in enumerate(zip(kind, wclass)):
        out[i] = (WEAPONS[w].launch_r50_m if k == "launch" else WEAPONS[w].impact_r50_m) if w else R50_M[k]
    return out


def sound_speed(t: np.ndarray, params, bias: float) -> np.ndarray:
    """True (hidden) effective sound speed without wind, following a diurnal temperature cycle."""
    hour = (np.asarray(t) - params.day_start) / 3600.0
    temp_c = 4.0 + 5.0 * np.sin(2 * np.pi * (hour - 9.0) / 24.0)
    c = 331.3 * np.sqrt(1 + temp_c / 273.15)
    return c * (NOMINAL_SOUND_SPEED / 334.5) * (1 + bias)


def make_picks(world, params, sensors: Columns, faults: Columns, truth: Columns,
               rng: np.random.Generator) -> tuple[Columns, float]:
    """True picks for every detected arrival plus false picks; returns picks and the mean speed."""
    proj: LocalProjection = world.projection()
    sx, sy = proj.to_xy(sensors["lon"], sensors["lat"])
    ex, ey = proj.to_xy(truth["lon"], truth["lat"])
    dx, dy = sx[None, :] - ex[:, None], sy[None, :] - ey[:, None]
    dist = np.hypot(dx, dy)
    r50 = _r50(truth["kind"], truth["weapon_class"])
    p_det = 1.0 / (1.0 + np.exp((dist - r50[:, None]) / R_WIDTH_M))
    bias = rng.uniform(-0.7, 0.7) * params.sound_speed_error
    heading = rng.uniform(0, 2 * np.pi)
    wind = params.wind_mps * np.array([np.sin(heading), np.cos(heading)])
    c = sound_speed(truth["time"], params, bias)[:, None] + (dx * wind[0] + dy * wind[1]) / np.maximum(dist, 1.0)
    arrival = truth["time"][:, None] + dist / c
    online = _online(arrival, faults)
    heard = (rng.random(dist.shape) < p_det) & online
    ev_i, se_i = np.nonzero(heard)
    noise, outlier = _pick_noise(truth["kind"][ev_i], params, rng)
    t = arrival[ev_i, se_i] + faults["clock_offset_s"][se_i] + noise
    kinds = _labels(truth["kind"][ev_i], params, rng)
    amp = SOURCE_LEVEL_ARRAY(truth["kind"][ev_i]) / np.maximum(dist[ev_i, se_i] / 1000.0, 0.3) * rng.lognormal(0, 0.3, len(ev_i))
    true_picks = {"sensor_id": sensors["sensor_id"][se_i], "time": t, "kind": kinds, "amplitude": amp,
                  "truth_id": truth["truth_id"][ev_i], "is_outlier": outlier}
    false_picks = _false_picks(len(ev_i), params, sensors, faults, rng)
    merged = {k: np.concatenate([true_picks[k], false_picks[k]]) for k in true_picks}
    order = np.argsort(merged["time"], kind="stable")
    merged = {k: v[order] for k, v in merged.items()}
    n = len(order)
    merged["snr"] = np.round(20 * np.log10(np.maximum(merged["amplitude"], 1e-3) / 0.5) + rng.normal(0, 2, n), 1)
    merged["amplitude"] = np.round(merged["amplitude"], 3)
    merged["received_at"] = merged["time"] + rng.uniform(1, 30, n)
    merged["pick_id"] = np.array([f"p{k:07d}" for k in rng.permutation(n)], dtype=object)
    return Columns(merged), float(np.mean(sound_speed(truth["time"], params, bias))) if len(truth) else 0.0


def SOURCE_LEVEL_ARRAY(kinds: np.ndarray) -> np.ndarray:  # noqa: N802 - a table lookup
    return np.array([SOURCE_LEVEL[k] for k in kinds], dtype=float)


def _online(arrival: np.ndarray, faults: Columns) -> np.ndarray:
    start, end = faults["outage_start"][None, :], faults["outage_end"][None, :]
    in_outage = (arrival >= start) & (arrival < end)
    return ~np.where(np.isnan(start), False, in_outage)


def _pick_noise(kind: np.ndarray, params, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Timing errors of true picks and which of them are outliers (the rest are N(0, pick_sigma_s))."""
    n = len(kind)
    noise = rng.normal(0.0, params.pick_sigma_s, n)
    outlier = rng.random(n) < params.pick_outlier_rate
    noise[outlier] += rng.choice([-1.0, 1.0], outlier.sum()) * rng.uniform(0.3, 2.0, outlier.sum())
    extended = kind == "thunder"  # an extended, rolling source: no sharp onset
    noise[extended] += rng.normal(0.0, 0.6, extended.sum()) + rng.exponential(0.5, extended.sum())
    return noise, outlier | extended


def _labels(kind: np.ndarray, params, rng: np.random.Generator) -> np.ndarray:
    labels = np.array([LABEL_AS[k] for k in kind], dtype=object)
    thunder = kind == "thunder"
    wrong = (rng.random(len(kind)) < params.label_error_rate) & ~thunder
    choices = np.array(["launch", "impact", "unknown"], dtype=object)
    for i in np.nonzero(wrong)[0]:
        labels[i] = rng.choice(choices[choices != labels[i]])
    tl = rng.random(thunder.sum())
    labels[thunder] = np.where(tl < 0.65, "unknown", np.where(tl < 0.85, "impact", "launch"))
    return labels


def _false_picks(n_true: int, params, sensors: Columns, faults: Columns, rng: np.random.Generator) -> dict:
    n = int(round(n_true * params.false_pick_fraction / max(1e-9, 1 - params.false_pick_fraction)))
    se = rng.integers(0, len(sensors), n)
    t = params.day_start + rng.uniform(0, 86_400.0, n)
    start, end = faults["outage_start"][se], faults["outage_end"][se]
    keep = ~((t >= start) & (t < end))
    se, t = se[keep], t[keep]
    kinds = np.array(["launch", "impact", "unknown"], dtype=object)[rng.choice(3, len(t), p=[0.3, 0.3, 0.4])]
    return {"sensor_id": sensors["sensor_id"][se], "time": t, "kind": kinds,
            "amplitude": rng.lognormal(np.log(2.0), 0.6, len(t)), "truth_id": np.full(len(t), "", dtype=object),
            "is_outlier": np.zeros(len(t), dtype=bool)}
