"""The PWTT's per-pixel work in one compiled pass (numba): dB to power, Lee, back to dB, Welch sums.

:func:`truceline.fusion.sar.orbit_t_reference` states the method with numpy and scipy; this is
the same arithmetic fused so that each acquisition of a tile is read once, row by row, per strip
of output rows whose running sums stay in cache through every acquisition: each input row goes
to linear power (mirrored at the grid's edge), its horizontal 5-sums of power and of power
squared join a ring of ``size`` rows, and once the ring is full the row at its centre is
Lee-filtered, taken back to dB and folded into the pre- or post-window's running mean and M2
(Welford, float32). Then per pixel Welch's t. The loops run across a row with plain indices, so
the compiler vectorises them.

``exp`` is a polynomial of 2 ** (y / 32) squared five times, ``log`` the float's exponent bits
and a polynomial on its mantissa (errors below 5e-6 relative, 2e-5 dB, far under the speckle),
because LLVM does not vectorise calls to the C library's; :func:`exp_db` and :func:`db_of` are tested against
numpy over the whole range the data can take.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

_LOG2_10_10 = math.log2(10.0) / 10.0   # 10 ** (db / 10) = 2 ** (db * log2(10) / 10)


def _fit(f, lo: float, hi: float, degree: int, relative: bool) -> tuple[float, ...]:
    """Least-squares polynomial coefficients (lowest first) of ``f`` on Chebyshev nodes of [lo, hi]."""
    x = (np.cos(np.linspace(0.0, np.pi, 4001)) * (hi - lo) + (hi + lo)) / 2
    x = x[np.abs(x) > 1e-9]
    y = f(x)
    return tuple(float(c) for c in np.polyfit(x, y, degree, w=1.0 / np.abs(y) if relative else None)[::-1])


# 2 ** z on [-0.625, 0.42] (squared five times: 10 ** (db / 10) over [-60, 40] dB to 4e-6
# relative, 2e-5 dB) and ln(1 + u) / u on [sqrt(1/2) - 1, sqrt(2) - 1]
# (so ln(1 + u) to 5e-7, 2e-6 dB), fitted once at import; the second is scaled to dB.
_X0, _X1, _X2, _X3, _X4, _X5, _X6 = _fit(lambda z: 2.0 ** z, -0.625, 0.42, 6, True)
_L0, _L1, _L2, _L3, _L4, _L5, _L6 = (c * 10.0 / math.log(10.0) for c in _fit(
    lambda u: np.log1p(u) / u, math.sqrt(0.5) - 1.0, math.sqrt(2.0) - 1.0, 6, True))
_DB_PER_OCTAVE = 10.0 * math.log10(2.0)
_STRIP = 32
"""Output rows filtered together through every acquisition (their running sums stay in cache)."""
_SQRT_HALF_BITS = np.int32(0x3F3504F3)   # the float32 bits of sqrt(1/2)


@njit(cache=True, nogil=True, fastmath=True)
def _exp_db_row(db, out, scale):  # pragma: no cover - compiled
    """``out = 10 ** (db / 10)`` over a row, ``db`` clamped to [-60, 40] dB (``scale`` is unused
    scratch): 2 ** (y / 32) by a polynomial, squared five times, in one vectorised pass."""
    n = db.shape[0]
    for x in range(n):
        z = np.float32(_LOG2_10_10 / 32.0) * min(max(db[x], np.float32(-60.0)), np.float32(40.0))
        q = np.float32(_X0) + z * (np.float32(_X1) + z * (np.float32(_X2) + z * (np.float32(_X3) + z * (
            np.float32(_X4) + z * (np.float32(_X5) + z * np.float32(_X6))))))
        q = q * q
        q = q * q
        q = q * q
        q = q * q
        out[x] = q * q


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _db_of_mantissa(m, e):  # pragma: no cover - compiled
    """``10 * log10(2 ** e * m)`` for ``m`` in [sqrt(1/2), sqrt(2)): a polynomial in ``m - 1``."""
    u = m - np.float32(1.0)
    g = np.float32(_L0) + u * (np.float32(_L1) + u * (np.float32(_L2) + u * (np.float32(_L3) + u * (
        np.float32(_L4) + u * (np.float32(_L5) + u * np.float32(_L6))))))
    return e * np.float32(_DB_PER_OCTAVE) + u * g


@njit(cache=True, nogil=True, fastmath=True)
def _split_row(f, e_out):  # pragma: no cover - compiled
    """In place: ``f`` (positive, normal) becomes its mantissa in [sqrt(1/2), sqrt(2)), ``e_out`` its exponent."""
    n = f.shape[0]
    bits = f.view(np.int32)
    for x in range(n):
        b = bits[x]
        e = (b - _SQRT_HALF_BITS) >> 23
        bits[x] = b - (e << 23)
        e_out[x] = np.float32(e)


@njit(cache=True, nogil=True, fastmath=True)
def _db_row(f, out):  # pragma: no cover - compiled
    """``out = 10 * log10(max(f, 1e-10))`` over a row (``f`` is clobbered; ``out`` must be another array)."""
    for x in range(f.shape[0]):
        f[x] = max(f[x], np.float32(1e-10))
    _split_row(f, out)
    for x in range(f.shape[0]):
        out[x] = _db_of_mantissa(f[x], out[x])


@njit(cache=True, nogil=True, fastmath=True)
def _box_rows(p, size, a, b):  # pragma: no cover - compiled
    """``a[x]``, ``b[x]``: sums of ``p`` and of ``p ** 2`` over ``p[x:x + size]``."""
    w = a.shape[0]
    if size == 5:                                            # the default, written out: one pass
        for x in range(w):
            p0, p1, p2, p3, p4 = p[x], p[x + 1], p[x + 2], p[x + 3], p[x + 4]
            a[x] = (p0 + p1) + (p2 + p3) + p4
            b[x] = (p0 * p0 + p1 * p1) + (p2 * p2 + p3 * p3) + p4 * p4
        return
    for x in range(w):
        a[x] = p[x]
        b[x] = p[x] * p[x]
    for k in range(1, size):
        q = p[k:]
        for x in range(w):
            v = q[x]
            a[x] += v
            b[x] += v * v


@njit(cache=True, nogil=True, fastmath=True)
def _lee_row(hs, hq, centre, inv_area, inv_enl, col_s, col_q, row):  # pragma: no cover - compiled
    """Lee's filter of one row: box sums down the ring of row sums ``hs``/``hq`` give the local
    mean and variance; ``row`` gets the filtered power, at least 1e-10 (ready for the log)."""
    size, w = hs.shape
    if size == 5:                                            # the default, fused: one pass
        for x in range(w):
            s = (hs[0, x] + hs[1, x]) + (hs[2, x] + hs[3, x]) + hs[4, x]
            q = (hq[0, x] + hq[1, x]) + (hq[2, x] + hq[3, x]) + hq[4, x]
            row[x] = _lee(s * inv_area, q * inv_area, centre[x], inv_enl)
        return
    col_s[:] = hs[0]
    col_q[:] = hq[0]
    for k in range(1, size):
        for x in range(w):
            col_s[x] += hs[k, x]
            col_q[x] += hq[k, x]
    for x in range(w):
        row[x] = _lee(col_s[x] * inv_area, col_q[x] * inv_area, centre[x], inv_enl)


@njit(cache=True, nogil=True, fastmath=True, inline="always")
def _lee(mu, sq_mean, p, inv_enl):  # pragma: no cover - compiled
    """Lee (1980): the local mean, plus the pixel's departure weighted by how much of the local
    variance is not speckle (``mu ** 2 / enl``); at least 1e-10."""
    var = max(sq_mean - mu * mu, np.float32(0.0))
    weight = min(max((var - mu * mu * inv_enl) / max(var, np.float32(1e-12)), np.float32(0.0)), np.float32(1.0))
    return max(mu + weight * (p - mu), np.float32(1e-10))


@njit(cache=True, nogil=True, fastmath=True)
def _one_acquisition(db, pad, y0, size, enl, n_seen, mean, m2, prow, hs, hq, scratch, row, col_s,
                     col_q):  # pragma: no cover - compiled
    """Lee-filter output rows ``y0`` to ``y0 + len(mean) - 1`` of one acquisition ``db`` row by row,
    mirrored by ``pad`` (top, bottom, left, right) cells, and fold them into ``mean``/``m2``."""
    h_src, w_src = db.shape
    top, left, right = pad[0], pad[2], pad[3]
    n_rows, w = mean.shape
    half = size // 2
    inv_area = np.float32(1.0 / (size * size))
    inv_enl = np.float32(1.0 / enl)
    inv_n = np.float32(1.0 / n_seen)
    expo = scratch[:w]
    for r in range(n_rows + size - 1):
        slot = r % size
        j = y0 + r - top                                         # mirrored at the edges, edge cell repeated
        j = -j - 1 if j < 0 else (2 * h_src - j - 1 if j >= h_src else j)
        p = prow[slot]
        _exp_db_row(db[j], p[left:left + w_src], scratch)
        for c in range(left):
            p[left - 1 - c] = p[left + c]
        for c in range(right):
            p[left + w_src + c] = p[left + w_src - 1 - c]
        _box_rows(prow[slot], size, hs[slot], hq[slot])
        if r < size - 1:
            continue
        y = r - size + 1
        centre = prow[(y + half) % size, half:]                # an offset view: plain indices vectorise
        _lee_row(hs, hq, centre, inv_area, inv_enl, col_s, col_q, row)
        _split_row(row, expo)
        my, qy = mean[y], m2[y]
        for x in range(w):                                   # to dB, then Welford's running mean and M2
            v = _db_of_mantissa(row[x], expo[x])
            d = v - my[x]
            my[x] += d * inv_n
            qy[x] += d * (v - my[x])


@njit(cache=True, nogil=True, fastmath=True)
def orbit_stats(db, window, size, enl, pad):  # pragma: no cover - compiled
    """(max over polarisations of |Welch t|, pre-window mean of polarisation 0) of one orbit.

    ``db``: (time, pol, rows, columns) float32 dB; ``pad``: cells to mirror beyond it (top,
    bottom, left, right), so that each side holds ``size // 2`` cells beyond the output (real
    neighbours read with the tile, or mirrored ones at the grid's edge); ``window``: per
    acquisition 1 (pre), 2 (post) or 0 (neither). Returns two float32 arrays of rows + pad[0] +
    pad[1] - size + 1 by columns + pad[2] + pad[3] - size + 1.
    """
    n_t, n_pol, h_src, w_src = db.shape
    hp_rows, wp = h_src + pad[0] + pad[1], w_src + pad[2] + pad[3]
    h, w = hp_rows - size + 1, wp - size + 1
    prow = np.empty((size, wp), np.float32)
    hs = np.empty((size, w), np.float32)
    hq = np.empty((size, w), np.float32)
    scratch = np.empty(wp, np.float32)
    row = np.empty(w, np.float32)
    col_s = np.empty(w, np.float32)
    col_q = np.empty(w, np.float32)
    tmax = np.zeros((h, w), np.float32)
    bright = np.zeros((h, w), np.float32)
    n1 = np.float32(np.sum(window == 1))
    n2 = np.float32(np.sum(window == 2))
    mean = np.empty((2, _STRIP, w), np.float32)
    m2 = np.empty((2, _STRIP, w), np.float32)
    for pol in range(n_pol):
        for y0 in range(0, h, _STRIP):                       # a strip's sums stay in cache over all acquisitions
            rows = min(_STRIP, h - y0)
            mean[:] = 0.0
            m2[:] = 0.0
            seen = np.zeros(2, np.int64)
            for t in range(n_t):
                if window[t] == 0:
                    continue
                k = window[t] - 1
                seen[k] += 1
                _one_acquisition(db[t, pol], pad, y0, size, enl, seen[k], mean[k, :rows], m2[k, :rows], prow, hs, hq,
                                 scratch, row, col_s, col_q)
            _welch_strip(mean[:, :rows], m2[:, :rows], n1, n2, tmax[y0:y0 + rows], bright[y0:y0 + rows] if pol == 0
                         else None)
    return tmax, bright


@njit(cache=True, nogil=True, fastmath=True)
def _welch_strip(mean, m2, n1, n2, tmax, bright):  # pragma: no cover - compiled
    """Welch's |t| of a strip from the windows' running means and M2 (pre, post), kept where it
    beats ``tmax``; ``bright`` (if given) gets the pre-window mean."""
    rows, w = tmax.shape
    for y in range(rows):
        for x in range(w):
            v1 = m2[0, y, x] / (n1 - np.float32(1.0))
            v2 = m2[1, y, x] / (n2 - np.float32(1.0))
            t_val = abs(mean[1, y, x] - mean[0, y, x]) / math.sqrt(v1 / n1 + v2 / n2 + np.float32(1e-12))
            tmax[y, x] = max(tmax[y, x], t_val)
    if bright is not None:
        bright[:, :] = mean[0]


_FIXED = 1024.0
"""Scores are summed in fixed point (int32, units of 1/1024), so a focal sum is exact and the same
whichever tile computes it; a score is capped (:func:`score_cap`) so that no sum can overflow."""


def score_cap(row_cells: int, disc_cells: int) -> float:
    """The largest score a focal sum holds in int32 for rows and discs of these sizes (at most 1000)."""
    cap = min(1000.0, float(np.floor((2 ** 31 - 1) / (_FIXED * max(row_cells, disc_cells, 1)))))
    if cap < 100.0:
        raise ValueError(f"focal sums over {disc_cells} cells in rows of {row_cells} would overflow: "
                         "use smaller chunks or a coarser grid")
    return cap


@njit(cache=True, nogil=True)
def _row_prefix_sums(t, built, cap):  # pragma: no cover - compiled
    """Per row, prefix sums of the built-up cells' scores (fixed point, capped) and of their count."""
    hp_rows, wp = t.shape
    num = np.zeros((hp_rows, wp + 1), np.int32)
    den = np.zeros((hp_rows, wp + 1), np.int32)
    fixed = np.empty(wp, np.int32)
    for y in range(hp_rows):
        for x in range(wp):
            fixed[x] = np.int32(round(min(t[y, x], np.float32(cap)) * np.float32(_FIXED))) * np.int32(built[y, x])
        for x in range(wp):
            num[y, x + 1] = num[y, x] + fixed[x]
            den[y, x + 1] = den[y, x] + np.int32(built[y, x])
    return num, den


