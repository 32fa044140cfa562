"""Declared storage sites against what the drones counted there: missing pieces, said only where
the surveys could have seen them.

Level 2. A **survey** of a site is a flight whose footprint holds the whole site (its radius);
it counts ``c_f`` pieces at the site (sightings within the radius plus ``margin_m``). Each piece
present is seen by a survey with probability ``p_sight``, so with N pieces present the counts are
independent Binomial(N, p). The posterior over N (flat over 0 … declared + ``extra``) gives
P(missing) = P(N < declared). A site is

- ``missing`` where P(missing) ≥ ``missing_p`` = 0.99 (with the estimate and a 90 % interval):
  an accusation, so its bar is high,
- ``complete`` where P(N ≥ declared) ≥ ``complete_p`` = 0.9: observed, nothing missing,
- ``not observed`` where no survey covered it, or the coverage probability 1 - (1 - p)^surveys is
  below ``min_coverage_p``: absence is never claimed from a look that could not see,
- ``undetermined`` otherwise.

By class, each sighting's class posterior (the site's declared mix as prior) is summed per survey
and scaled by 1/p: the classes whose estimate falls short of the declaration are named. Declared
serial numbers read at the site confirm pieces; read anywhere else they are listed with the place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.stats import binom

from truceline.geodesy import LocalProjection
from truceline.model.agreement import StorageSite
from truceline.model.tables import STORAGE_FINDINGS, Columns
from truceline.verify.weapons import CLASSES, class_loglik


@dataclass(frozen=True)
class StorageParams:
    """Settings of counting storage sites."""

    p_sight: float = 0.9           # a flight over a site sees each parked piece this often (as a patrol sees a weapon)
    margin_m: float = 300.0        # sightings this far outside a site's radius still count as at the site
    missing_p: float = 0.99        # 'missing' only at this posterior probability (an accusation) ...
    complete_p: float = 0.9        # 'complete' at this one ...
    min_coverage_p: float = 0.9    # ... and only where a piece present would be seen this surely
    extra: int = 10                # the posterior also weighs up to this many pieces above the declaration


def _xy(site: StorageSite, lon: np.ndarray, lat: np.ndarray) -> tuple[LocalProjection, np.ndarray]:
    proj = LocalProjection(site.lon, site.lat)
    x, y = proj.to_xy(lon, lat)
    return proj, np.hypot(x, y)


def site_of(sightings: Columns, sites: tuple[StorageSite, ...], params: StorageParams = StorageParams()) -> np.ndarray:
    """Per sighting, the id of the storage site it stands at ('' for the field)."""
    out = np.full(len(sightings), "", dtype=object)
    lon, lat = np.asarray(sightings["lon"], float), np.asarray(sightings["lat"], float)
    for s in sites:
        near = _xy(s, lon, lat)[1] <= s.radius_m + params.margin_m
        out[near & (out == "")] = s.id
    return out


def surveys_of(site: StorageSite, coverage: Columns) -> list[str]:
    """Flights whose footprint held the whole site."""
    proj = LocalProjection(site.lon, site.lat)
    ring = np.asarray(shapely.Point(0.0, 0.0).buffer(site.radius_m, 16).exterior.coords)
    lon, lat = proj.to_lonlat(ring[:, 0], ring[:, 1])
    disc = shapely.Polygon(np.column_stack([lon, lat]))
    held = [bool(shapely.contains(g, disc)) for g in coverage["footprint"]] if len(coverage) else []
    return sorted({str(f) for f, h in zip(coverage["flight_id"], held) if h})


def storage_findings(sightings: Columns, coverage: Columns, sites: tuple[StorageSite, ...],
                     params: StorageParams = StorageParams()) -> Columns:
    """One row per declared storage site (``STORAGE_FINDINGS``)."""
    where = site_of(sightings, sites, params)
    rows = [_site(s, sightings, where, coverage, params) for s in sites]
    return Columns.from_rows(STORAGE_FINDINGS, rows)


def _site(site: StorageSite, sightings: Columns, where: np.ndarray, coverage: Columns, params: StorageParams) -> dict:
    declared = site.declared
    flights = surveys_of(site, coverage)
    here = np.flatnonzero(where == site.id)
    fl = sightings["flight_id"].astype(str)
    counts = np.array([int(np.sum(fl[here] == f)) for f in flights])
    n_grid = np.arange(declared + params.extra + 1)
    coverage_p = 1.0 - (1.0 - params.p_sight) ** len(flights)
    row = {"site_id": site.id, "party": site.party, "name": site.name, "lon": site.lon, "lat": site.lat,
           "declared": declared, "surveys": len(flights), "coverage_p": coverage_p,
           "seen_max": int(counts.max()) if len(counts) else 0, "sighting_ids": " ".join(sorted(sightings["sighting_id"].astype(str)[here]))}
    row.update(_serials(site, sightings, where))
    if not flights:
        return {**row, **_unknown("not observed"), "confidence": "possible"}
    log_l = np.sum([binom.logpmf(c, n_grid, params.p_sight) for c in counts], axis=0)
    post = np.exp(log_l - log_l.max())
    post /= post.sum()
    cdf = np.cumsum(post)
    p_missing = float(post[n_grid < declared].sum())
    n_map = int(n_grid[np.argmax(post)])
    low_n, high_n = int(n_grid[np.searchsorted(cdf, 0.05)]), int(n_grid[np.searchsorted(cdf, 0.95)])
    if coverage_p < params.min_coverage_p:
        status = "not observed"
    elif p_missing >= params.missing_p:
        status = "missing"
    elif 1.0 - p_missing >= params.complete_p:
        status = "complete"
    else:
        status = "undetermined"
    by_class = _by_class(site, sightings, here, flights, declared - n_map, params) if status == "missing" else ""
    return {**row, "present_est": n_map, "missing_est": max(declared - n_map, 0),
            "missing_low": max(declared - high_n, 0), "missing_high": max(declared - low_n, 0),
            "p_missing": p_missing, "status": status, "missing_by_class": by_class,
            "confidence": "probable" if len(flights) >= 2 and status in ("missing", "complete") else "possible"}


def _unknown(status: str) -> dict:
    return {"present_est": -1, "missing_est": -1, "missing_low": -1, "missing_high": -1, "p_missing": np.nan,
            "status": status, "missing_by_class": ""}


def _by_class(site: StorageSite, sightings: Columns, here: np.ndarray, flights: list[str], missing: int,
              params: StorageParams) -> str:
    """The ``missing`` pieces shared out over the classes whose estimate falls short of the
    declaration (largest remainders), e.g. ``mortar:4``."""
    declared = np.array([site.inventory.get(c, 0) for c in CLASSES], dtype=float)   # type: ignore[call-overload]
    prior = (declared + 0.1) / (declared + 0.1).sum()
    named, conf = sightings["weapon_class"].astype(str), np.asarray(sightings["confidence"], float)
    fl = sightings["flight_id"].astype(str)
    est = np.zeros(len(CLASSES))
    for f in flights:
        for i in here[fl[here] == f]:
            ll = class_loglik(named[i:i + 1], conf[i:i + 1])
            p = np.exp(ll - ll.max()) * prior
            est += p / p.sum()
    est /= len(flights) * params.p_sight
    sd = np.sqrt(np.maximum(declared, 1.0) * (1 - params.p_sight) / (params.p_sight * len(flights)) + 1.0)
    deficit = np.where(declared - est >= 2.0 * sd, declared - est, 0.0)   # a class named only when clearly short
    if missing <= 0 or deficit.sum() <= 0:
        return ""
    share = np.minimum(deficit / deficit.sum() * missing, declared)
    k = np.floor(share).astype(int)
    for i in np.argsort(-(share - k), kind="stable")[:missing - k.sum()]:
        k[i] += 1
    order = np.argsort(-k, kind="stable")
    return " ".join(f"{CLASSES[i]}:{k[i]}" for i in order if k[i] > 0)


def _serials(site: StorageSite, sightings: Columns, where: np.ndarray) -> dict:
    declared = {s for ids in site.serials.values() for s in ids}
    serial = sightings["serial"].astype(str)
    confirmed = sorted({s for s in serial[where == site.id] if s in declared})
    elsewhere = sorted({f"{s}@{lo:.5f},{la:.5f}" for s, w, lo, la in zip(serial, where, sightings["lon"], sightings["lat"])
                        if s in declared and w != site.id})
    return {"serials_confirmed": " ".join(confirmed), "serials_elsewhere": " ".join(elsewhere)}
