"""Damage from radar: a local pixel-wise t-test (PWTT, Ballinger 2024) over Sentinel-1 stacks.

Level 1. Per relative orbit and polarisation (VV, VH): each acquisition is Lee-filtered in linear
power (``lee_px`` window, ``enl`` looks) and taken to dB; the pre-window (acquisitions before
``event_start`` back to ``pre_days``) and the post-window (from ``gap_days`` to ``post_days``
after it: the reporting day's own passes may predate its damage) give per-pixel means, variances and counts, and Welch's t::

    t = (mean_post - mean_pre) / sqrt(var_pre / n_pre + var_post / n_post)

The score of a pixel is the larger |t| of its two polarisations, averaged over the orbits, then
smoothed as PWTT does: the mean of the pixel's score and its focal means within 50, 100 and 150 m,
taken over built-up cells only (pre-window mean VV ≥ ``builtup_db``: the double bounce of walls;
PWTT scores building footprints, and fields, whose soil moisture changes from pass to pass, would
otherwise raise false alarms and bleed into their villages).
The per-pixel work is compiled into one pass (:mod:`truceline.fusion.sar_kernel`);
:func:`orbit_t_reference` is the same in numpy. Pixels scoring at least ``threshold`` are damage, known to lie between the last pre-window
acquisition and the last post-window one. Everything is a reduction over time, so a stack
chunked in space streams through Dask in bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from truceline.fusion.sar_kernel import focal_layers, orbit_stats, score_cap, window_codes


@dataclass(frozen=True)
class PwttParams:
    """Settings of the t-test (defaults after Ballinger 2024)."""

    pre_days: float = 365.0        # the pre-window reaches this far back (what the stack holds of it)
    post_days: float = 30.0        # the post-window reaches this far after the event start ...
    gap_days: float = 1.0          # ... and begins this long after it (the reporting day's own
                                   # passes may predate the day's damage: they join neither window)
    lee_px: int = 5                # Lee filter window (pixels)
    enl: float = 4.4               # equivalent number of looks of the product
    radii_m: tuple[float, ...] = (50.0, 100.0, 150.0)
    builtup_db: float = -8.0       # pre-window mean VV at least this: built up (double bounce)
    threshold: float = 3.0         # smoothed |t| at least this: damage


def lee(power: NDArray[np.float32], size: int, enl: float) -> NDArray[np.float32]:
    """Lee's (1980) local-statistics filter of one image in linear power (last two axes)."""
    mean = ndimage.uniform_filter(power, size=(1,) * (power.ndim - 2) + (size, size), mode="reflect")
    sq = ndimage.uniform_filter(power * power, size=(1,) * (power.ndim - 2) + (size, size), mode="reflect")
    var = np.maximum(sq - mean * mean, 0.0)
    noise = mean * mean / enl
    weight = np.clip((var - noise) / np.maximum(var, 1e-12), 0.0, 1.0)
    return (mean + weight * (power - mean)).astype(np.float32)


def welch_t(pre: NDArray[np.float32], post: NDArray[np.float32]) -> NDArray[np.float32]:
    """Welch's t of post against pre along axis 0 (time), per pixel."""
    n1, n2 = pre.shape[0], post.shape[0]
    m1, m2 = pre.mean(axis=0), post.mean(axis=0)
    v1, v2 = pre.var(axis=0, ddof=1), post.var(axis=0, ddof=1)
    return ((m2 - m1) / np.sqrt(v1 / n1 + v2 / n2 + 1e-12)).astype(np.float32)


