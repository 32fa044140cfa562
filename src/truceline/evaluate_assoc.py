"""The association benchmark's scores: detection, location against physics, ellipses, attribution.

``score(truth, events, engagements)`` scores a level-2 events table (the EVENTS contract) against
a simulated day; ``score_located(truth, time, lon, lat)`` scores bare located events (another
associator's output, which has no kinds, ellipses or parties). Both match reported to true fire
events one to one with :func:`truceline.evaluate.match` (|dt| <= 2 s, <= 1 km), so they agree
with ``truceline evaluate``.

Location is judged against the Cramér–Rao lower bound (CRLB) of time-of-arrival location: for
each matched true event the Fisher information of ``(east, north, t0)`` from the sensors that
truly heard it, each pick's timing error N(0, sigma) with sigma the simulator's
``pick_sigma_s``; inverting it and keeping the position block gives the bound ``C``. With ``e``
the location error, ``d2 = e' C^-1 e`` is chi-square with 2 degrees of freedom for an efficient
unbiased locator, so ``loc_over_crlb = sqrt(median(d2) / 1.386)`` is 1.0 for one, 2.0 for a
locator whose errors are twice the bound. The sensors counted are those with a *clean* true pick
(``is_outlier`` false: no outlier, not thunder's emergent onset); picks from sensors with a clock
offset are kept (a locator can learn the offset over the day).

>>> from truceline.simulate.presets import write_preset            # doctest: +SKIP
>>> sim, world, paths = write_preset("small", Path("out/small"))    # doctest: +SKIP
>>> scores = score(Truth.from_simulation(sim, world), processed.events)   # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from truceline.evaluate import FIRE_KINDS, match
from truceline.geodesy import GEOD, GeodesicLine
from truceline.model.tables import Columns

CHI2_2_MEDIAN = 2.0 * math.log(2.0)
"""Median of the chi-square distribution with 2 degrees of freedom (1.386)."""
CHI2_2_95 = -2.0 * math.log(0.05)
"""95 % quantile of chi-square with 2 degrees of freedom (5.991): the 95 % error ellipse."""
UNDETERMINED = ("", "undetermined")
Array = NDArray[Any]


@dataclass(frozen=True)
class Truth:
    """What the scores need of a simulated day.

    ``events``: TRUTH_EVENTS (+ ``engagement_id``); ``picks``: the simulated picks before the
    feed degraded them (``sensor_id``, ``truth_id``, ``is_outlier``); ``sensors``: ``sensor_id``,
    ``lon``, ``lat``; ``line_lonlat``: the contact line; ``row_offset_m``: how far each sensor row
    lies from the line.
    """

    events: Columns
    picks: Columns
    sensors: Columns
    line_lonlat: Array
    pick_sigma_s: float
    sound_speed_mps: float
    row_offset_m: float

    @classmethod
    def from_simulation(cls, sim: Any, world: Any) -> "Truth":
        """From a :class:`~truceline.simulate.scenario.Simulation` and its world."""
        return cls(sim.truth, sim.picks, sim.sensors, np.asarray(world.line_lonlat, dtype=float),
                   float(sim.params.pick_sigma_s), float(sim.sound_speed_mps), float(sim.params.row_offset_m))

    def fire(self) -> Columns:
        """True fire events (launches and impacts)."""
        return self.events.take(np.isin(self.events["kind"].astype(str), FIRE_KINDS))


# --------------------------------------------------------------------------- detection

@dataclass(frozen=True)
class Matched:
    """Reported rows ``ir`` matched to true fire rows ``it`` at geodesic distance ``dist_m``."""

    ir: NDArray[np.intp]
    it: NDArray[np.intp]
    dist_m: NDArray[np.float64]
    n_reported: int
    n_truth: int


def match_fire(fire: Columns, time: Array, lon: Array, lat: Array) -> Matched:
    """Match reported events (all rows given) to the true fire events ``fire``, one to one."""
    t, lo, la = (np.asarray(a, dtype=float) for a in (time, lon, lat))
    ir, it, dist = match(t, lo, la, np.asarray(fire["time"], dtype=float), np.asarray(fire["lon"], dtype=float),
                         np.asarray(fire["lat"], dtype=float))
    return Matched(ir, it, dist, len(t), len(fire))


def detection(m: Matched) -> dict[str, float | int]:
    """precision, recall, f1, loc_median_m, loc_p95_m and the counts behind them."""
    n = len(m.ir)
    return {"n_truth_fire": m.n_truth, "n_reported_fire": m.n_reported, "n_matched": n,
            "precision": _ratio(n, m.n_reported), "recall": _ratio(n, m.n_truth),
            "f1": _ratio(2 * n, m.n_reported + m.n_truth),
            "loc_median_m": float(np.median(m.dist_m)) if n else math.nan,
            "loc_p95_m": float(np.percentile(m.dist_m, 95)) if n else math.nan}


# --------------------------------------------------------------------------- location vs physics

def east_north(lon0: Array, lat0: Array, lon1: Array, lat1: Array) -> NDArray[np.float64]:
    """``(n, 2)`` east/north metres of points 1 seen from points 0 (geodesic, local tangent frame)."""
    az, _, dist = GEOD.inv(np.asarray(lon0, float), np.asarray(lat0, float), np.asarray(lon1, float),
                           np.asarray(lat1, float))
    az, dist = np.radians(np.asarray(az, dtype=float)), np.asarray(dist, dtype=float)
    return np.column_stack([dist * np.sin(az), dist * np.cos(az)])


def crlb_information(lon: Array, lat: Array, pick_event: Array, sensor_lon: Array, sensor_lat: Array,
                     sigma_s: float, speed_mps: float) -> NDArray[np.float64]:
    """``(n, 2, 2)`` inverse CRLB of each event's (east, north) position, origin time a nuisance.

    ``pick_event[k]`` is the event (row of ``lon``/``lat``) heard at the sensor at
    ``sensor_lon[k]``/``sensor_lat[k]``. The Fisher matrix of ``(east, north, t0)`` sums
    ``J J' / sigma^2`` over those arrivals, ``J = (-u_east / c, -u_north / c, 1)`` with ``u`` the
    unit vector from the event to the sensor; the result is its Schur complement on the position
    block, i.e. the inverse of the position block of the Fisher matrix's inverse.
    """
    k = np.asarray(pick_event, dtype=np.intp)
    n = len(np.asarray(lon))
    u = east_north(np.asarray(lon, float)[k], np.asarray(lat, float)[k], sensor_lon, sensor_lat)
    u /= np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-9)
    j = np.column_stack([-u / speed_mps, np.ones(len(k))])
    fisher = np.zeros((n, 3, 3))
    for a in range(3):
        for b in range(a, 3):
            fisher[:, a, b] = fisher[:, b, a] = np.bincount(k, weights=j[:, a] * j[:, b], minlength=n)
    fisher /= sigma_s ** 2
    f_tt = fisher[:, 2, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        info = fisher[:, :2, :2] - fisher[:, :2, 2, None] * fisher[:, None, 2, :2] / f_tt[:, None, None]
    return np.where((f_tt > 0)[:, None, None], info, np.nan)


def quadratic(err: NDArray[np.float64], info: NDArray[np.float64]) -> NDArray[np.float64]:
    """``e' A e`` for each row ``e`` of ``err`` and matrix ``A`` of ``info``."""
    return np.einsum("ni,nij,nj->n", err, info, err)


