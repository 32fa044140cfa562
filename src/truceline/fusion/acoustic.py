"""The acoustic chain: two association passes with sound speed and sensor terms learnt in between.

Pass one associates with a nominal sound speed and a loose tolerance. From its best-recorded events
it learns the effective sound speed hour by hour (never assumed) and each sensor's time term (a
clock offset shows as a steady residual, as station terms do in seismology). Pass two associates
again with both corrections. The result is a level-1 event table: where, when, how sure, and what
the sensors said it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from truceline.fusion.associate import AssociationParams, Hypothesis, associate
from truceline.fusion.locate import ellipse, locate
from truceline.geodesy import LocalProjection
from truceline.model.tables import Columns


@dataclass(frozen=True)
class AcousticParams:
    """Settings of the acoustic chain."""

    nominal_speed_mps: float = 340.0
    association: AssociationParams = field(default_factory=AssociationParams)
    first_pass_tol_s: float = 1.5
    sensor_term_min_events: int = 5
    sensor_term_min_s: float = 0.08


@dataclass(frozen=True)
class AcousticResult:
    """Located events (level 1), the owner event per pick, and what was learnt on the way."""

    events: Columns
    pick_event: np.ndarray
    speed_by_hour: np.ndarray
    sensor_terms: np.ndarray
    wind: tuple[float, float] = (0.0, 0.0)


def detect(picks: Columns, sensors: Columns, proj: LocalProjection, params: AcousticParams,
           progress=None) -> AcousticResult:
    """Associate and locate ``picks`` from ``sensors`` (both conformed tables)."""
    sx, sy = proj.to_xy(sensors["lon"], sensors["lat"])
    index = {s: k for k, s in enumerate(sensors["sensor_id"])}
    ps = np.array([index[s] for s in picks["sensor_id"]], dtype=np.int64)
    t = np.asarray(picks["time"], dtype=float)
    t_ref = float(np.floor(t.min() / 86400.0) * 86400.0) if len(t) else 0.0
    loose = AssociationParams(**{**params.association.__dict__, "final_tol_s": params.first_pass_tol_s,
                                 "speed_uncertainty": 0.03})
    first, _ = associate(t, ps, sx, sy, lambda _t: params.nominal_speed_mps, loose,
                         None if progress is None else (lambda i, n: progress(i, 2 * n)))
    wind, first = estimate_wind(first, t, ps, sx, sy, params.nominal_speed_mps)
    speeds = _speed_by_hour(first, t_ref, params.nominal_speed_mps)
    terms = _sensor_terms(first, t, ps, len(sx), params)
    tc = t - terms[ps]
    order = np.argsort(tc, kind="stable")
    speed_at = lambda tt: speeds[int(np.clip((tt - t_ref) // 3600, 0, 23))]  # noqa: E731
    second, owner_sorted = associate(tc[order], ps[order], sx, sy, speed_at, params.association,
                                     None if progress is None else (lambda i, n: progress(n + i, 2 * n)), wind)
    owner = np.empty_like(owner_sorted)
    owner[order] = owner_sorted
    members = [order[h.members] for h in second]
    events = _table(second, members, picks, proj)
    return AcousticResult(events, owner, speeds, terms, wind)


def estimate_wind(events: list[Hypothesis], t: np.ndarray, ps: np.ndarray, sx: np.ndarray, sy: np.ndarray,
                  nominal: float, sample: int = 150) -> tuple[tuple[float, float], list[Hypothesis]]:
    """The day's wind (m/s east, north) that best explains well-recorded events, by grid search.

    Each candidate wind relocates a sample of events with their own sound speed free; the wind
    with the smallest robust misfit wins. Returns it and the events relocated with it.
    """
    good = [h for h in events if len(h.members) >= 9]
    if len(good) < 10:
        return (0.0, 0.0), events
    step = max(len(good) // sample, 1)
    picked = good[::step][:sample]

    def misfit(w: tuple[float, float]) -> float:
        total = 0.0
        for h in picked:
            m = h.members
            f = locate(sx[ps[m]], sy[ps[m]], t[m], (h.fix.x, h.fix.y), h.fix.speed, fit_speed=True, wind=w)
            total += float(np.sum(np.minimum(f.residuals**2, 0.36)))
        return total

    best = (0.0, 0.0)
    for span in (4.0, 1.0):
        grid = [(best[0] + i * span, best[1] + j * span) for i in (-2, -1, 0, 1, 2) for j in (-2, -1, 0, 1, 2)]
        best = min(grid, key=misfit)
    relocated = []
    for h in events:
        m = h.members
        f = locate(sx[ps[m]], sy[ps[m]], t[m], (h.fix.x, h.fix.y), h.fix.speed, fit_speed=len(m) >= 7, wind=best)
        relocated.append(Hypothesis(replace(f, residuals=f.residuals, weights=f.weights), m))
    return best, relocated


def _speed_by_hour(events: list[Hypothesis], t_ref: float, nominal: float) -> np.ndarray:
    fitted = [(h.fix.t0, h.fix.speed) for h in events if len(h.members) >= 7 and h.fix.speed != nominal]
    if not fitted:
        return np.full(24, nominal)
    tt, cc = np.array(fitted).T
    overall = float(np.median(cc))
    hours = np.clip(((tt - t_ref) // 3600).astype(int), 0, 23)
    out = np.full(24, overall)
    for h in range(24):
        near = np.abs(hours - h) <= 1
        if near.sum() >= 5:
            out[h] = float(np.median(cc[near]))
    return out


def _sensor_terms(events: list[Hypothesis], t: np.ndarray, ps: np.ndarray, n_sensors: int,
                  params: AcousticParams) -> np.ndarray:
    """Median residual per sensor over well-recorded events (zero where not clearly non-zero)."""
    res_s, res_r = [], []
    for h in events:
        if len(h.members) < 6:
            continue
        good = h.fix.weights > 0.05
        res_s.append(ps[h.members])
        res_r.append(np.where(good, h.fix.residuals, np.nan))
    terms = np.zeros(n_sensors)
    if not res_s:
        return terms
    s, r = np.concatenate(res_s), np.concatenate(res_r)
    ok = np.isfinite(r)
    s, r = s[ok], r[ok]
    for k in np.unique(s):
        rk = r[s == k]
        if len(rk) >= params.sensor_term_min_events and abs(np.median(rk)) >= params.sensor_term_min_s:
            terms[k] = float(np.median(rk))
    return terms


def _vote(kinds: np.ndarray) -> tuple[str, float, float]:
    """Majority on-sensor label and the fractions of 'unknown' and of the winning label."""
    n = max(len(kinds), 1)
    counts = {k: int(np.sum(kinds == k)) for k in ("launch", "impact", "unknown")}
    fire = {k: counts[k] for k in ("launch", "impact")}
    winner = max(fire, key=fire.get)
    return winner, counts["unknown"] / n, fire[winner] / n


def _table(hyps: list[Hypothesis], members: list[np.ndarray], picks: Columns, proj: LocalProjection) -> Columns:
    rows = []
    for k, (h, m) in enumerate(zip(hyps, members)):
        f = h.fix
        major, minor, az = ellipse(f.cov[:2, :2])
        label, unknown_frac, win_frac = _vote(picks["kind"][m])
        rows.append((f.x, f.y, f.t0, major, minor, az, float(np.sqrt(max(f.cov[2, 2], 0.0))), len(m), f.rms,
                     label, unknown_frac, win_frac, f.speed))
    names = ("x", "y", "time", "sigma_major_m", "sigma_minor_m", "azimuth_deg", "sigma_time_s", "n_sensors",
             "rms_s", "label", "unknown_frac", "label_frac", "speed_mps")
    if not rows:
        cols = {n: np.empty(0) for n in names}
        cols["label"] = np.empty(0, dtype=object)
    else:
        cols = {n: np.array(v, dtype=object if n == "label" else None) for n, v in zip(names, zip(*rows))}
    order = np.argsort(cols["time"], kind="stable")
    cols = {n: v[order] for n, v in cols.items()}
    lon, lat = proj.to_lonlat(cols["x"], cols["y"])
    cols["event_id"] = np.array([f"E{k + 1:06d}" for k in range(len(order))], dtype=object)
    cols["lon"], cols["lat"] = lon, lat
    cols["n_sensors"] = cols["n_sensors"].astype(np.int64)
    cols["member_picks"] = np.array([picks["pick_id"][members[j]] for j in order] + [None], dtype=object)[:-1]
    return Columns(cols)
