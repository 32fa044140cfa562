"""Incidents: the evidence of one happening across sources, with graded confidence and attribution.

Level 2. An acoustic *chain* is a fire event and its paired partner (a launch and its impact),
or a lone fire event. A thermal event (satellite hotspots, not masked as a persistent source)
*fits* a chain when it lies within ``link_m`` (or three combined sigmas, if larger) of the
chain's impact and was seen between the impact and ``burn_s`` after it: a fire the round started,
still burning at the overpass. Chains and thermal events that fit are one incident (connected
components); a thermal event that fits no chain is an incident of its own.

Confidence (the written criteria are docs/verification.md):

- ``corroborated``: two independent modalities (acoustic and thermal) both saw it, the acoustic
  one from signed data;
- ``probable``: one modality, strong: a signed acoustic chain with launch and impact paired and
  heard by 6 or more sensors (however many more, a single chain stops here);
- ``possible``: weak or single-sensor evidence: an unpaired or low-confidence acoustic event, or
  satellites alone (FIRMS-only findings stop here);
- ``unverified``: unsigned data alone.

``confirmed`` is an analyst's decision, never automatic. Attribution is graded apart:
``attributed`` (p ≥ 0.95), ``largely attributed`` (0.8 ≤ p < 0.95), ``undetermined``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from truceline.geodesy import LocalProjection
from truceline.model.tables import INCIDENTS, Columns
from truceline.verify.satellite import Passes, p_fire_seen

FIRE = ("launch", "impact")
UNDETERMINED = "undetermined"
RANK = {"unverified": 0, "possible": 1, "probable": 2, "corroborated": 3}


@dataclass(frozen=True)
class IncidentParams:
    """Settings of incident grouping and grading."""

    link_m: float = 1_500.0      # a thermal event this close to an impact can be its fire ...
    burn_s: float = 12 * 3600.0  # ... seen up to this long after the impact
    weapon_m: float = 500.0      # a weapon seen by drones this close to a launch is the one that fired
    sar_m: float = 100.0         # radar damage this close to an impact, inside its window, is its damage
    attributed_p: float = 0.95   # attribution at or above: 'attributed'; from 0.8: 'largely attributed'


def attribution_grade(p: np.ndarray, params: IncidentParams = IncidentParams()) -> np.ndarray:
    """attributed | largely attributed | undetermined, from attribution probabilities (NaN: none)."""
    p = np.asarray(p, dtype=float)
    return np.where(p >= params.attributed_p, "attributed",
                    np.where(p >= 0.8, "largely attributed", UNDETERMINED)).astype(object)


def chains(events: Columns) -> np.ndarray:
    """Per event, the index of its acoustic chain (a launch and its paired impact share one); -1
    for events that are not fire."""
    kind = events["kind"].astype(str)
    fire = np.isin(kind, FIRE)
    row = {str(e): k for k, e in enumerate(events["event_id"])}
    partner = np.array([row.get(str(p), -1) for p in events["pair_id"]], dtype=np.int64)
    n = len(events)
    link = np.flatnonzero(fire & (partner >= 0))
    graph = coo_matrix((np.ones(len(link)), (link, partner[link])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    out = np.where(fire, comp, -1)
    _, dense = np.unique(out[fire], return_inverse=True)
    out[fire] = dense
    return out.astype(np.int64)


def incidents(events: Columns, thermal: Columns, params: IncidentParams = IncidentParams(),
              day: Passes | None = None, weapons: Columns | None = None, damage: Columns | None = None) -> Columns:
    """The incidents (``INCIDENTS``) of a run's level-2 acoustic events and its thermal events;
    with the day's satellite ``day`` passes, each acoustic incident also carries the probability
    that a fire it started would have been seen from space (:mod:`truceline.verify.satellite`);
    with the drones' ``weapons`` (``WEAPON_FINDINGS``), a weapon standing within ``weapon_m`` of
    an incident's launch is its drone evidence (one battery may have fired many incidents); with
    radar ``damage`` (``DAMAGE_AREAS``), an area within ``sar_m`` of an incident's impact whose
    window holds the impact is its SAR evidence, and an area no incident claims is an incident of
    its own (``possible``: a SAR-only finding stops there)."""
    rows = _grouped(events, thermal, params)
    _attach(rows, params, day, weapons, damage)
    if damage is not None and len(damage):
        rows += _sar_only(damage, {d for r in rows for d in r["damage_ids"].split()})
    if not rows:
        return Columns.empty(INCIDENTS)
    rows.sort(key=lambda r: (r["start"], r["event_ids"], r["thermal_ids"], r["damage_ids"]))
    for k, r in enumerate(rows):
        r["incident_id"] = f"I{k + 1:05d}"
    return Columns.from_rows(INCIDENTS, rows)


def _grouped(events: Columns, thermal: Columns, params: IncidentParams) -> list[dict]:
    """The incidents of acoustic chains and thermal events (connected by the fits), unnumbered."""
    chain = chains(events)
    n_chain = int(chain.max()) + 1 if (chain >= 0).any() else 0
    thermal = thermal.take(~np.asarray(thermal["masked"], dtype=bool)) if len(thermal) else thermal
    n_th = len(thermal)
    if n_chain + n_th == 0:
        return []
    anchor = _anchors(events, chain, n_chain)              # per chain: its impact (else launch) row
    pts = np.r_[np.column_stack([events["lon"][anchor], events["lat"][anchor]]) if n_chain else np.zeros((0, 2)),
                np.column_stack([thermal["lon"], thermal["lat"]]) if n_th else np.zeros((0, 2))]
    proj = LocalProjection.around(pts)
    x, y = proj.to_xy(pts[:, 0], pts[:, 1])
    ri, ti = _fits(events, thermal, anchor, x, y, n_chain, params)
    graph = coo_matrix((np.ones(len(ri)), (ri, n_chain + ti)), shape=(n_chain + n_th, n_chain + n_th))
    _, group = connected_components(graph, directed=False)
    return [_one(events, thermal, chain, anchor, np.flatnonzero(group == g), n_chain, params)
            for g in np.unique(group)]


def _attach(rows: list[dict], params: IncidentParams, day: Passes | None, weapons: Columns | None,
            damage: Columns | None) -> None:
    """Give each incident its satellite coverage, the weapons at its launch and the radar damage at
    its impact; a signed acoustic chain with either is corroborated."""
    fire_t = np.array([r.pop("fire_time") for r in rows])
    seen = p_fire_seen(np.nan_to_num(fire_t), day) if day is not None and rows else np.full(len(rows), np.nan)
    impact_at = [r.pop("impact_at") for r in rows]
    launch_xy = [r.pop("launch_lonlat") for r in rows]
    hit = _damage_at(impact_at, damage, params) if damage is not None and len(damage) else [""] * len(rows)
    at_launch = _weapons_at(launch_xy, weapons, params) if weapons is not None and len(weapons) else [""] * len(rows)
    for k, r in enumerate(rows):
        r["thermal_coverage_p"] = float(seen[k]) if np.isfinite(fire_t[k]) else np.nan
        r["weapon_ids"], r["damage_ids"] = at_launch[k], hit[k]
        extra = [m for m, ids in (("drone", at_launch[k]), ("sar", hit[k])) if ids]
        r["modalities"] = " ".join([r["modalities"], *extra]).strip()
        if r.pop("signed") and extra:
            r["confidence"] = "corroborated"


def _anchors(events: Columns, chain: np.ndarray, n_chain: int) -> np.ndarray:
    kind = events["kind"].astype(str)
    anchor = np.full(n_chain, -1, dtype=np.int64)
    for k in np.argsort(kind != "impact", kind="stable"):   # impacts first: a chain's fire starts there
        c = chain[k]
        if c >= 0 and anchor[c] < 0:
            anchor[c] = k
    return anchor


def _fits(events, thermal, anchor, x, y, n_chain, params):
    if n_chain == 0 or len(thermal) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    reach = params.link_m * 4
    near = cKDTree(np.column_stack([x[n_chain:], y[n_chain:]])).query_ball_point(
        np.column_stack([x[:n_chain], y[:n_chain]]), r=reach)
    t_a = np.asarray(events["time"], float)[anchor]
    sig_a = np.asarray(events["sigma_major_m"], float)[anchor]
    t_h, sig_h = np.asarray(thermal["time"], float), np.asarray(thermal["sigma_m"], float)
    ri, ti = [], []
    for c, hits in enumerate(near):
        for h in hits:
            d = float(np.hypot(x[c] - x[n_chain + h], y[c] - y[n_chain + h]))
            gate = max(params.link_m, 3.0 * float(np.hypot(sig_a[c], sig_h[h])))
            if d <= gate and 0.0 <= t_h[h] - t_a[c] <= params.burn_s:
                ri.append(c)
                ti.append(h)
    return np.asarray(ri, dtype=np.int64), np.asarray(ti, dtype=np.int64)


def _one(events, thermal, chain, anchor, members, n_chain, params) -> dict:
    cs, hs = members[members < n_chain], members[members >= n_chain] - n_chain
    ev = np.flatnonzero(np.isin(chain, cs)) if len(cs) else np.zeros(0, dtype=np.int64)
    times = np.r_[np.asarray(events["time"], float)[ev], np.asarray(thermal["time"], float)[hs]]
    signed = ev[events["evidence"].astype(str)[ev] == "signed"] if len(ev) else ev
    acoustic = max((str(c) for c in events["confidence"][signed]), key=lambda c: RANK.get(c, 0), default="")
    modalities = (["acoustic"] if len(ev) else []) + (["thermal"] if len(hs) else [])
    if len(signed) and len(hs):
        confidence = "corroborated"
    elif len(hs):
        confidence = "possible"
    else:
        confidence = acoustic or "unverified"
    p = np.asarray(events["attribution_p"], float)[ev]
    side = events["attributed_side"].astype(str)[ev]
    known = np.flatnonzero(np.isfinite(p) & (side != UNDETERMINED))
    if len(known) and len(set(side[known])) == 1:
        best = known[np.argmax(p[known])]
        who, prob = str(side[best]), float(p[best])
    else:                                       # nothing attributed, or its events disagree
        who, prob = UNDETERMINED, np.nan
    where = (float(events["lon"][anchor[cs[0]]]), float(events["lat"][anchor[cs[0]]])) if len(cs) else \
        (float(thermal["lon"][hs[0]]), float(thermal["lat"][hs[0]]))
    fire_time = float(events["time"][anchor[cs[0]]]) if len(cs) else np.nan
    launches = ev[events["kind"].astype(str)[ev] == "launch"] if len(ev) else ev
    impacts = ev[events["kind"].astype(str)[ev] == "impact"] if len(ev) else ev
    impact_at = (float(events["lon"][impacts[0]]), float(events["lat"][impacts[0]]), float(events["time"][impacts[0]])) \
        if len(impacts) else None
    launch = (float(events["lon"][launches[0]]), float(events["lat"][launches[0]])) if len(launches) else None
    return {"start": float(times.min()), "end": float(times.max()), "lon": where[0], "lat": where[1],
            "fire_time": fire_time, "launch_lonlat": launch, "impact_at": impact_at, "signed": bool(len(signed)),
            "modalities": " ".join(modalities), "confidence": confidence, "attributed_side": who,
            "attribution": str(attribution_grade(np.array([prob]), params)[0]) if who != UNDETERMINED else UNDETERMINED,
            "attribution_p": prob, "is_violation": bool(np.any(np.asarray(events["is_violation"], bool)[ev])),
            "event_ids": " ".join(str(e) for e in events["event_id"][ev]),
            "thermal_ids": " ".join(str(e) for e in thermal["event_id"][hs])}


def _weapons_at(launch: list, weapons: Columns, params: IncidentParams) -> list[str]:
    """Per incident, the finding ids of the weapons standing at its launch ('' where none)."""
    pts = np.array([p for p in launch if p is not None] or [[0.0, 0.0]])
    w = np.column_stack([np.asarray(weapons["lon"], float), np.asarray(weapons["lat"], float)])
    proj = LocalProjection.around(np.r_[pts, w])
    tree = cKDTree(np.column_stack(proj.to_xy(w[:, 0], w[:, 1])))
    ids = weapons["finding_id"].astype(str)
    out = []
    for p in launch:
        if p is None:
            out.append("")
            continue
        x, y = proj.to_xy(np.array([p[0]]), np.array([p[1]]))
        out.append(" ".join(sorted(ids[tree.query_ball_point([x[0], y[0]], params.weapon_m)])))
    return out


def _damage_at(impact: list, damage: Columns, params: IncidentParams) -> list[str]:
    """Per incident, the damage_ids of radar damage at its impact inside the damage's window."""
    import shapely

    proj = LocalProjection.around(np.column_stack([damage["lon"], damage["lat"]]))
    areas = []
    for g in damage["area"]:
        ring = shapely.get_coordinates(g)
        x, y = proj.to_xy(ring[:, 0], ring[:, 1])
        areas.append(shapely.Polygon(np.column_stack([x, y])))
    tree = shapely.STRtree(areas)
    ids, t0, t1 = damage["damage_id"].astype(str), np.asarray(damage["window_start"], float), \
        np.asarray(damage["window_end"], float)
    out = []
    for at in impact:
        if at is None:
            out.append("")
            continue
        x, y = proj.to_xy(np.array([at[0]]), np.array([at[1]]))
        near = tree.query(shapely.Point(x[0], y[0]), predicate="dwithin", distance=params.sar_m)
        out.append(" ".join(sorted(ids[k] for k in near if t0[k] < at[2] <= t1[k])))
    return out


def _sar_only(damage: Columns, claimed: set[str]) -> list[dict]:
    """Incidents of radar damage no acoustic incident claims: possible, undetermined."""
    rows = []
    for r in damage.rows():
        if str(r["damage_id"]) in claimed:
            continue
        rows.append({"start": float(r["window_start"]), "end": float(r["window_end"]), "lon": float(r["lon"]),
                     "lat": float(r["lat"]), "modalities": "sar", "confidence": "possible",
                     "attributed_side": UNDETERMINED, "attribution": UNDETERMINED, "attribution_p": np.nan,
                     "is_violation": False, "event_ids": "", "thermal_ids": "", "weapon_ids": "",
                     "damage_ids": str(r["damage_id"]), "thermal_coverage_p": np.nan})
    return rows