def ellipse_information(sigma_major_m: Array, sigma_minor_m: Array, azimuth_deg: Array) -> NDArray[np.float64]:
    """``(n, 2, 2)`` inverse covariance (east, north) of 1-sigma ellipses; NaN where not usable.

    ``azimuth_deg`` is the major axis's direction, degrees clockwise from north.
    """
    a, b, az = (np.asarray(v, dtype=float) for v in (sigma_major_m, sigma_minor_m, np.radians(azimuth_deg)))
    major = np.stack([np.sin(az), np.cos(az)], axis=1)
    minor = np.stack([np.cos(az), -np.sin(az)], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        info = (major[:, :, None] * major[:, None, :] / (a ** 2)[:, None, None]
                + minor[:, :, None] * minor[:, None, :] / (b ** 2)[:, None, None])
    ok = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b) & np.isfinite(az)
    return np.where(ok[:, None, None], info, np.nan)


def location_vs_crlb(truth: Truth, fire: Columns, m: Matched, rep_lon: Array, rep_lat: Array) -> dict[str, Any]:
    """``loc_over_crlb`` over matched events with >= 3 clean sensors, and how many had fewer."""
    ids = fire["truth_id"].astype(str)[m.it]
    clean = truth.picks.take(~np.asarray(truth.picks["is_outlier"], dtype=bool)
                             & np.isin(truth.picks["truth_id"].astype(str), ids))
    row = {tid: k for k, tid in enumerate(ids)}
    pick_event = np.array([row[t] for t in clean["truth_id"].astype(str)], dtype=np.intp)
    s_row = {s: k for k, s in enumerate(truth.sensors["sensor_id"])}
    s_idx = np.array([s_row[s] for s in clean["sensor_id"]], dtype=np.intp)
    n_sensors = np.bincount(pick_event, minlength=len(ids))
    t_lon, t_lat = fire["lon"][m.it].astype(float), fire["lat"][m.it].astype(float)
    info = crlb_information(t_lon, t_lat, pick_event, truth.sensors["lon"][s_idx], truth.sensors["lat"][s_idx],
                            truth.pick_sigma_s, truth.sound_speed_mps)
    d2 = quadratic(east_north(t_lon, t_lat, np.asarray(rep_lon, float)[m.ir], np.asarray(rep_lat, float)[m.ir]), info)
    ok = (n_sensors >= 3) & np.isfinite(d2)
    return {"loc_over_crlb": float(np.sqrt(np.median(d2[ok]) / CHI2_2_MEDIAN)) if ok.any() else math.nan,
            "crlb_n_events": int(ok.sum()), "crlb_n_under_3_sensors": int((~ok).sum())}


