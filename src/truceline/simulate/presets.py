"""Benchmark scenarios: a synthetic contact line of a given length, its agreement and a simulated day.

Each preset is a gently meandering line in eastern-Ukraine-like coordinates (centred near
Donetsk, trending north-east), the default agreement ``truceline agreement init`` builds for it
plus declared quarries, and a day at the simulator's full difficulty: every nuisance rate keeps
its :class:`ScenarioParams` default; the per-day counts (storms, quarries) scale with the line's
length at the demo scenario's density. Everything is deterministic: no random draw outside the
simulator's own seeded generator.

>>> world, params, history = preset("small")               # doctest: +SKIP
>>> paths = write_preset("small", Path("out/small"))       # sensors.csv, picks.csv, agreement.yaml, truth/  # doctest: +SKIP

============  ========  =======  ============  ===================
preset        line      sensors  engagements   true fire events
============  ========  =======  ============  ===================
``small``     100 km    ~30      50            ~1,000
``front``     600 km    ~185     300           ~6,000
``full``      1,300 km  ~400     1,000         ~20,000
============  ========  =======  ============  ===================
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from truceline.agreement_init import init_agreement
from truceline.geodesy import GEOD
from truceline.model.agreement import AgreementHistory, daily_window_seconds
from truceline.simulate.scenario import ScenarioParams, Simulation, simulate
from truceline.simulate.world import DeclaredSite, World, offset_points
from truceline.simulate.writer import write_simulation
from truceline.sources.agreement_yaml import history_from_document, write_agreement

CENTRE_LONLAT = (37.8, 48.0)
"""Where the synthetic line's midpoint lies (lon, lat)."""
BEARING_DEG = 45.0
"""The line's mean direction at its midpoint, walking first vertex to last; party A holds the right."""
BEND_DEG_PER_KM = 0.05
"""How the mean direction turns along the line: east in the south-west, north in the north-east."""
STEP_M = 5_000.0
"""Vertex spacing of the synthetic line."""
DAY = date(2026, 11, 26)
EFFECTIVE_TIME = "2026-11-20T00:00:00Z"
PARTIES = ("A", "B")
STORMS_PER_KM = 2 / 326.0
"""The demo scenario's density: two storms on its 326 km line."""
QUARRY_SPACING_KM = 110.0
"""The demo scenario's density: three quarries on its 326 km line."""
QUARRY_OFFSET_M = 8_000.0
QUARRY_DAILY_UTC = ("08:00-10:00", "13:00-14:00")


@dataclass(frozen=True)
class Preset:
    """A benchmark scenario: line length (at least ~50 km: storms keep 20 km from the ends), sensor
    spacing and how much fire the day holds."""

    name: str
    length_km: float
    n_engagements: int
    sensor_spacing_m: float = 6_500.0
    seed: int = 7

    def params(self) -> ScenarioParams:
        """The day's parameters: full difficulty, counts scaled to this line."""
        return ScenarioParams(seed=self.seed, day=DAY, n_engagements=self.n_engagements,
                              sensor_spacing_m=self.sensor_spacing_m,
                              n_storms=max(1, round(STORMS_PER_KM * self.length_km)))


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("small", 100.0, 50),
    Preset("front", 600.0, 282),
    Preset("full", 1_300.0, 1_000),
)}
"""The named presets; 6,500 m spacing gives two rows of ~200 sensors on the full line."""


def contact_line(length_km: float) -> NDArray[np.float64]:
    """A meandering ``(n, 2)`` lon/lat line of ``length_km``, centred on :data:`CENTRE_LONLAT`.

    The heading wanders within 30 degrees of :data:`BEARING_DEG` (two sinusoids along the
    chainage), so the line never doubles back; every preset's line is the middle of the longest.
    """
    half = int(np.ceil(length_km * 500.0 / STEP_M))
    ahead = _walk(np.arange(half) * STEP_M, +1.0)
    behind = _walk(-np.arange(half) * STEP_M, -1.0)
    line = np.vstack([behind[::-1], [CENTRE_LONLAT], ahead])
    return _trim(line, length_km * 1000.0)


def _heading(s_m: NDArray[np.float64]) -> NDArray[np.float64]:
    s_km = s_m / 1000.0
    trend = BEARING_DEG - BEND_DEG_PER_KM * s_km
    return trend + 20.0 * np.sin(2 * np.pi * s_km / 180.0) + 10.0 * np.sin(2 * np.pi * s_km / 67.0 + 1.0)


def _walk(s_m: NDArray[np.float64], direction: float) -> NDArray[np.float64]:
    """Vertices reached stepping from the centre, one step per chainage in ``s_m``."""
    lon, lat = CENTRE_LONLAT
    out = []
    for s in s_m:
        az = _heading(np.array([s + direction * STEP_M / 2]))[0] + (0.0 if direction > 0 else 180.0)
        lon, lat, _ = GEOD.fwd(lon, lat, az, STEP_M)
        out.append((lon, lat))
    return np.asarray(out, dtype=float).reshape(-1, 2)