def windows(times: NDArray[np.float64], event_start: float,
            params: PwttParams = PwttParams()) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Which acquisitions form the pre- and the post-window."""
    pre = (times < event_start) & (times >= event_start - params.pre_days * 86400.0)
    post = (times >= event_start + params.gap_days * 86400.0) & (times <= event_start + params.post_days * 86400.0)
    if pre.sum() < 2 or post.sum() < 2:
        raise ValueError(f"the stack needs two acquisitions in each window (has {int(pre.sum())} before the "
                         f"event start, {int(post.sum())} from {params.gap_days:g} to {params.post_days:g} days after)")
    return pre, post


def orbit_t_reference(db: NDArray[np.float32], times: NDArray[np.float64], event_start: float,
                      params: PwttParams = PwttParams()) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """(max over polarisations of |t|, pre-window mean VV) for one orbit's stack ``db``
    (time, pol, y, x) in dB, in numpy and scipy: the method as stated (and the yardstick of the
    compiled :func:`orbit_t`, which agrees to float32 rounding)."""
    pre, post = windows(times, event_start, params)
    filtered = 10.0 * np.log10(np.maximum(lee(10 ** (db / 10.0), params.lee_px, params.enl), 1e-10))
    t = np.abs(welch_t(filtered[pre], filtered[post]))
    return t.max(axis=0), filtered[pre, 0].mean(axis=0).astype(np.float32)


def orbit_t(db: NDArray[np.float32], times: NDArray[np.float64], event_start: float,
            params: PwttParams = PwttParams()) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """:func:`orbit_t_reference`, compiled (:mod:`truceline.fusion.sar_kernel`); edges mirrored."""
    h = params.lee_px // 2
    return _orbit_t_padded(db, (h, h, h, h), times, event_start, params)


def _orbit_t_padded(db: NDArray[np.float32], pad: tuple[int, int, int, int], times: NDArray[np.float64],
                    event_start: float, params: PwttParams) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """:func:`orbit_t` of a window that holds ``lee_px // 2`` cells beyond its tile on each side,
    less ``pad`` (top, bottom, left, right) cells that the kernel mirrors at the grid's edge."""
    if max(pad) > min(db.shape[-2:]):
        raise ValueError(f"a window of {db.shape[-2]} x {db.shape[-1]} cells cannot be mirrored by {max(pad)}")
    pre, post = windows(times, event_start, params)
    return orbit_stats(np.ascontiguousarray(db, dtype=np.float32), window_codes(pre, post), params.lee_px,
                       params.enl, np.asarray(pad, np.int64))


def disc_rows(pixel_m: float, params: PwttParams = PwttParams()) -> tuple[NDArray[np.int64], int]:
    """(half-width of each row of each disc of ``radii_m``, -1 where a row is empty; the reach)."""
    reach = int(np.ceil(max(params.radii_m) / pixel_m))
    rows = np.full((len(params.radii_m), 2 * reach + 1), -1, np.int64)
    xx = np.arange(-reach, reach + 1)
    for d, r in enumerate(params.radii_m):
        for dy in range(-reach, reach + 1):
            inside = (dy * pixel_m) ** 2 + (xx * pixel_m) ** 2 <= r * r
            rows[d, dy + reach] = int(np.abs(xx[inside]).max()) if inside.any() else -1
    return rows, reach


def smooth(t: NDArray[np.float32], pixel_m: float, params: PwttParams = PwttParams(),
           built: NDArray[np.bool_] | None = None) -> NDArray[np.float32]:
    """PWTT's spatial step: the mean of ``t`` and its focal means within each radius; with
    ``built``, the focal means are over built-up cells only and the rest score 0 (damage is to
    buildings; a field's soil moisture changes too, and would otherwise bleed into its village).
    Edges are mirrored."""
    rows, reach = disc_rows(pixel_m, params)
    w = np.ones(t.shape, np.uint8) if built is None else built.astype(np.uint8)
    pad = lambda a: np.pad(a, reach, mode="symmetric")
    return focal_layers(pad(np.asarray(t, np.float32)), pad(w), rows, reach, _cap(rows, t.shape[-1] + 2 * reach))


def _cap(rows: NDArray[np.int64], row_cells: int) -> float:
    return score_cap(row_cells, int((2 * rows.max(axis=0) + 1).clip(0).sum()))


def _smooth_block(block: NDArray[np.float32], pixel_m: float, params: PwttParams) -> NDArray[np.float32]:
    """One tile of :func:`smooth`, given with ``reach`` cells of its neighbours (dask trims them off again)."""
    rows, reach = disc_rows(pixel_m, params)
    inner = focal_layers(np.ascontiguousarray(block[0]), (block[1] > 0.5).astype(np.uint8), rows, reach,
                         _cap(rows, block.shape[-1]))
    return np.pad(inner, reach)[None]


def damage_score(stacks: list[tuple[NDArray[np.float32], NDArray[np.float64]]], event_start: float, pixel_m: float,
                 params: PwttParams = PwttParams()) -> NDArray[np.float32]:
    """The smoothed PWTT score of a tile from its orbits' (db, times) stacks on one grid."""
    per = [orbit_t(db, times, event_start, params) for db, times in stacks]
    t = np.mean([a for a, _ in per], axis=0).astype(np.float32)
    built = np.mean([b for _, b in per], axis=0) >= params.builtup_db
    return smooth(t, pixel_m, params, built)


