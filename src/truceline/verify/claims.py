"""Claims: a party's allegation answered element by element against what the mechanism observed.

Per element: ``corroborated`` when an event of that kind lies within the element's radius (plus
twice its location uncertainty) in its time window, naming the events; otherwise, where the
probability that such an event would have been detected there was >= ``contradict_p`` in every
hour of the window, ``contradicted`` (coverage and no event); otherwise ``not corroborated
(insufficient coverage)``. Fire, launches and impacts are judged on the acoustic network (and, for
fire, satellite thermal events); weapons on the drones' findings and footprints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truceline.geodesy import GEOD
from truceline.model.desk import ClaimElement, ElementAnswer
from truceline.model.tables import Columns
from truceline.verify.coverage import point_detection
from truceline.verify.observed import coverage_at

_KINDS = {"fire": ("launch", "impact", "explosion"), "launch": ("launch",), "impact": ("impact", "explosion")}


@dataclass(frozen=True)
class ClaimParams:
    contradict_p: float = 0.9     # coverage needed before "nothing seen" contradicts an allegation
    time_slack_s: float = 60.0    # events this far outside the window still count


@dataclass(frozen=True)
class Observed:
    """What a claim is matched against: one period's outputs."""

    events: Columns               # EVENTS
    sensors: Columns              # SENSORS (never leaves the mission: only probabilities do)
    picks: Columns                # PICKS (which sensors were up, hour by hour)
    thermal: Columns | None = None        # THERMAL_EVENTS
    weapons: Columns | None = None        # WEAPON_FINDINGS
    flights: Columns | None = None        # FLIGHT_COVERAGE


def answer(element: ClaimElement, seen: Observed, params: ClaimParams = ClaimParams()) -> ElementAnswer:
    """The mechanism's answer to one element of a claim."""
    if element.kind == "weapon":
        return _weapon(element, seen, params)
    ev = seen.events
    hits = _near(element, ev["lon"], ev["lat"], ev["time"], ev["time"], 2 * ev["sigma_major_m"], params)
    hits &= np.isin(ev["kind"].astype(str), _KINDS[element.kind])
    evidence = [str(e) for e in ev["event_id"][hits]]
    if element.kind == "fire" and seen.thermal is not None and len(seen.thermal):
        th = seen.thermal
        near = _near(element, th["lon"], th["lat"], th["time"], th["time"], 2 * th["sigma_m"], params)
        evidence += [str(e) for e in th["event_id"][near & ~th["masked"].astype(bool)]]
    kind = "launch" if element.kind == "launch" else "impact"
    p = point_detection(seen.sensors, seen.picks, element.lon, element.lat, element.start, element.end, kind)
    what = "a launch" if kind == "launch" else "an impact"
    return _verdict(evidence, p, params, f"{what} of tube artillery", "heard")


def _weapon(element: ClaimElement, seen: Observed, params: ClaimParams) -> ElementAnswer:
    w, flights = seen.weapons, seen.flights
    evidence: list[str] = []
    if w is not None and len(w):
        hits = _near(element, w["lon"], w["lat"], w["first_seen"], w["last_seen"], np.zeros(len(w)), params)
        evidence = [str(f) for f in w["finding_id"][hits]]
    p = 0.0
    if flights is not None and len(flights):
        during = (flights["end"] >= element.start) & (flights["start"] <= element.end)
        k = w["n_flights"] if w is not None and len(w) else np.zeros(0, np.int64)
        p = float(coverage_at(flights.take(during), [element.lon], [element.lat], k)[0]) if during.any() else 0.0
    return _verdict(evidence, p, params, "a heavy weapon standing there", "seen by the drones")


def _near(element: ClaimElement, lon: np.ndarray, lat: np.ndarray, t0: np.ndarray, t1: np.ndarray,
          extra_m: np.ndarray, params: ClaimParams) -> np.ndarray:
    if len(lon) == 0:
        return np.zeros(0, dtype=bool)
    when = (np.asarray(t1, float) >= element.start - params.time_slack_s) & \
           (np.asarray(t0, float) <= element.end + params.time_slack_s)
    _, _, d = GEOD.inv(np.full(len(lon), element.lon), np.full(len(lon), element.lat),
                       np.asarray(lon, float), np.asarray(lat, float))
    return when & (d <= element.radius_m + np.nan_to_num(np.asarray(extra_m, float)))


def _verdict(evidence: list[str], p: float, params: ClaimParams, what: str, how: str) -> ElementAnswer:
    p = round(p, 3)
    if evidence:
        return ElementAnswer("corroborated", f"{len(evidence)} observation(s) {how} match the place and time",
                             tuple(evidence), p)
    if p >= params.contradict_p:
        return ElementAnswer("contradicted", f"nothing {how} there and then, where {what} would have been "
                                             f"detected with probability >= {p:.2f} in every hour", (), p)
    return ElementAnswer("not corroborated (insufficient coverage)",
                         f"nothing {how}, but {what} would have been detected with probability only {p:.2f} "
                         f"(below {params.contradict_p:.2f}) in the worst hour", (), p)
