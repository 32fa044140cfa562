"""How sound travelled that day: effective sound speed over the day, wind, and per-sensor time terms.

Never assumed, always estimated from the day's own well-recorded events, as seismology estimates
station corrections:

- the effective sound speed follows the air temperature, so it is modelled as a smooth daily
  curve ``c(t) = a0 + a1 sin(wt) + b1 cos(wt) + a2 sin(2wt) + b2 cos(2wt)`` (w = 2 pi / 24 h);
- a uniform wind adds its component along each path, ``c_path = c(t) + w . u``;
- each sensor has a time term (a clock offset, or a site effect) that all its arrivals share.

:func:`fit_propagation` alternates: relocate the events with the current model, solve for the
speed curve and the wind from the residuals after projecting out each event's own position and
origin time (a linearised least-squares step with robust weights), and take each sensor's time
term as the median of its residuals. A sensor whose term exceeds ``service_s`` needs service.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from truceline.fusion.locate import locate_batch

DAY_S = 86_400.0


@dataclass(frozen=True)
class PropagationParams:
    """Settings of the propagation fit."""

    min_arrivals: int = 8           # events with fewer arrivals do not inform the fit
    harmonics: int = 2              # daily harmonics of the speed curve (fewer with few events)
    iterations: int = 4
    term_min_events: int = 8        # arrivals a sensor needs before it gets a time term
    term_min_s: float = 0.05        # terms smaller than this are left at zero
    service_s: float = 0.15         # a term this large flags the sensor for service
    max_events: int = 3_000         # well-recorded events used (evenly spread over the day)


@dataclass(frozen=True)
class Propagation:
    """The day's propagation model."""

    t_ref: float
    coeffs: np.ndarray = field(default_factory=lambda: np.array([340.0]))
    wind: tuple[float, float] = (0.0, 0.0)
    terms: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def speed(self, t: np.ndarray | float) -> np.ndarray:
        """Effective sound speed (m/s, without wind) at times ``t``."""
        return _basis(np.asarray(t, dtype=float), self.t_ref, len(self.coeffs)) @ self.coeffs

    def needs_service(self, service_s: float) -> np.ndarray:
        """Indices of sensors whose time term is at least ``service_s``."""
        return np.flatnonzero(np.abs(self.terms) >= service_s)