def ellipse_coverage(truth: Truth, fire: Columns, m: Matched, events: Columns) -> dict[str, Any]:
    """Share of matched events whose true position is inside the reported 95 % ellipse, by geometry.

    An event without a usable ellipse (NaN or non-positive axes) counts as not covering. Groups:
    ``between`` (true source no farther from the line than the sensor rows) and ``outside``.
    """
    err = east_north(events["lon"][m.ir].astype(float), events["lat"][m.ir].astype(float),
                     fire["lon"][m.it].astype(float), fire["lat"][m.it].astype(float))
    info = ellipse_information(events["sigma_major_m"][m.ir], events["sigma_minor_m"][m.ir],
                               events["azimuth_deg"][m.ir])
    inside = np.nan_to_num(quadratic(err, info), nan=np.inf) <= CHI2_2_95
    between = GeodesicLine(truth.line_lonlat).distance_m(fire["lon"][m.it], fire["lat"][m.it]) <= truth.row_offset_m
    return {"ellipse95_coverage": _mean(inside),
            "ellipse95_coverage_by_geometry": {"between": _mean(inside[between]), "outside": _mean(inside[~between])},
            "ellipse_n_by_geometry": {"between": int(between.sum()), "outside": int((~between).sum())}}


# --------------------------------------------------------------------------- attribution

def attribution(truth: Truth, fire: Columns, m: Matched, events: Columns, *, near_line_m: float = 3_000.0,
                min_bin: int = 20) -> dict[str, Any]:
    """Wrong-party rate, attributed fraction and calibration of ``attribution_p`` on matched fire.

    ``attributed_fraction`` counts matched events whose launch was located (a launch: itself
    matched; an impact: its true launch matched). The calibration gap is a fraction (0.05 is 5
    points): deciles of the stated p, bins of at least ``min_bin`` events.
    """
    side = events["attributed_side"].astype(str)[m.ir]
    true_side = fire["side"].astype(str)[m.it]
    attributed = ~np.isin(side, UNDETERMINED) & (side != "nan")
    wrong = attributed & (side != true_side)
    near = GeodesicLine(truth.line_lonlat).distance_m(fire["lon"][m.it], fire["lat"][m.it]) <= near_line_m
    matched_ids = set(fire["truth_id"].astype(str)[m.it])
    kind = fire["kind"].astype(str)[m.it]
    launch_located = (kind == "launch") | np.isin(fire["pair_truth_id"].astype(str)[m.it], list(matched_ids))
    p = np.asarray(events["attribution_p"][m.ir], dtype=float)
    gap, bins = calibration(p[attributed], ~wrong[attributed], min_bin)
    return {"attribution_wrong_rate": _ratio(int(wrong.sum()), int(attributed.sum())),
            "attribution_wrong_rate_near_line": _ratio(int(wrong[near].sum()), int(attributed[near].sum())),
            "attributed_fraction": _mean(attributed[launch_located]),
            "attribution_calibration_max_gap": gap, "attribution_calibration": bins,
            "n_attributed": int(attributed.sum()), "n_launch_located": int(launch_located.sum())}


