"""Compiled inner loops of the candidate scan (numba; compiled once, cached on disk).

The scan's work is irregular — per seed pick, a few picks of each neighbour inside a
triangle-inequality window, tried against many cells — so it is written as loops and compiled
rather than expanded into large temporary arrays.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _cell_geometry(cs, sensor_x, sensor_y, nb_x, nb_y, wind_x, wind_y, pick_tol, speed_unc,
                   c_ref):  # pragma: no cover - compiled
    """Per cell: distance and wind to the seed sensor; per (neighbour, cell): the same and the bound."""
    n_cells, k = cs.shape[0], len(nb_x)
    ds, ws = np.empty(n_cells), np.empty(n_cells)
    dj, wj, bound = np.empty((k, n_cells)), np.empty((k, n_cells)), np.empty((k, n_cells))
    for g in range(n_cells):
        ax, ay = sensor_x - cs[g, 0], sensor_y - cs[g, 1]
        d = max(np.sqrt(ax * ax + ay * ay), 1.0)
        ds[g], ws[g] = d, (wind_x * ax + wind_y * ay) / d
        half = 0.7071067811865476 * cs[g, 2]
        for j in range(k):
            bx, by = nb_x[j] - cs[g, 0], nb_y[j] - cs[g, 1]
            e = max(np.sqrt(bx * bx + by * by), 1.0)
            dj[j, g], wj[j, g] = e, (wind_x * bx + wind_y * by) / e
            ux, uy = bx / e - ax / d, by / e - ay / d
            bound[j, g] = pick_tol + half * np.sqrt(ux * ux + uy * uy) / c_ref + speed_unc * abs(e - d) / c_ref
    return ds, ws, dj, wj, bound


@njit(cache=True, parallel=True)
def score_cells(tp, cp, cell_set, cells, sensor_x, sensor_y, nb_x, nb_y, nb_t, nb_pick, nb_off, reach,
                wind_x, wind_y, pick_tol, speed_unc, c_ref, want_picks):  # pragma: no cover - compiled
    """Score every (seed, cell): neighbours with a fitting pick, summed closeness, best picks.

    ``tp, cp``: seed times and sound speeds; ``cells[cell_set[i]]`` the (n_cells, 3) cells of seed
    i (centre x, y and size: all seeds share one set, or each has its own); ``sensor_x,
    sensor_y``: the seed sensor; ``nb_*``: the K neighbours, their picks' times (sorted,
    concatenated, ``nb_off`` offsets) and pick indices; ``reach[j]``: the largest time difference
    to neighbour j worth looking at. A neighbour fits a cell when one of its picks lies within the
    bound of the predicted time difference; closeness is 1 - (residual/bound)^2.
    """
    n, n_cells, k = len(tp), cells.shape[1], len(nb_x)
    count = np.zeros((n, n_cells), dtype=np.int16)
    soft = np.zeros((n, n_cells), dtype=np.float32)
    picked = np.full((n if want_picks else 1, n_cells if want_picks else 1, k), -1, dtype=np.int64)
    shared = cells.shape[0] == 1
    g_ds, g_ws, g_dj, g_wj, g_bound = _cell_geometry(cells[0], sensor_x, sensor_y, nb_x, nb_y, wind_x, wind_y,
                                                     pick_tol, speed_unc, c_ref)
    for i in prange(n):
        if shared:
            ds, ws, dj, wj, bound = g_ds, g_ws, g_dj, g_wj, g_bound
        else:
            ds, ws, dj, wj, bound = _cell_geometry(cells[cell_set[i]], sensor_x, sensor_y, nb_x, nb_y, wind_x,
                                                   wind_y, pick_tol, speed_unc, c_ref)
        c = cp[i]
        for j in range(k):
            times = nb_t[nb_off[j]:nb_off[j + 1]]
            lo = np.searchsorted(times, tp[i] - reach[j])
            hi = np.searchsorted(times, tp[i] + reach[j], side="right")
            if hi <= lo:
                continue
            for g in range(n_cells):
                b = bound[j, g]
                target = tp[i] + dj[j, g] / (c + wj[j, g]) - ds[g] / (c + ws[g])
                best, best_q = 0.0, -1
                for q in range(lo, hi):
                    off = times[q] - target
                    if off < -b:
                        continue
                    if off > b:
                        break
                    r = off / b
                    close = 1.0 - r * r
                    if close > best:
                        best, best_q = close, q
                if best_q >= 0:
                    count[i, g] += 1
                    soft[i, g] += best
                    if want_picks:
                        picked[i, g, j] = nb_pick[nb_off[j] + best_q]
    return count, soft, picked


@njit(cache=True)
def _inv3(a):  # pragma: no cover - compiled
    """Inverse of a 3x3 matrix by cofactors (NaN where singular)."""
    out = np.empty((3, 3))
    c00 = a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1]
    c01 = a[1, 2] * a[2, 0] - a[1, 0] * a[2, 2]
    c02 = a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]
    det = a[0, 0] * c00 + a[0, 1] * c01 + a[0, 2] * c02
    if det == 0.0 or not np.isfinite(det):
        out[:] = np.nan
        return out
    out[0, 0] = c00 / det
    out[1, 0] = c01 / det
    out[2, 0] = c02 / det
    out[0, 1] = (a[0, 2] * a[2, 1] - a[0, 1] * a[2, 2]) / det
    out[1, 1] = (a[0, 0] * a[2, 2] - a[0, 2] * a[2, 0]) / det
    out[2, 1] = (a[0, 1] * a[2, 0] - a[0, 0] * a[2, 1]) / det
    out[0, 2] = (a[0, 1] * a[1, 2] - a[0, 2] * a[1, 1]) / det
    out[1, 2] = (a[0, 2] * a[1, 0] - a[0, 0] * a[1, 2]) / det
    out[2, 2] = (a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]) / det
    return out


@njit(cache=True, parallel=True)
def gauss_newton(sx, sy, t, x0, y0, c, wind_x, wind_y, iterations, robust_after, tukey_c,
                 sigma_floor):  # pragma: no cover - compiled
    """Robust Gauss-Newton for (x, y, t0) of many events; ``t`` NaN where an event has no arrival.

    Returns x, y, t0, covariance (n, 3, 3), residuals (NaN where absent) and Tukey weights.
    """
    n, m = t.shape
    xs, ys, t0s = np.empty(n), np.empty(n), np.empty(n)
    cov = np.empty((n, 3, 3))
    res = np.full((n, m), np.nan)
    wts = np.zeros((n, m))
    for e in prange(n):
        x, y = x0[e], y0[e]
        tmp = np.empty(m)
        k_ok = 0
        for k in range(m):
            if np.isfinite(t[e, k]):
                dx, dy = sx[e, k] - x, sy[e, k] - y
                d = max(np.sqrt(dx * dx + dy * dy), 1.0)
                tmp[k_ok] = t[e, k] - d / (c[e] + (wind_x * dx + wind_y * dy) / d)
                k_ok += 1
        t0 = np.median(tmp[:k_ok]) if k_ok > 0 else 0.0
        N = np.zeros((3, 3))
        for it in range(iterations + 1):
            N[:] = 0.0
            g0 = g1 = g2 = 0.0
            for k in range(m):
                if not np.isfinite(t[e, k]):
                    continue
                dx, dy = sx[e, k] - x, sy[e, k] - y
                d = max(np.sqrt(dx * dx + dy * dy), 1.0)
                ce = c[e] + (wind_x * dx + wind_y * dy) / d
                r = t[e, k] - (t0 + d / ce)
                w = 1.0
                if it >= robust_after:
                    u = r / tukey_c
                    w = (1.0 - u * u) ** 2 if abs(u) < 1.0 else 0.0
                j0, j1 = -dx / (d * ce), -dy / (d * ce)
                N[0, 0] += w * j0 * j0
                N[0, 1] += w * j0 * j1
                N[0, 2] += w * j0
                N[1, 1] += w * j1 * j1
                N[1, 2] += w * j1
                N[2, 2] += w
                g0 += w * j0 * r
                g1 += w * j1 * r
                g2 += w * r
                if it == iterations:
                    res[e, k] = r
                    wts[e, k] = w if it >= robust_after else 1.0
            N[1, 0], N[2, 0], N[2, 1] = N[0, 1], N[0, 2], N[1, 2]
            for i in range(3):
                N[i, i] += 1e-9
            inv = _inv3(N)
            if it == iterations:
                break
            sx_, sy_, st_ = (inv[0, 0] * g0 + inv[0, 1] * g1 + inv[0, 2] * g2,
                             inv[1, 0] * g0 + inv[1, 1] * g1 + inv[1, 2] * g2,
                             inv[2, 0] * g0 + inv[2, 1] * g1 + inv[2, 2] * g2)
            if np.isfinite(sx_) and np.isfinite(sy_) and np.isfinite(st_):
                x, y, t0 = x + sx_, y + sy_, t0 + st_
        # final weights are the Tukey weights of the final residuals
        wsum = rsum = 0.0
        inl = 0
        for k in range(m):
            if np.isfinite(res[e, k]):
                u = res[e, k] / tukey_c
                w = (1.0 - u * u) ** 2 if abs(u) < 1.0 else 0.0
                wts[e, k] = w
                wsum += w
                rsum += w * res[e, k] ** 2
                if w > 0.05:
                    inl += 1
        N[:] = 0.0
        for k in range(m):
            if np.isfinite(res[e, k]):
                dx, dy = sx[e, k] - x, sy[e, k] - y
                d = max(np.sqrt(dx * dx + dy * dy), 1.0)
                ce = c[e] + (wind_x * dx + wind_y * dy) / d
                j0, j1, w = -dx / (d * ce), -dy / (d * ce), wts[e, k]
                N[0, 0] += w * j0 * j0
                N[0, 1] += w * j0 * j1
                N[0, 2] += w * j0
                N[1, 1] += w * j1 * j1
                N[1, 2] += w * j1
                N[2, 2] += w
        N[1, 0], N[2, 0], N[2, 1] = N[0, 1], N[0, 2], N[1, 2]
        for i in range(3):
            N[i, i] += 1e-9
        dof = max(inl - 3, 1)
        s2 = max(sigma_floor * sigma_floor, rsum / max(wsum, 1e-9) * inl / dof)
        cov[e] = _inv3(N) * s2
        xs[e], ys[e], t0s[e] = x, y, t0
    return xs, ys, t0s, cov, res, wts
