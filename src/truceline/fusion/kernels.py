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


@njit(cache=True)
def _score(tp, c, ds, ws, dj, wj, bound, times_all, pick_off, nb_row, lo, hi, count, soft, picked,
           want):  # pragma: no cover - compiled
    """Score one seed against a set of cells (geometry tables given); fills count, soft, picked."""
    k, n_cells = dj.shape
    for j in range(k):
        if hi[j] <= lo[j]:
            continue
        base = pick_off[nb_row[j]]
        for g in range(n_cells):
            b = bound[j, g]
            target = tp + dj[j, g] / (c + wj[j, g]) - ds[g] / (c + ws[g])
            best, best_q = 0.0, -1
            for q in range(lo[j], hi[j]):
                off = times_all[base + q] - target
                if off < -b:
                    continue
                if off > b:
                    break
                r = off / b
                close = 1.0 - r * r
                if close > best:
                    best, best_q = close, q
            if best_q >= 0:
                count[g] += 1
                soft[g] += best
                if want:
                    picked[g, j] = base + best_q


@njit(cache=True, parallel=True)
def scan_all(seed_t, seed_c, seed_sensor, cell_off, cells, sx, sy, nb, times_all, pick_off, reach, wind_x,
             wind_y, pick_tol, speed_unc, c_ref, min_fits, refine_cells, split,
             alternatives):  # pragma: no cover - compiled
    """The whole candidate scan, every seed at once.

    Per seed (time ``seed_t``, speed ``seed_c`` at sensor ``seed_sensor``): score the coarse cells
    of its sensor (``cells[cell_off[s]:cell_off[s + 1]]``, rows x, y, size) against the picks of
    its neighbours ``nb[s]`` (-1 padded; their pick times sorted per sensor in ``times_all``,
    ``pick_off`` offsets; ``reach[s, j]`` the widest useful time difference), refine the
    ``refine_cells`` best into ``split`` x ``split`` fine cells, and return the best fine cell of
    each of the ``alternatives`` best coarse cells: x, y, neighbours that fit, and the fitting
    pick of each neighbour (a position in ``times_all``, -1 where none).
    """
    n, k = len(seed_t), nb.shape[1]
    out_x = np.full((n, alternatives), np.nan)
    out_y = np.full((n, alternatives), np.nan)
    out_fits = np.zeros((n, alternatives), dtype=np.int16)
    out_pick = np.full((n, alternatives, k), -1, dtype=np.int64)
    n_fine = split * split
    for i in prange(n):
        s = seed_sensor[i]
        nb_row = nb[s]
        lo = np.zeros(k, dtype=np.int64)
        hi = np.zeros(k, dtype=np.int64)
        partners = 0
        for j in range(k):
            if nb_row[j] < 0:
                continue
            times = times_all[pick_off[nb_row[j]]:pick_off[nb_row[j] + 1]]
            lo[j] = np.searchsorted(times, seed_t[i] - reach[s, j])
            hi[j] = np.searchsorted(times, seed_t[i] + reach[s, j], side="right")
            if hi[j] > lo[j]:
                partners += 1
        if partners < min_fits:
            continue
        nbx, nby = np.empty(k), np.empty(k)
        for j in range(k):
            q = max(nb_row[j], 0)
            nbx[j], nby[j] = sx[q], sy[q]
        coarse = cells[cell_off[s]:cell_off[s + 1]]
        n_c = coarse.shape[0]
        if n_c == 0:
            continue
        ds, ws, dj, wj, bound = _cell_geometry(coarse, sx[s], sy[s], nbx, nby, wind_x, wind_y, pick_tol, speed_unc,
                                               c_ref)
        count = np.zeros(n_c, dtype=np.int64)
        soft = np.zeros(n_c)
        dummy = np.empty((1, k), dtype=np.int64)
        _score(seed_t[i], seed_c[i], ds, ws, dj, wj, bound, times_all, pick_off, nb_row, lo, hi, count, soft,
               dummy, False)
        if count.max() < min_fits:
            continue
        rank = count + soft / (k + 1.0)
        top = np.argsort(-rank)[:refine_cells]
        fine = np.empty((len(top) * n_fine, 3))
        for a in range(len(top)):
            cx, cy, size = coarse[top[a], 0], coarse[top[a], 1], coarse[top[a], 2]
            for u in range(split):
                for v in range(split):
                    row = a * n_fine + u * split + v
                    fine[row, 0] = cx + ((u + 0.5) / split - 0.5) * size
                    fine[row, 1] = cy + ((v + 0.5) / split - 0.5) * size
                    fine[row, 2] = size / split
        ds, ws, dj, wj, bound = _cell_geometry(fine, sx[s], sy[s], nbx, nby, wind_x, wind_y, pick_tol, speed_unc,
                                               c_ref)
        fcount = np.zeros(len(fine), dtype=np.int64)
        fsoft = np.zeros(len(fine))
        fpicked = np.full((len(fine), k), -1, dtype=np.int64)
        _score(seed_t[i], seed_c[i], ds, ws, dj, wj, bound, times_all, pick_off, nb_row, lo, hi, fcount, fsoft,
               fpicked, True)
        # the best fine cell inside each refined coarse cell, then the best few of those: a salvo's
        # rounds can line up at a wrong place too, and location decides between the alternatives
        best_in = np.empty(len(top), dtype=np.int64)
        best_score = np.empty(len(top))
        for a in range(len(top)):
            b_row, b_val = a * n_fine, -1.0
            for row in range(a * n_fine, (a + 1) * n_fine):
                val = fcount[row] + fsoft[row] / (k + 1.0)
                if val > b_val:
                    b_row, b_val = row, val
            best_in[a], best_score[a] = b_row, b_val
        order = np.argsort(-best_score)
        for a in range(min(alternatives, len(top))):
            row = best_in[order[a]]
            if fcount[row] < min_fits:
                continue
            out_x[i, a], out_y[i, a], out_fits[i, a] = fine[row, 0], fine[row, 1], fcount[row]
            out_pick[i, a] = fpicked[row]
    return out_x, out_y, out_fits, out_pick


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


@njit(cache=True)
def _add_normal(N, w, j0, j1):  # pragma: no cover - compiled
    """Add one arrival's contribution w * J'J (J = (j0, j1, 1)) to the upper triangle of N."""
    N[0, 0] += w * j0 * j0
    N[0, 1] += w * j0 * j1
    N[0, 2] += w * j0
    N[1, 1] += w * j1 * j1
    N[1, 2] += w * j1
    N[2, 2] += w


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
                _add_normal(N, w, j0, j1)
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
                _add_normal(N, wts[e, k], -dx / (d * ce), -dy / (d * ce))
        N[1, 0], N[2, 0], N[2, 1] = N[0, 1], N[0, 2], N[1, 2]
        for i in range(3):
            N[i, i] += 1e-9
        dof = max(inl - 3, 1)
        s2 = max(sigma_floor * sigma_floor, rsum / max(wsum, 1e-9) * inl / dof)
        cov[e] = _inv3(N) * s2
        xs[e], ys[e], t0s[e] = x, y, t0
    return xs, ys, t0s, cov, res, wts