def calibration(p: Array, correct: Array, min_bin: int = 20) -> tuple[float, list[dict[str, Any]]]:
    """Max |mean stated p - observed share correct| over decile bins holding >= ``min_bin`` events."""
    p, correct = np.asarray(p, dtype=float), np.asarray(correct, dtype=bool)
    ok = np.isfinite(p)
    b = np.clip(np.floor(p[ok] * 10).astype(int), 0, 9)
    rows, gaps = [], []
    for k in range(10):
        sel = b == k
        n = int(sel.sum())
        if n == 0:
            continue
        stated, observed = float(p[ok][sel].mean()), float(correct[ok][sel].mean())
        rows.append({"bin": f"{k / 10:.1f}-{(k + 1) / 10:.1f}", "n": n, "stated": stated, "observed": observed})
        if n >= min_bin:
            gaps.append(abs(stated - observed))
    return (max(gaps) if gaps else math.nan), rows


# --------------------------------------------------------------------------- engagements

def true_engagements(truth_events: Columns) -> Columns:
    """One row per true engagement: ``engagement_id, start, end, lon, lat, opened_by``.

    The opener is the side of the engagement's first round (its first mission's side).
    """
    ev = truth_events.take(np.isin(truth_events["kind"].astype(str), FIRE_KINDS))
    eid = ev["engagement_id"].astype(str) if "engagement_id" in ev else np.full(len(ev), "", dtype=object)
    ev, eid = ev.take(eid != ""), eid[eid != ""]
    ids, inv = np.unique(eid, return_inverse=True)
    t = ev["time"].astype(float)
    order = np.lexsort((t, inv))
    first = order[np.r_[0, np.flatnonzero(np.diff(inv[order])) + 1]] if len(order) else order
    count = np.bincount(inv, minlength=len(ids))
    return Columns({"engagement_id": ids.astype(object),
                    "start": np.minimum.reduceat(t[order], _starts(inv[order])) if len(t) else t,
                    "end": np.maximum.reduceat(t[order], _starts(inv[order])) if len(t) else t,
                    "lon": np.bincount(inv, ev["lon"].astype(float), len(ids)) / np.maximum(count, 1),
                    "lat": np.bincount(inv, ev["lat"].astype(float), len(ids)) / np.maximum(count, 1),
                    "opened_by": ev["side"].astype(str)[first].astype(object)})


def _starts(sorted_groups: Array) -> NDArray[np.intp]:
    return np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1].astype(np.intp)


