"""Writing a simulated day: the feeds exactly as a producer would send them, and the truth apart."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import asdict
from pathlib import Path

import numpy as np

from truceline.model.tables import PICKS, SENSORS, TRUTH_EVENT_EXTRAS, TRUTH_EVENTS, Columns
from truceline.model.timefmt import to_iso
from truceline.simulate.scenario import Simulation


def _cell(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, float) and np.isnan(value):
        return ""
    return str(value)


def write_table(table: Columns, names: tuple[str, ...], path: Path, times: tuple[str, ...] = ()) -> None:
    """Write ``table``'s columns ``names`` as CSV, times (epoch s) as ISO 8601 UTC."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for i in range(len(table)):
            w.writerow([to_iso(table[n][i]) if n in times else _cell(table[n][i]) for n in names])


FIRMS_ARCHIVE = ("latitude", "longitude", "bright_ti4", "scan", "track", "acq_date", "acq_time", "satellite",
                 "confidence", "version", "bright_ti5", "frp", "daynight", "instrument")
"""The FIRMS archive / NRT download layout (VIIRS): instrument last, acq_time HH:MM:SS, words."""
FIRMS_AREA_MODIS = ("latitude", "longitude", "brightness", "scan", "track", "acq_date", "acq_time", "satellite",
                    "instrument", "confidence", "version", "bright_t31", "frp", "daynight")
"""The FIRMS area-API layout (MODIS): instrument after satellite, acq_time HHMM, confidence 0-100."""


def write_firms(table: Columns, path: Path, area_api: bool = False) -> None:
    """Hotspots as FIRMS writes them: VIIRS in the archive layout, or MODIS in the area-API one."""
    from datetime import datetime, timezone

    path.parent.mkdir(parents=True, exist_ok=True)
    names = FIRMS_AREA_MODIS if area_api else FIRMS_ARCHIVE
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        for r in table.rows():
            when = datetime.fromtimestamp(float(r["time"]), timezone.utc)
            row = {"latitude": f"{r['lat']:.5f}", "longitude": f"{r['lon']:.5f}", "scan": r["scan_km"],
                   "track": r["track_km"], "acq_date": when.strftime("%Y-%m-%d"), "satellite": r["satellite"],
                   "frp": r["frp_mw"], "daynight": r["daynight"], "instrument": r["instrument"]}
            if area_api:
                row.update(brightness=r["brightness_k"], bright_t31=r["brightness2_k"], version="6.1NRT",
                           acq_time=str(int(when.strftime("%H%M"))), confidence=f"{r['confidence_pct']:.0f}")
            else:
                row.update(bright_ti4=r["brightness_k"], bright_ti5=r["brightness2_k"], version="2.0NRT",
                           acq_time=when.strftime("%H:%M:%S"), confidence=r["confidence"])
            w.writerow([row[n] for n in names])


def write_drones(sightings: Columns, coverage: Columns, sightings_path: Path, coverage_path: Path) -> None:
    """Sightings and flight footprints as the drone unit's GeoJSON (docs/formats.md)."""
    import shapely

    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(r["lon"], 6), round(r["lat"], 6)]},
              "properties": {"sighting_id": r["sighting_id"], "time": to_iso(r["time"]), "weapon_class": r["weapon_class"],
                             "confidence": r["confidence"], "image_hash": f"sha256:{r['image_hash']}",
                             "image_ref": r["image_ref"], "flight_id": r["flight_id"], "serial": r["serial"]}}
             for r in sightings.rows()]
    sightings_path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, indent=1), encoding="utf-8")
    feats = [{"type": "Feature", "id": r["footprint_id"], "geometry": shapely.geometry.mapping(r["footprint"]),
              "properties": {"flight_id": r["flight_id"], "start": to_iso(r["start"]), "end": to_iso(r["end"])}}
             for r in coverage.rows()]
    coverage_path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, indent=1), encoding="utf-8")


