"""Radar acquisitions as GeoTIFF (format ``sar-geotiff``): one file per acquisition, bands VV
and VH (their descriptions say which), sigma0 in dB or linear power, tags ``ACQUISITION_START``
(ISO 8601 UTC) and ``RELATIVE_ORBIT``, and ``UNITS`` (``dB`` | ``linear``; dB when absent).

``read`` checks one file's header (nothing of the pixels is read) and returns one ``SAR_SCENES``
row, or quarantines the file naming the tag or band that is wrong. ``open_stack`` gathers the
accepted files into a :class:`Stack` that reads any window of every acquisition of an orbit
(rasterio windowed reads: a task reads its own tile and halo and nothing else, so a stack of any
size streams in bounded memory), refusing files whose grid differs from the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from truceline.model.tables import SAR_SCENES, Columns
from truceline.model.timefmt import from_iso
from truceline.sources.base import Format, FormatError, Quarantined, ReadResult

BANDS = ("VV", "VH")


def _is_sar(path: Path) -> bool:
    if Path(path).suffix.lower() not in (".tif", ".tiff"):
        return False
    try:
        import rasterio
        with rasterio.open(path) as src:
            return "ACQUISITION_START" in src.tags()
    except Exception:       # not a raster rasterio can open: not this format
        return False


def _header(path: Path) -> dict[str, Any]:
    import rasterio
    with rasterio.open(path) as src:
        tags, desc = src.tags(), tuple(d or "" for d in src.descriptions)
        if "ACQUISITION_START" not in tags:
            raise ValueError("tag ACQUISITION_START: missing (the acquisition's UTC start time)")
        if not tags.get("RELATIVE_ORBIT", "").strip():
            raise ValueError("tag RELATIVE_ORBIT: missing (stacks are tested per orbit)")
        if desc[:2] != BANDS:
            raise ValueError(f"band descriptions: {', '.join(desc) or 'none'}; expected VV, VH")
        if src.crs is None:
            raise ValueError("no coordinate reference system")
        units = tags.get("UNITS", "dB")
        if units not in ("dB", "linear"):
            raise ValueError(f"tag UNITS: {units!r}; expected dB or linear")
        try:
            t = from_iso(tags["ACQUISITION_START"])
        except ValueError as exc:
            raise ValueError(f"tag ACQUISITION_START: {exc}") from None
        return {"scene_id": Path(path).stem, "path": str(path), "time": t,
                "relative_orbit": tags["RELATIVE_ORBIT"].strip(), "width": src.width, "height": src.height,
                "pixel_m": float(abs(src.transform.a)), "crs": src.crs.to_string(), "units": units}


def read_scene(path: Path, **_: Any) -> ReadResult:
    """One acquisition's header as a ``SAR_SCENES`` row, or the file quarantined with the reason."""
    try:
        row = _header(Path(path))
    except ValueError as exc:
        q = Quarantined(str(path), 0, str(exc), {"file": str(path)})
        return ReadResult("sar-geotiff", str(path), Columns.empty(SAR_SCENES), received=1, quarantine=(q,))
    return ReadResult("sar-geotiff", str(path), Columns.from_rows(SAR_SCENES, [row]), received=1)


@dataclass(frozen=True)
class Stack:
    """Accepted acquisitions on one grid, read window by window (``fusion.sar.lazy_score``)."""

    paths: dict[str, tuple[str, ...]]           # per relative orbit, its files in time order
    times: dict[str, np.ndarray]                # ... and their acquisition times (epoch s)
    linear: dict[str, tuple[bool, ...]]         # ... and whether each holds linear power
    shape: tuple[int, int]
    transform: Any
    crs: str
    pixel_m: float

    def read(self, orbit: str, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
        """That window of every acquisition of ``orbit``: (time, pol, y, x) float32 dB."""
        import rasterio
        from rasterio.windows import Window

        out = np.empty((len(self.paths[orbit]), 2, y1 - y0, x1 - x0), np.float32)
        for k, (path, lin) in enumerate(zip(self.paths[orbit], self.linear[orbit])):
            with rasterio.open(path) as src:
                a = src.read((1, 2), window=Window(x0, y0, x1 - x0, y1 - y0)).astype(np.float32)
            out[k] = 10.0 * np.log10(np.maximum(a, 1e-10)) if lin else a
        return out


def open_stack(scenes: Columns) -> Stack:
    """The accepted acquisitions as one :class:`Stack`; a file whose grid (size, transform, CRS)
    differs from the first is refused, naming both."""
    import rasterio

    first = None
    paths, times, linear = {}, {}, {}
    for orbit in sorted(set(scenes["relative_orbit"].astype(str))):
        k = np.flatnonzero(scenes["relative_orbit"].astype(str) == orbit)
        k = k[np.argsort(np.asarray(scenes["time"], float)[k], kind="stable")]
        for i in k:
            with rasterio.open(scenes["path"][i]) as src:
                grid = (src.height, src.width, tuple(src.transform), src.crs.to_string())
            if first is None:
                first = (grid, str(scenes["path"][i]))
            elif grid != first[0]:
                raise FormatError(f"{scenes['path'][i]}: its grid differs from {first[1]}: a stack must share one grid")
        paths[orbit] = tuple(str(scenes["path"][i]) for i in k)
        times[orbit] = np.asarray(scenes["time"], float)[k]
        linear[orbit] = tuple(str(scenes["units"][i]) == "linear" for i in k)
    if first is None:
        raise FormatError("no acquisition to stack")
    (h, w, transform, crs), _ = first
    from affine import Affine
    t = Affine(*transform[:6])
    return Stack(paths, times, linear, (h, w), t, crs, float(abs(t.a)))


FORMAT = Format("sar-geotiff", "Radar acquisition (GeoTIFF: VV and VH sigma0, acquisition time and orbit tags)",
                "docs/formats.md#sar-geotiff", _is_sar, read_scene)