def initiator(truth_events: Columns, reported: Columns | None, *, max_dist_m: float = 25_000.0,
              slack_s: float = 60.0) -> dict[str, Any]:
    """Who opened fire: accuracy and wrong rate over true engagements (null without a table).

    Each true engagement takes the reported engagement that overlaps it most in time (within
    ``slack_s``), among those whose position lies within ``max_dist_m`` of its centroid; none, or
    one naming no party, counts as undetermined. The ``_isolated`` rates keep only true engagements
    that overlap no other true one within the same gates: where two do, the simulator's truth
    names two openers for what may be one exchange of fire.
    """
    true = true_engagements(truth_events)
    if reported is None:
        return {"initiator_accuracy": None, "initiator_wrong_rate": None, "initiator_accuracy_isolated": None,
                "initiator_wrong_rate_isolated": None, "initiator_stated_p": None, "initiator_right_when_named": None,
                "n_true_engagements": len(true),
                "n_true_engagements_isolated": int((~is_entangled(true, max_dist_m=max_dist_m, slack_s=slack_s)).sum()),
                "n_reported_engagements": None}
    named = np.full(len(true), "", dtype=object)
    stated = np.full(len(true), np.nan)
    has_p = "opened_by_p" in reported
    for lo in range(0, len(true), 256):
        block = slice(lo, lo + 256)
        best = _best_overlap(true.take(np.arange(len(true))[block]), reported, max_dist_m, slack_s)
        named[block] = np.where(best >= 0, reported["opened_by"].astype(str)[np.maximum(best, 0)], "")
        if has_p and len(reported):
            stated[block] = np.where(best >= 0, reported["opened_by_p"].astype(float)[np.maximum(best, 0)], np.nan)
    opener = true["opened_by"].astype(str)
    said = ~np.isin(named.astype(str), UNDETERMINED)
    right, wrong, alone = said & (named == opener), said & (named != opener), ~is_entangled(true, max_dist_m=max_dist_m,
                                                                                           slack_s=slack_s)
    p = stated[said & np.isfinite(stated)]
    return {"initiator_accuracy": _mean(right), "initiator_wrong_rate": _mean(wrong),
            "initiator_accuracy_isolated": _mean(right[alone]), "initiator_wrong_rate_isolated": _mean(wrong[alone]),
            "initiator_stated_p": float(np.mean(p)) if len(p) else None,
            "initiator_right_when_named": _mean(right[said]) if said.any() else None,
            "n_true_engagements": len(true), "n_true_engagements_isolated": int(alone.sum()),
            "n_reported_engagements": len(reported)}


def _best_overlap(true: Columns, rep: Columns, max_dist_m: float, slack_s: float) -> NDArray[np.intp]:
    if len(rep) == 0:
        return np.full(len(true), -1, dtype=np.intp)
    overlap, ok = _near(true, rep, max_dist_m, slack_s)
    score = np.where(ok, overlap - _dist(true, rep) * 1e-6, -np.inf)  # most overlap; nearest breaks ties
    best = np.argmax(score, axis=1)
    return np.where(np.isfinite(score[np.arange(len(true)), best]), best, -1).astype(np.intp)


def _dist(a: Columns, b: Columns) -> NDArray[np.float64]:
    n_a, n_b = len(a), len(b)
    return np.asarray(GEOD.inv(np.repeat(a["lon"].astype(float), n_b), np.repeat(a["lat"].astype(float), n_b),
                               np.tile(b["lon"].astype(float), n_a), np.tile(b["lat"].astype(float), n_a))[2]
                      ).reshape(n_a, n_b)


def _near(a: Columns, b: Columns, max_dist_m: float, slack_s: float) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Time overlap (s, negative: a gap) of each pair and whether the pair counts as overlapping."""
    overlap = (np.minimum(a["end"].astype(float)[:, None], b["end"].astype(float)[None, :])
               - np.maximum(a["start"].astype(float)[:, None], b["start"].astype(float)[None, :]))
    return overlap, (overlap >= -slack_s) & (_dist(a, b) <= max_dist_m)


def is_entangled(true: Columns, *, max_dist_m: float = 25_000.0, slack_s: float = 60.0) -> NDArray[np.bool_]:
    """True engagements that overlap another true one in time and space (who opened is ambiguous there)."""
    _, ok = _near(true, true, max_dist_m, slack_s)
    np.fill_diagonal(ok, False)
    return ok.any(axis=1) if len(true) else np.zeros(0, dtype=bool)


# --------------------------------------------------------------------------- entry points

def truth_as_events(truth: Truth) -> Columns:
    """The true fire events as a perfect level-2 table (true positions, sides and pairs).

    Grouping them as the engine groups its own events gives the best initiator score that
    grouping rule can reach on the day: the ceiling set by the truth's own engagements, which the
    simulator draws independently, so that two can start at one place minutes apart.
    """
    f = truth.fire()
    return Columns({"event_id": f["truth_id"], "time": f["time"].astype(float), "lon": f["lon"].astype(float),
                    "lat": f["lat"].astype(float), "kind": f["kind"], "attributed_side": f["side"],
                    "attribution_p": np.ones(len(f)), "pair_id": f["pair_truth_id"],
                    "sector": np.full(len(f), "", dtype=object)})


def fire_in_declared_windows(truth: Any, sites: Any, margin_m: float = 500.0) -> np.ndarray:
    """Mask over ``truth.fire()``: the launches and impacts of every mission that put an impact
    inside a declared activity's area (its radius + ``margin_m``) during one of its windows."""
    fire = truth.fire()
    t, lon, lat = (np.asarray(fire[c], dtype=float) for c in ("time", "lon", "lat"))
    hit = np.zeros(len(fire), dtype=bool)
    for site in sites:
        _, _, d = GEOD.inv(np.full(len(fire), site.lon), np.full(len(fire), site.lat), lon, lat)
        during = np.zeros(len(fire), dtype=bool)
        for w0, w1 in site.windows:
            during |= (t >= w0) & (t <= w1)
        hit |= (fire["kind"].astype(str) == "impact") & (d <= site.radius_m + margin_m) & during
    missions = set(fire["mission_id"].astype(str)[hit])
    return np.isin(fire["mission_id"].astype(str), list(missions))