@njit(cache=True, nogil=True, fastmath=True)
def focal_layers(t, built, half_widths, reach, cap):  # pragma: no cover - compiled
    """PWTT's spatial step over a tile padded by ``reach`` cells: per cell, the mean of its score
    and of its focal means over built-up cells within each disc (0 off built-up cells).

    ``t``, ``built``: (H + 2 reach, W + 2 reach) float32 and uint8; ``half_widths``: per disc,
    the half-width of each of its rows, ``reach`` rows above to ``reach`` below (-1: row empty);
    ``cap``: scores above it count as ``cap`` (:func:`score_cap`). Each row's prefix sums make a
    disc's sum a difference per row, in int32, so it is exact.
    """
    hp_rows, wp = t.shape
    h, w = hp_rows - 2 * reach, wp - 2 * reach
    n_disc = half_widths.shape[0]
    num, den = _row_prefix_sums(t, built, cap)
    out = np.empty((h, w), np.float32)
    acc_n = np.empty(w, np.int32)
    acc_d = np.empty(w, np.int32)
    total = np.empty(w, np.float32)
    for y in range(h):
        yy = y + reach
        for x in range(w):
            total[x] = np.float32(num[yy, x + reach + 1] - num[yy, x + reach]) / np.float32(_FIXED)
        for d in range(n_disc):
            acc_n[:] = 0
            acc_d[:] = 0
            for dy in range(-reach, reach + 1):
                k = half_widths[d, dy + reach]
                if k < 0:
                    continue
                lo, hi = reach - k, reach + k + 1
                n_hi, n_lo = num[yy + dy, hi:], num[yy + dy, lo:]   # offset views: plain indices vectorise
                d_hi, d_lo = den[yy + dy, hi:], den[yy + dy, lo:]
                for x in range(w):
                    acc_n[x] += n_hi[x] - n_lo[x]
                    acc_d[x] += d_hi[x] - d_lo[x]
            for x in range(w):
                if acc_d[x] > 0:
                    total[x] += np.float32(acc_n[x]) / (np.float32(_FIXED) * np.float32(acc_d[x]))
        for x in range(w):
            out[y, x] = total[x] / np.float32(n_disc + 1) if built[yy, x + reach] else np.float32(0.0)
    return out


@njit(cache=True, nogil=True, fastmath=True)
def exp_db(db):  # pragma: no cover - compiled
    """``10 ** (db / 10)`` of a 1-d float32 array, as the kernel computes it (for tests)."""
    out = np.empty_like(db)
    _exp_db_row(db, out, np.empty_like(db))
    return out


@njit(cache=True, nogil=True, fastmath=True)
def db_of(power):  # pragma: no cover - compiled
    """``10 * log10(max(power, 1e-10))`` of a 1-d float32 array, as the kernel computes it (for tests)."""
    out = np.empty_like(power)
    _db_row(power.copy(), out)
    return out


def window_codes(pre: NDArray[np.bool_], post: NDArray[np.bool_]) -> NDArray[np.int8]:
    """Per acquisition 1 (pre-window), 2 (post-window) or 0 (neither), as :func:`orbit_stats` takes them."""
    return (pre.astype(np.int8) + 2 * post.astype(np.int8)).astype(np.int8)
