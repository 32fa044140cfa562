"""Radar damage benchmark: ``python benchmarks/sar.py --json OUT [--gb 20]``.

Streams a radar stack of ``--gb`` gigabytes (one orbit, VV and VH, ``--times`` acquisitions,
float32 sigma0 in dB) through the local PWTT (``truceline.fusion.sar.lazy_score``) without ever
holding or storing it: each Dask task asks the stack for its own window and halo, served from a
pool of distinct speckled windows far larger than the last-level cache (so every byte comes from
main memory, and making a window costs nothing: the detector is what is timed), and the score is
reduced to a count of damaged cells as it is computed. Beside it, on the same machine and in the same run, numpy's single-pass ``np.log`` over
float32 buffers gives the reference throughput (the best of three rounds); ``ratio_to_numpy_log``
is the detector's bytes per second over numpy's. The compiled kernels are loaded (or compiled)
on a small stack before the clock starts.

Prints a table and writes JSON: ``stack_gb``, ``shape``, ``wall_s``, ``peak_rss_mb`` (this
process's ``ru_maxrss``, imports included), ``mpixels_per_s`` (input pixel values per second, all
acquisitions and both polarisations), ``detector_gb_per_s``, ``numpy_log_gb_per_s``,
``ratio_to_numpy_log``, ``damaged_cells``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

DAY = 86400.0


def numpy_log_gb_per_s(total_gb: float = 2.0, buffer_mb: int = 256) -> float:
    """np.log over float32 buffers, single pass each, ``total_gb`` in all: bytes per second."""
    buf = np.random.default_rng(0).random(buffer_mb * 2 ** 20 // 4, dtype=np.float32) + 0.5
    out = np.empty_like(buf)
    reps = max(int(total_gb * 1e9 // buf.nbytes), 1)
    t0 = time.perf_counter()
    for _ in range(reps):
        np.log(buf, out=out)
    return reps * buf.nbytes / (time.perf_counter() - t0) / 1e9


class SyntheticStack:
    """A (time, pol, y, x) float32 stack of about ``gb`` GB that exists only window by window.

    Windows are served from a pool of ``pool`` distinct speckled arrays, each one tile and its
    halo, held in memory: the pool (about 400 MB at the default chunk) is far larger than the
    last-level cache, so the detector reads every byte of every window from main memory, as it
    would from a reader's buffer, while making a window costs nothing; the detector's own
    throughput is what is measured. A window at the grid's edge (shorter halo) is a copy.
    """

    def __init__(self, gb: float, times: int, chunk: int, halo: int = 2, pool: int = 6, seed: int = 7) -> None:
        self.side = int(np.ceil(np.sqrt(gb * 1e9 / (times * 2 * 4)) / chunk) * chunk)     # at least gb
        rng = np.random.default_rng(seed)
        base = np.array([-5.0, -12.0], np.float32)[None, :, None, None]
        n = chunk + 2 * halo
        self.chunk = chunk
        self.pool = [(base + 10 * np.log10(rng.gamma(4.4, 1 / 4.4, (times, 2, n, n)))).astype(np.float32)
                     for _ in range(pool)]
        self.times = {"sim": np.arange(times, dtype=float) * 6 * DAY}
        self.nbytes = times * 2 * self.side * self.side * 4

    def read(self, orbit: str, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
        window = self.pool[(y0 // self.chunk * 7 + x0 // self.chunk) % len(self.pool)]
        if window.shape[-2:] == (y1 - y0, x1 - x0):
            return window
        return np.ascontiguousarray(window[:, :, :y1 - y0, :x1 - x0])


def _warm_up(times: int) -> None:
    """Compile (or load from numba's cache) the kernels on a small stack, before the clock starts."""
    from truceline.fusion.sar import lazy_score

    warm = SyntheticStack(0.05, times, 64)
    lazy_score(warm.read, warm.times, (warm.side, warm.side), warm.times["sim"][times - 6] + DAY / 2, 10.0,
               chunk=64).sum().compute(scheduler="sync")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=20.0, help="stack size in GB (default 20)")
    ap.add_argument("--times", type=int, default=31, help="acquisitions in the stack (default 31: 25 before, 5 after)")
    ap.add_argument("--chunk", type=int, default=512, help="chunk side in pixels")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args()
    import dask

    from truceline.fusion.sar import lazy_score

    console = Console()
    ref = max(numpy_log_gb_per_s() for _ in range(3))  # numpy's best of three: the strict reference
    _warm_up(args.times)
    stack = SyntheticStack(args.gb, args.times, args.chunk)
    side, t = stack.side, stack.times["sim"]
    event_start = t[args.times - 6] + DAY / 2            # 25 before, the day's own pass excluded, 5 after
    score = lazy_score(stack.read, stack.times, (side, side), event_start, 10.0, chunk=args.chunk)
    t0 = time.perf_counter()
    with dask.config.set(scheduler="threads", num_workers=args.workers):
        damaged = int((score >= 3.0).sum().compute())
    wall = time.perf_counter() - t0
    stack_gb = stack.nbytes / 1e9
    values = stack.nbytes // 4
    result = {"stack_gb": round(stack_gb, 2), "shape": [args.times, 2, side, side], "chunk": args.chunk,
              "workers": args.workers,
              "wall_s": round(wall, 1), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
              "mpixels_per_s": round(values / wall / 1e6, 1), "detector_gb_per_s": round(stack_gb / wall, 4),
              "numpy_log_gb_per_s": round(ref, 3), "ratio_to_numpy_log": round(stack_gb / wall / ref, 4),
              "damaged_cells": damaged, "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"}
    table = Table(title=f"PWTT over a {stack_gb:.1f} GB stack ({side} x {side} px, {args.times} acquisitions, VV+VH)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k, v in result.items():
        table.add_row(k, str(v))
    console.print(table)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
        console.print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
