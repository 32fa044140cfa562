"""Arrival-time location of an acoustic source: robust Gauss-Newton for (x, y, t0[, c]).

All positions are metres in a local projection. The covariance is the inverse of the weighted
normal matrix scaled by the larger of the residual variance and the pick-noise floor, so that a
poorly fitting event states a larger uncertainty rather than a smaller one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truceline.fusion.kernels import gauss_newton


@dataclass(frozen=True)
class Fix:
    """One location solution."""

    x: float
    y: float
    t0: float
    speed: float
    cov: np.ndarray  # 3x3 covariance of (x, y, t0)
    residuals: np.ndarray
    weights: np.ndarray
    ok: bool

    @property
    def rms(self) -> float:
        w = self.weights > 0.5
        return float(np.sqrt(np.mean(self.residuals[w] ** 2))) if w.any() else float("inf")


def effective_speed(x, y, sx: np.ndarray, sy: np.ndarray, c, wind: tuple[float, float]) -> np.ndarray:
    """Sound speed along each path from (x, y) to the sensors: c plus the wind along the path.

    ``x``/``y`` may be scalars or arrays broadcastable against ``sx``/``sy``.
    """
    dx, dy = sx - x, sy - y
    d = np.maximum(np.hypot(dx, dy), 1.0)
    return c + (wind[0] * dx + wind[1] * dy) / d


def predicted(x: float, y: float, t0: float, c: float, sx: np.ndarray, sy: np.ndarray,
              wind: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Predicted arrival times at sensors (sx, sy) for a source at (x, y, t0), speed c and wind."""
    return t0 + np.hypot(sx - x, sy - y) / effective_speed(x, y, sx, sy, c, wind)


def locate(sx: np.ndarray, sy: np.ndarray, t: np.ndarray, start: tuple[float, float], speed: float, *,
           fit_speed: bool = False, wind: tuple[float, float] = (0.0, 0.0), sigma_floor: float = 0.08,
           tukey_c: float = 0.6, iterations: int = 12) -> Fix:
    """Locate a source from arrival times ``t`` at sensors (sx, sy).

    Tukey biweight down-weights arrivals off by more than ``tukey_c`` seconds, so a wrong pick in
    the set does not drag the solution. With ``fit_speed`` the effective sound speed is a fourth
    unknown (use only with six or more arrivals around the source). ``wind`` (m/s, east and north)
    adds to the speed along each path.
    """
    x, y = start
    c = speed
    d0 = np.hypot(sx - x, sy - y)
    t0 = float(np.median(t - d0 / effective_speed(x, y, sx, sy, c, wind)))
    w = np.ones(len(t))
    for it in range(iterations):
        d = np.maximum(np.hypot(sx - x, sy - y), 1.0)
        ce = effective_speed(x, y, sx, sy, c, wind)
        r = t - (t0 + d / ce)
        if it > 1:
            u = r / tukey_c
            w = np.where(np.abs(u) < 1, (1 - u**2) ** 2, 0.0)
        cols = [-(x - sx) / (d * ce), -(y - sy) / (d * ce), -np.ones_like(d)]
        if fit_speed:
            cols.append(d / ce**2)
        J = np.column_stack(cols)
        JW = J * w[:, None]
        try:
            step = np.linalg.solve(JW.T @ J + 1e-9 * np.eye(J.shape[1]), -(JW.T @ r))
        except np.linalg.LinAlgError:
            break
        x, y, t0 = x + step[0], y + step[1], t0 + step[2]
        if fit_speed:
            c = float(np.clip(c + step[3], 0.85 * speed, 1.15 * speed))
        if np.hypot(step[0], step[1]) < 0.5 and abs(step[2]) < 1e-3 and it > 3:
            break
    r = t - predicted(x, y, t0, c, sx, sy, wind)
    u = r / tukey_c
    w = np.where(np.abs(u) < 1, (1 - u**2) ** 2, 0.0)
    return _finish(sx, sy, x, y, t0, c, r, w, sigma_floor, wind)


def _finish(sx, sy, x, y, t0, c, r, w, sigma_floor, wind) -> Fix:
    d = np.maximum(np.hypot(sx - x, sy - y), 1.0)
    ce = effective_speed(x, y, sx, sy, c, wind)
    J = np.column_stack([-(x - sx) / (d * ce), -(y - sy) / (d * ce), -np.ones_like(d)])
    inl = w > 0.05
    n = int(inl.sum())
    dof = max(n - 3, 1)
    s2 = max(sigma_floor**2, float(np.sum(w * r**2) / max(np.sum(w), 1e-9)) * n / dof)
    N = (J * w[:, None]).T @ J
    try:
        cov = np.linalg.inv(N) * s2
        ok = n >= 4 and bool(np.all(np.isfinite(cov))) and cov[0, 0] > 0 and cov[1, 1] > 0
    except np.linalg.LinAlgError:
        cov, ok = np.full((3, 3), np.nan), False
    return Fix(float(x), float(y), float(t0), float(c), cov, r, w, ok)


def ellipse(cov_xy: np.ndarray) -> tuple[float, float, float]:
    """1-sigma (semi-major m, semi-minor m, azimuth of major axis in degrees clockwise from north)."""
    vals, vecs = np.linalg.eigh(cov_xy)
    vals = np.maximum(vals, 0.0)
    major = vecs[:, 1]
    az = float(np.degrees(np.arctan2(major[0], major[1]))) % 180.0
    return float(np.sqrt(vals[1])), float(np.sqrt(vals[0])), az


@dataclass(frozen=True)
class BatchFix:
    """Many located events at once: per event (x, y, t0), covariance and per-arrival residuals."""

    x: np.ndarray
    y: np.ndarray
    t0: np.ndarray
    cov: np.ndarray        # (n, 3, 3)
    residuals: np.ndarray  # (n, m), NaN where no arrival
    weights: np.ndarray    # (n, m), robust weights, 0 where no arrival


def locate_batch(sx: np.ndarray, sy: np.ndarray, t: np.ndarray, x: np.ndarray, y: np.ndarray, speed: np.ndarray,
                 wind: tuple[float, float] = (0.0, 0.0), *, sigma_floor: float = 0.08, tukey_c: float = 0.6,
                 iterations: int = 10, robust_after: int = 2) -> BatchFix:
    """Robust Gauss-Newton for many events at once.

    ``sx, sy, t``: (n, m) sensor positions and arrival times of each event's arrivals, NaN in ``t``
    where an event has fewer than m; ``x, y``: starting positions; ``speed``: (n,) sound speed.
    The same model as :func:`locate`: Tukey biweight after ``robust_after`` plain iterations (more
    when the arrivals are already vetted and the start may be far off).
    """
    n = len(x)
    if n == 0:
        empty = np.empty(0)
        return BatchFix(empty, empty, empty, np.empty((0, 3, 3)), np.empty((0, t.shape[1])), np.empty((0, t.shape[1])))
    xs, ys, t0, cov, r, w = gauss_newton(
        np.ascontiguousarray(sx, dtype=np.float64), np.ascontiguousarray(sy, dtype=np.float64),
        np.ascontiguousarray(t, dtype=np.float64), np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64),
        np.broadcast_to(np.asarray(speed, dtype=np.float64), (n,)).copy(), float(wind[0]), float(wind[1]),
        iterations, robust_after, tukey_c, sigma_floor)
    return BatchFix(xs, ys, t0, cov, r, w)