def auc(score: NDArray[np.floating], truth: NDArray[np.bool_]) -> float:
    """Area under the ROC curve: P(score of a damaged cell > score of an undamaged one), ties half."""
    s, y = np.asarray(score, float).ravel(), np.asarray(truth, bool).ravel()
    npos, nneg = int(y.sum()), int((~y).sum())
    if npos == 0 or nneg == 0:
        return float("nan")
    from scipy.stats import rankdata
    ranks = rankdata(s)
    return float((ranks[y].sum() - npos * (npos + 1) / 2) / (npos * nneg))


BlockReader = Callable[[str, int, int, int, int], np.ndarray]
"""``read(orbit, y0, y1, x0, x1)``: that window of every acquisition of the orbit, (time, pol, y, x) dB."""


def _halo_read(read: BlockReader, orbit: str, y0: int, y1: int, x0: int, x1: int, shape: tuple[int, int],
               halo: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The window with ``halo`` cells around it where the grid has them, and how many it lacks
    on each side (top, bottom, left, right: the kernel mirrors those)."""
    ya, yb, xa, xb = max(y0 - halo, 0), min(y1 + halo, shape[0]), max(x0 - halo, 0), min(x1 + halo, shape[1])
    return read(orbit, ya, yb, xa, xb), (ya - (y0 - halo), (y1 + halo) - yb, xa - (x0 - halo), (x1 + halo) - xb)


def _tile_t(read: BlockReader, orbits: dict[str, NDArray[np.float64]], shape: tuple[int, int], event_start: float,
            params: PwttParams, block_info=None) -> np.ndarray:
    """One tile's (t, pre-window mean VV), averaged over the orbits: one task reads, filters, tests."""
    (y0, y1), (x0, x1) = block_info[None]["array-location"][1:]
    h = params.lee_px // 2
    out = [np.stack(_orbit_t_padded(*_halo_read(read, orbit, y0, y1, x0, x1, shape, h), times, event_start, params))
           for orbit, times in orbits.items()]
    return np.mean(out, axis=0).astype(np.float32)


def lazy_score(read: BlockReader, orbits: dict[str, NDArray[np.float64]], shape: tuple[int, int],
               event_start: float, pixel_m: float, params: PwttParams = PwttParams(), chunk: int = 512):
    """:func:`damage_score` as a Dask array (y, x) over a stack too large to hold: each task reads
    its own window (and a halo of ``lee_px // 2``) of every acquisition through ``read``
    (``sources.sar_geotiff.window_reader``), filters and tests it, and keeps two numbers per cell;
    only the smoothing looks across tiles, on those. Memory is bounded by the tiles in flight.
    ``orbits``: each orbit's acquisition times, in the order ``read`` returns them."""
    import dask.array as da

    for times in orbits.values():
        windows(times, event_start, params)                     # refuse a stack too short, before any reading
    grid = ((2,), tuple(_steps(shape[0], chunk)), tuple(_steps(shape[1], chunk)))
    both = da.map_blocks(_tile_t, read, orbits, shape, event_start, params, chunks=grid, dtype=np.float32,
                         meta=np.empty((0, 0, 0), np.float32))
    built = (both[1] >= params.builtup_db).astype(np.float32)
    pair = da.stack([both[0], built]).rechunk({0: 2})
    reach = int(np.ceil(max(params.radii_m) / pixel_m))
    return da.map_overlap(_smooth_block, pair, depth={0: 0, 1: reach, 2: reach}, boundary="reflect",
                          dtype=np.float32, pixel_m=pixel_m, params=params)[0]


def _steps(n: int, chunk: int) -> list[int]:
    return [min(chunk, n - k) for k in range(0, n, chunk)]


def damage_polygons(score: NDArray[np.float32], transform, params: PwttParams = PwttParams()) -> list[dict]:
    """Connected damaged pixels as polygons (map coordinates of ``transform``) with their area,
    peak and mean score."""
    from rasterio import features
    from scipy import ndimage as ndi

    mask = score >= params.threshold
    labels, n = ndi.label(mask)
    out = []
    for geom, value in features.shapes(labels.astype(np.int32), mask=mask, transform=transform):
        k = labels == int(value)
        out.append({"geometry": geom, "cells": int(k.sum()), "score_max": float(score[k].max()),
                    "score_mean": float(score[k].mean())})
    return out