def _trim(line: NDArray[np.float64], length_m: float) -> NDArray[np.float64]:
    """The middle ``length_m`` of a line whose vertices are :data:`STEP_M` apart."""
    extra = (len(line) - 1) * STEP_M - length_m
    cut = extra / 2.0
    first, last = line[0], line[-1]
    if cut > 0:
        a = GEOD.fwd(*line[0], GEOD.inv(*line[0], *line[1])[0], cut)[:2]
        b = GEOD.fwd(*line[-1], GEOD.inv(*line[-1], *line[-2])[0], cut)[:2]
        first, last = np.asarray(a), np.asarray(b)
    return np.round(np.vstack([first, line[1:-1], last]), 6)


def quarries(world_line: NDArray[np.float64], length_km: float, day: date) -> tuple[DeclaredSite, ...]:
    """Declared quarries every :data:`QUARRY_SPACING_KM`, alternating sides, with the demo's windows."""
    n = max(1, round(length_km / QUARRY_SPACING_KM))
    world = World(world_line, PARTIES[0], PARTIES[1], 0.0)
    line = world.line_xy()
    s = (np.arange(n) + 0.5) * line.length / n
    side = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    xy = offset_points(line, s, side * QUARRY_OFFSET_M)
    lon, lat = world.projection().to_lonlat(xy[:, 0], xy[:, 1])
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()
    windows = tuple((start + a, start + b) for a, b in map(daily_window_seconds, QUARRY_DAILY_UTC))
    return tuple(DeclaredSite(f"Q{k + 1}", round(float(lon[k]), 5), round(float(lat[k]), 5), 1500.0, windows)
                 for k in range(n))


def agreement_document(spec: Preset) -> dict[str, Any]:
    """The default agreement for the preset's line, with its quarries declared."""
    line = contact_line(spec.length_km)
    doc = init_agreement(line, party_ids=PARTIES, effective_time=EFFECTIVE_TIME,
                         name=f"Benchmark ceasefire ({spec.name}, {spec.length_km:,.0f} km)")
    sites = quarries(line, spec.length_km, DAY)
    doc["declared_activities"] = [
        {"id": q.id, "kind": "quarry_blasting", "party": PARTIES[0] if k % 2 == 0 else PARTIES[1],
         "name": f"Quarry {q.id}", "lon": q.lon, "lat": q.lat, "radius_m": q.radius_m,
         "daily_utc": list(QUARRY_DAILY_UTC)} for k, q in enumerate(sites)]
    return doc


def build(spec: Preset) -> tuple[World, ScenarioParams, AgreementHistory, dict[str, Any]]:
    """World, day parameters, agreement history and agreement document of a preset."""
    doc = agreement_document(spec)
    history = history_from_document(doc, f"<preset {spec.name}>")
    params = spec.params()
    a = history.at(params.day_start)
    windows = quarries(np.asarray(a.contact_line.coords), 1.0, params.day)[0].windows
    sites = tuple(DeclaredSite(q.id, q.lon, q.lat, q.radius_m, windows) for q in a.declared_activities)
    world = World(np.asarray(a.contact_line.coords), a.party_ids[0], a.party_ids[1], a.effective_time.timestamp(),
                  sites)
    return world, params, history, doc


def preset(name: str) -> tuple[World, ScenarioParams, AgreementHistory]:
    """World, parameters and agreement history of the named preset (see :data:`PRESETS`)."""
    world, params, history, _ = build(resolve(name))
    return world, params, history


def resolve(spec: str | Preset) -> Preset:
    """A preset by name (the error lists the names), or ``spec`` itself."""
    if isinstance(spec, Preset):
        return spec
    if spec not in PRESETS:
        raise ValueError(f"unknown preset {spec!r}; presets: {', '.join(PRESETS)}")
    return PRESETS[spec]


def write_preset(spec: str | Preset, out: Path, *, seed: int | None = None) -> tuple[Simulation, World, dict[str, Path]]:
    """Simulate the preset's day and write ``sensors.csv``, ``picks.csv``, ``agreement.yaml``, ``truth/``."""
    spec = resolve(spec)
    spec = spec if seed is None else replace(spec, seed=seed)
    world, params, _, doc = build(spec)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    agreement = write_agreement(doc, out / "agreement.yaml")
    sim = simulate(world, params)
    return sim, world, write_simulation(sim, out, agreement)


__all__ = ["PRESETS", "Preset", "agreement_document", "build", "contact_line", "preset", "quarries", "resolve",
           "write_preset"]