def _basis(t: np.ndarray, t_ref: float, n: int) -> np.ndarray:
    w = 2 * np.pi * (t - t_ref) / DAY_S
    cols = [np.ones_like(w)]
    for k in range(1, (n - 1) // 2 + 1):
        cols += [np.sin(k * w), np.cos(k * w)]
    return np.stack(cols, axis=-1)


def padded(members: list[np.ndarray], width: int | None = None) -> np.ndarray:
    """Member pick lists as an (n, width) array, -1 where an event has fewer."""
    width = width or max((len(m) for m in members), default=1)
    out = np.full((len(members), max(width, 1)), -1, dtype=np.int64)
    for i, m in enumerate(members):
        out[i, : min(len(m), width)] = m[:width]
    return out


TIMING_FLOOR_S = 0.07
"""The network's timing precision as the located events state it: the floor of the residual scale
behind each covariance (the simulator's picks err by 0.06 s; the learnt propagation leaves a
little more), so that an event whose few residuals happen to agree claims no better."""


def relocate(rows: np.ndarray, x: np.ndarray, y: np.ndarray, t: np.ndarray, s: np.ndarray, sx: np.ndarray,
             sy: np.ndarray, model: Propagation, t0_guess: np.ndarray, tukey_c: float = 0.6):
    """Locate events (member picks ``rows``, -1 padded) under ``model``; returns the batch fix.

    ``tukey_c``: arrivals off by more than this many seconds get no weight (Tukey's biweight)."""
    have = rows >= 0
    pick = np.maximum(rows, 0)
    arrivals = np.where(have, t[pick] - model.terms[s[pick]], np.nan)
    speed = model.speed(t0_guess)
    return locate_batch(sx[s[pick]], sy[s[pick]], arrivals, x, y, speed, model.wind, tukey_c=tukey_c,
                        sigma_floor=TIMING_FLOOR_S)


def fit_propagation(members: list[np.ndarray], x: np.ndarray, y: np.ndarray, t0: np.ndarray, t: np.ndarray,
                    s: np.ndarray, sx: np.ndarray, sy: np.ndarray, start: Propagation,
                    params: PropagationParams = PropagationParams()) -> Propagation:
    """Estimate the day's propagation from located events (their member picks and positions)."""
    good = np.flatnonzero([len(m) >= params.min_arrivals for m in members])
    if len(good) > params.max_events:
        good = good[np.linspace(0, len(good) - 1, params.max_events).round().astype(int)]
    model = replace(start, terms=start.terms if len(start.terms) == len(sx) else np.zeros(len(sx)))
    if len(good) < 10:
        return model
    n_coef = 1 + 2 * min(params.harmonics, len(good) // 40)
    coeffs = np.zeros(n_coef)
    coeffs[: min(n_coef, len(model.coeffs))] = model.coeffs[:n_coef]
    model = replace(model, coeffs=coeffs)
    rows = padded([members[i] for i in good], 40)
    x, y, t0 = x[good].astype(float), y[good].astype(float), t0[good].astype(float)
    have = rows >= 0
    for _ in range(params.iterations):
        fix = relocate(rows, x, y, t, s, sx, sy, model, t0)
        x, y, t0 = fix.x, fix.y, fix.t0
        model = _speed_and_wind(fix, rows, s, sx, sy, model)
        fix = relocate(rows, x, y, t, s, sx, sy, model, t0)
        model = _terms(fix, rows, have, s, len(sx), model, params)
    return model


def _speed_and_wind(fix, rows, s, sx, sy, model: Propagation) -> Propagation:
    """One linearised least-squares step for the speed coefficients and the wind."""
    pick = np.maximum(rows, 0)
    gx, gy = sx[s[pick]], sy[s[pick]]
    dx, dy = gx - fix.x[:, None], gy - fix.y[:, None]
    d = np.maximum(np.hypot(dx, dy), 1.0)
    ux, uy = dx / d, dy / d
    c = model.speed(fix.t0)[:, None] + model.wind[0] * ux + model.wind[1] * uy
    w = np.where(np.isfinite(fix.residuals), fix.weights, 0.0)
    r = np.nan_to_num(fix.residuals)
    basis = _basis(fix.t0, model.t_ref, len(model.coeffs))                 # (n, k)
    sens = -d / c**2                                                       # dt / dc along each path
    A = np.concatenate([sens[..., None] * basis[:, None, :], (sens * ux)[..., None], (sens * uy)[..., None]], axis=-1)
    J = np.stack([(fix.x[:, None] - gx) / (d * c), (fix.y[:, None] - gy) / (d * c), np.ones_like(d)], axis=-1)
    JW = J * w[..., None]
    N = np.einsum("nmi,nmj->nij", JW, J) + 1e-9 * np.eye(3)
    A_proj = A - J @ np.linalg.solve(N, np.einsum("nmi,nmk->nik", JW, A))  # the part events cannot absorb
    Aw = A_proj * w[..., None]
    M = np.einsum("nmi,nmj->ij", Aw, A_proj)
    g = np.einsum("nmi,nm->i", Aw, r)
    M += 1e-6 * np.trace(M) / len(M) * np.eye(len(M))
    step = np.linalg.solve(M, g)
    coeffs = model.coeffs + step[:-2]
    wind = (model.wind[0] + step[-2], model.wind[1] + step[-1])
    return replace(model, coeffs=coeffs, wind=(float(wind[0]), float(wind[1])))


def _terms(fix, rows, have, s, n_sensors: int, model: Propagation, params: PropagationParams) -> Propagation:
    """Add each sensor's median residual (over arrivals the locator trusted) to its time term."""
    ok = have & (fix.weights > 0.5) & np.isfinite(fix.residuals)
    sensor = s[np.maximum(rows, 0)][ok]
    resid = fix.residuals[ok]
    terms = model.terms.copy()
    order = np.argsort(sensor, kind="stable")
    sensor, resid = sensor[order], resid[order]
    bounds = np.searchsorted(sensor, np.arange(n_sensors + 1))
    for k in range(n_sensors):
        r = resid[bounds[k]:bounds[k + 1]]
        if len(r) >= params.term_min_events:
            shift = float(np.median(r))
            if abs(terms[k] + shift) >= params.term_min_s or terms[k] != 0.0:
                terms[k] += shift
    terms[np.abs(terms) < params.term_min_s] = 0.0
    return replace(model, terms=terms)
