"""Radar acquisitions as GeoTIFF (format ``sar-geotiff``): one file per acquisition, bands VV
and VH (their descriptions say which), sigma0 in dB or linear power, tags ``ACQUISITION_START``
(ISO 8601 UTC) and ``RELATIVE_ORBIT``, and ``UNITS`` (``dB`` | ``linear``; dB when absent).

``read`` checks one file's header (nothing of the pixels is read) and returns one ``SAR_SCENES``
row, or quarantines the file naming the tag or band that is wrong. ``open_stack`` opens accepted
files lazily with rioxarray, chunked in space with Dask, one (time, pol, y, x) stack per relative
orbit, and refuses files whose grid differs from their orbit's first.
"""

from __future__ import annotations

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


def open_stack(scenes: Columns, chunk_px: int = 512) -> dict[str, tuple[Any, np.ndarray]]:
    """Per relative orbit: a lazy (time, pol, y, x) xarray stack in dB and its times (epoch s)."""
    import rioxarray  # noqa: F401  (registers the .rio accessor)
    import xarray as xr

    out: dict[str, tuple[Any, np.ndarray]] = {}
    for orbit in sorted(set(scenes["relative_orbit"].astype(str))):
        k = np.flatnonzero(scenes["relative_orbit"].astype(str) == orbit)
        k = k[np.argsort(np.asarray(scenes["time"], float)[k], kind="stable")]
        arrays = []
        for i in k:
            a = rioxarray.open_rasterio(scenes["path"][i], chunks={"band": 2, "y": chunk_px, "x": chunk_px})
            if arrays and (a.shape != arrays[0].shape or a.rio.transform() != arrays[0].rio.transform()
                           or a.rio.crs != arrays[0].rio.crs):
                raise FormatError(f"{scenes['path'][i]}: its grid differs from {scenes['path'][k[0]]} "
                                  f"(orbit {orbit}): one orbit's stack must share one grid")
            if str(scenes["units"][i]) == "linear":
                a = 10.0 * np.log10(a.clip(min=1e-10))
            arrays.append(a)
        stack = xr.concat(arrays, dim="time").astype("float32")
        out[orbit] = (stack, np.asarray(scenes["time"], float)[k])
    return out


FORMAT = Format("sar-geotiff", "Radar acquisition (GeoTIFF: VV and VH sigma0, acquisition time and orbit tags)",
                "docs/formats.md#sar-geotiff", _is_sar, read_scene)