def write_simulation(sim: Simulation, out: Path, agreement_path: Path) -> dict[str, Path]:
    """Write ``sensors.csv``, ``picks.csv``, ``agreement.yaml`` and ``truth/`` under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"sensors": out / "sensors.csv", "picks": out / "picks.csv", "agreement": out / "agreement.yaml",
             "truth": out / "truth"}
    write_table(sim.sensors, SENSORS.names, paths["sensors"])
    with open(paths["picks"], "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(PICKS.names))
        w.writeheader()
        w.writerows(sim.picks_rows)
    if Path(agreement_path).resolve() != paths["agreement"].resolve():
        shutil.copyfile(agreement_path, paths["agreement"])
    truth = paths["truth"]
    extras = tuple(c.name for c in TRUTH_EVENT_EXTRAS if c.name in sim.truth)
    write_table(sim.truth, TRUTH_EVENTS.names + extras, truth / "events.csv", times=("time",))
    write_table(sim.sensor_truth, sim.sensor_truth.names, truth / "sensors.csv")
    write_table(sim.picks, tuple(n for n in ("pick_id", "truth_id", "is_outlier") if n in sim.picks), truth / "picks.csv")
    if sim.thermal is not None:
        th = sim.thermal
        paths.update(firms_viirs=out / "firms_viirs.csv", firms_modis=out / "firms_modis.csv",
                     firms_history=out / "firms_history.csv")
        write_firms(th.viirs, paths["firms_viirs"])
        write_firms(th.modis, paths["firms_modis"], area_api=True)
        write_firms(th.history, paths["firms_history"])
        write_table(th.truth, th.truth.names, truth / "hotspots.csv")
        write_table(th.passes, th.passes.names, truth / "passes.csv", times=("time",))
    if sim.drones is not None:
        dr = sim.drones
        paths.update(drone_sightings=out / "drone_sightings.geojson", drone_coverage=out / "drone_coverage.geojson")
        write_drones(dr.sightings, dr.coverage, paths["drone_sightings"], paths["drone_coverage"])
        write_table(dr.weapons, dr.weapons.names, truth / "weapons.csv")
        write_table(dr.sighting_truth, dr.sighting_truth.names, truth / "sightings.csv")
        write_table(dr.storage, ("site_id", "weapon_class", "declared", "present", "removed_serials"), truth / "storage.csv")
    params = {k: (str(v) if not isinstance(v, (int, float, bool)) else v) for k, v in asdict(sim.params).items()}
    (truth / "scenario.json").write_text(json.dumps({"params": params, "mean_sound_speed_mps": sim.sound_speed_mps,
                                                     "n_truth_events": len(sim.truth), "n_pick_rows": len(sim.picks_rows)},
                                                    indent=2))
    return paths


def write_sar(stack, folder: Path, truth_dir: Path) -> list[Path]:
    """Write a simulated radar stack as Sentinel-1-like GeoTIFFs, one per acquisition (bands VV
    and VH, float32 sigma0 in dB, tags ACQUISITION_START, RELATIVE_ORBIT, UNITS), and the truth's
    damaged and changed cells as ``truth_dir/sar_damage.tif`` (1 damaged, 2 other change)."""
    import rasterio
    from rasterio.transform import from_origin

    folder.mkdir(parents=True, exist_ok=True)
    n = stack.db.shape[-1]
    profile = {"driver": "GTiff", "width": n, "height": stack.db.shape[-2], "crs": stack.crs,
               "transform": from_origin(stack.x0, stack.y0, stack.pixel_m, stack.pixel_m), "tiled": True,
               "blockxsize": 256, "blockysize": 256, "compress": "deflate"}
    paths = []
    for o, orbit in enumerate(stack.orbits):
        for t, when in enumerate(stack.times[o]):
            stamp = to_iso(float(when)).replace("-", "").replace(":", "").split(".")[0]
            path = folder / f"S1_{orbit}_{stamp}.tif"
            with rasterio.open(path, "w", count=2, dtype="float32", predictor=3, **profile) as dst:
                dst.write(stack.db[o, t])
                dst.descriptions = ("VV", "VH")
                dst.update_tags(ACQUISITION_START=to_iso(float(when)), RELATIVE_ORBIT=orbit, UNITS="dB",
                                PRODUCT="sigma0, simulated")
            paths.append(path)
    mask = (stack.damaged.astype("uint8") + 2 * stack.changed.astype("uint8"))[None]
    with rasterio.open(truth_dir / "sar_damage.tif", "w", count=1, dtype="uint8", **profile) as dst:
        dst.write(mask)
        dst.update_tags(EVENT_START=to_iso(float(stack.event_start)), VALUES="0 none, 1 damaged, 2 other change")
    return paths