def nuisance(truth: Truth, events: Columns, fire_inside: Array) -> dict[str, Any]:
    """Thunder reported as fire, and recall of the true fire events ``fire_inside`` (a mask over
    ``truth.fire()``: fire inside a declared blasting window, say)."""
    is_fire = np.isin(events["kind"].astype(str), FIRE_KINDS)
    rep = events.take(is_fire)
    thunder = truth.events.take(truth.events["kind"].astype(str) == "thunder")
    as_fire = len(match_fire(thunder, rep["time"], rep["lon"], rep["lat"]).ir)
    fire = truth.fire()
    inside = np.asarray(fire_inside, dtype=bool)
    m = match_fire(fire.take(inside), rep["time"], rep["lon"], rep["lat"])
    return {"thunder_as_fire": as_fire, "n_fire_in_blast_windows": int(inside.sum()),
            "blast_window_recall": _ratio(len(m.it), int(inside.sum()))}


def score(truth: Truth, events: Columns, engagements: Columns | None = None) -> dict[str, Any]:
    """Every benchmark metric of a level-2 events table (fire: kind launch or impact)."""
    fire = truth.fire()
    is_fire = np.isin(events["kind"].astype(str), FIRE_KINDS)
    rep = events.take(is_fire)
    m = match_fire(fire, rep["time"], rep["lon"], rep["lat"])
    out: dict[str, Any] = detection(m)
    out.update(location_vs_crlb(truth, fire, m, rep["lon"], rep["lat"]))
    out.update(ellipse_coverage(truth, fire, m, rep))
    out.update(attribution(truth, fire, m, rep))
    out.update(initiator(truth.events, engagements))
    return out


def score_located(truth: Truth, time: Array, lon: Array, lat: Array) -> dict[str, Any]:
    """Detection and location scores of bare located events (no kinds: e.g. PyOcto's).

    Reported events left unmatched by fire but matching a true thunder clap or quarry blast are
    set aside (``n_on_nuisance``), not counted as false: such an associator cannot label them.
    """
    fire = truth.fire()
    m = match_fire(fire, time, lon, lat)
    rest = np.setdiff1d(np.arange(len(np.asarray(time))), m.ir)
    other = truth.events.take(~np.isin(truth.events["kind"].astype(str), FIRE_KINDS))
    on_nuisance = len(match_fire(other, np.asarray(time, float)[rest], np.asarray(lon, float)[rest],
                                 np.asarray(lat, float)[rest]).ir)
    m = Matched(m.ir, m.it, m.dist_m, m.n_reported - on_nuisance, m.n_truth)
    out: dict[str, Any] = detection(m)
    out.update(location_vs_crlb(truth, fire, m, lon, lat))
    out["n_events"], out["n_on_nuisance"] = len(np.asarray(time)), on_nuisance
    return out


def _ratio(num: int, den: int) -> float:
    return num / den if den else math.nan


def _mean(mask: Array) -> float:
    return float(np.mean(mask)) if len(mask) else math.nan


def jsonable(value: Any) -> Any:
    """``value`` with NaN as ``None`` and numpy scalars as Python numbers, for JSON."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


__all__ = ["CHI2_2_95", "CHI2_2_MEDIAN", "Matched", "Truth", "attribution", "calibration", "crlb_information",
           "detection", "east_north", "ellipse_coverage", "ellipse_information", "initiator", "is_entangled", "jsonable",
           "location_vs_crlb", "match_fire", "quadratic", "score", "score_located", "true_engagements"]
