"""Thermal events from FIRMS hotspots: pixels joined per overpass, persistent sources masked."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import truceline
from truceline.fusion.thermal import ThermalParams, thermal_events
from truceline.geodesy import GEOD
from truceline.model.tables import HOTSPOTS, Columns

REAL = Path(__file__).resolve().parent / "data" / "real"
DAY1 = REAL / "J1_VIIRS_C2_Global_VJ114IMGTDL_NRT_2025242.txt.csv"
DAY2 = REAL / "J1_VIIRS_C2_Global_VJ114IMGTDL_NRT_2025243.txt.csv"
T0 = 1_764_115_200.0  # 2025-11-26T00:00:00Z


def hotspots(rows: list[tuple[float, float, float, str]]) -> Columns:
    """rows: (time s, lon, lat, satellite); VIIRS pixels of 375 m, nominal confidence."""
    t, lon, lat, sat = (np.array(v) for v in zip(*rows))
    n = len(rows)
    ids = np.array([f"{s}-{k:05d}" for k, s in enumerate(sat)], dtype=object)
    return Columns.conform(HOTSPOTS, {
        "hotspot_id": ids, "time": t.astype(float), "lon": lon.astype(float), "lat": lat.astype(float),
        "instrument": np.full(n, "VIIRS", dtype=object), "satellite": sat.astype(object),
        "confidence": np.full(n, "nominal", dtype=object), "confidence_pct": np.full(n, np.nan),
        "brightness_k": np.full(n, 330.0), "brightness2_k": np.full(n, 290.0), "frp_mw": np.full(n, 5.0),
        "scan_km": np.full(n, 0.375), "track_km": np.full(n, 0.375), "daynight": np.full(n, "N", dtype=object),
        "saturated": np.zeros(n, dtype=bool)})


def test_pixels_of_one_overpass_join_and_others_do_not() -> None:
    d_lat = 375.0 / 111_000.0
    table = hotspots([(T0 + 3600, 37.80, 48.00, "N20"), (T0 + 3600, 37.80, 48.00 + d_lat, "N20"),   # adjacent
                      (T0 + 3600, 37.80, 48.02, "N20"),                                             # 2 km off
                      (T0 + 7200, 37.80, 48.00, "N")])                                               # next pass
    ev = thermal_events(table)
    assert sorted(ev["n_pixels"]) == [1, 1, 2]
    joined = ev.take(ev["n_pixels"] == 2)
    assert abs(float(joined["lat"][0]) - (48.00 + d_lat / 2)) < 1e-5 and not ev["masked"].any()


def test_a_place_burning_day_after_day_is_masked_and_new_fire_is_not() -> None:
    works, fire, twice = (37.55, 47.10), (37.80, 47.30), (38.10, 47.50)
    past = [(T0 - d * 86_400 + 3600, works[0] + 0.001 * (d % 2), works[1], "N20") for d in range(1, 11)]
    past += [(T0 - d * 86_400 + 3600, twice[0], twice[1], "N20") for d in (1, 2)]          # only two days
    past += [(T0 - d * 86_400 + 3600, fire[0], fire[1], "N20") for d in range(200, 210)]   # outside the look-back
    today = hotspots([(T0 + 3600, *works, "N20"), (T0 + 3600, *fire, "N20"), (T0 + 3600, *twice, "N20")])
    ev = thermal_events(today, history=hotspots(past))
    by_place = {round(float(lo), 2): e for lo, e in zip(ev["lon"], ev.rows())}
    assert by_place[37.55]["masked"] and by_place[37.55]["persistent_days"] == 10
    assert "10 earlier days" in by_place[37.55]["reason"]
    assert not by_place[37.8]["masked"] and by_place[37.8]["persistent_days"] == 0
    assert not by_place[38.1]["masked"] and by_place[38.1]["persistent_days"] == 2


def test_real_viirs_day_every_hotspot_in_one_event() -> None:
    day1 = truceline.read(DAY1).table
    ev = thermal_events(day1)
    assert int(ev["n_pixels"].sum()) == len(day1)
    ids = " ".join(ev["hotspot_ids"]).split()
    assert sorted(ids) == sorted(day1["hotspot_id"].astype(str))
    assert ev["saturated"].sum() > 0 and not ev["masked"].any()
    assert len(ev) < len(day1)                      # fires span several pixels
    assert (ev["sigma_m"] > 150).all()


def test_real_second_day_against_the_first_as_history() -> None:
    """With one day of history and min_days=1, an event is masked exactly when most of its pixels
    have a first-day hotspot within 500 m (checked geodesically, pixel by pixel)."""
    day1, day2 = truceline.read(DAY1).table, truceline.read(DAY2).table
    ev = thermal_events(day2, history=day1, params=ThermalParams(min_days=1))
    row = {h: k for k, h in enumerate(day2["hotspot_id"].astype(str))}
    masked = 0
    for e in ev.rows():
        k = np.array([row[h] for h in str(e["hotspot_ids"]).split()])
        near = []
        for i in k:
            _, _, d = GEOD.inv(np.full(len(day1), day2["lon"][i]), np.full(len(day1), day2["lat"][i]),
                               day1["lon"], day1["lat"])
            near.append(bool(d.min() <= 500.0))
        assert e["masked"] == (sum(near) * 2 > len(k))
        masked += int(e["masked"])
    assert 0 < masked < len(ev)
    assert not thermal_events(day2, history=day1)["masked"].any()    # one day is not a persistent source
