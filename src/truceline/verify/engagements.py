"""Engagements: fire grouped into exchanges, each naming the side that opened fire, with how sure.

Level 2, in two steps.

1. **Missions.** Rounds fired from one place within seconds of each other are one fire mission (a
   battery's salvo): two fire events join when their sources lie within ``join_m`` and their
   firing times within ``join_s``, and no attributed side contradicts the other. An event's
   source is its own position for a launch, its launch's for a paired impact; impacts also join
   when they land within ``join_m`` and ``join_s`` of each other (a salvo seen by its impacts
   only). Its firing time is its own time for a launch, its launch's for a paired impact, and
   ``impact_lead_s`` before it for an unpaired one.
2. **Exchanges.** Missions are taken in time order. A mission either *answers* an exchange still
   going on nearby, or *opens* a new one. It answers exchange E with likelihood

       L = p_continue / (reply_s[1] - reply_s[0]) * N(s - s_E; 0, sigma)

   if it was fired ``reply_s`` after E's last fire and by the other side (an unattributed mission
   may join either), where s is its chainage along the contact line, s_E the mean chainage of E's
   missions and sigma = place_sigma_m * sqrt(1 + 1/n) over E's n missions (target_sigma_m added in
   quadrature for a mission seen by its impacts only). It opens one with density lambda / 2: the
   day's rate of new exchanges per metre of line and second, for one side, estimated from the day
   itself (three passes of the grouping from one exchange per mission). The larger wins; the
   probability that an answering mission in fact opened an exchange of its own is
   ``(lambda/2) / (lambda/2 + L)``.

The side that *opened* an exchange is the side of its first mission (``opener_basis``
``first_mission``). Its ``opened_by_p`` is that
mission's attribution probability times, for every later mission of the *other* side, the
probability that it answered rather than opened (where it opened, the other side opened an
exchange the grouping took for a reply). The opener is ``undetermined`` when

- the first mission is not attributed and an attributed one follows more than ``tie_s`` later
  (someone fired first and the evidence does not say who: ``first_unattributed``), or
- the other side fired within ``tie_s`` of the first mission, nearby (the evidence cannot order
  them: ``tie``), or
- no mission is attributed (``none_attributed``), or ``opened_by_p`` is below ``min_opener_p``
  (``below_min_p``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from truceline.model.tables import ENGAGEMENTS, Columns
from truceline.rules.zones import Zones

UNDETERMINED = "undetermined"
#: Why an engagement names its opener or not: the codes of the ``opener_basis`` column.
OPENER_BASIS: dict[str, str] = {
    "first_mission": "the side of its first mission",
    "first_unattributed": "a mission no side could be given to fired first",
    "tie": "both sides fired within seconds of each other, nearby",
    "none_attributed": "no mission in it could be attributed",
    "below_min_p": "the opener's probability is under min_opener_p",
}
FIRE = ("launch", "impact")
SQRT_2PI = math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class EngagementParams:
    """Settings of mission and exchange grouping and of naming the opener."""

    join_m: float = 800.0          # rounds of one mission are fired from within this distance ...
    join_s: float = 25.0           # ... and this long of each other (a battery fires every 3-7 s)
    reply_s: tuple[float, float] = (30.0, 1_400.0)  # a reply is fired this long after the fire it answers
    place_sigma_m: float = 3_000.0  # an exchange's batteries spread this much along the line
    target_sigma_m: float = 2_500.0  # and a mission's impacts this much about its battery
    p_continue: float = 0.7        # the chance an exchange goes on after each mission
    tie_s: float = 20.0            # fire from both sides this close in time: cannot say who opened
    impact_lead_s: float = 20.0    # an unpaired impact was fired about this long before it landed
    min_opener_p: float = 0.0      # name the opener only when opened_by_p reaches this
    rate_floor: tuple[float, float] = (100_000.0, 21_600.0)  # line length (m) and time (s) at least, in lambda


@dataclass(frozen=True)
class Missions:
    """Fire missions: each fire event's mission, and per mission its side, time and place."""

    of_event: NDArray[np.int64]    # per fire event (in the order given), its mission
    side: NDArray[np.object_]
    p: NDArray[np.float64]         # attribution probability of its side (nan if unattributed)
    fired: NDArray[np.float64]     # first firing time
    last: NDArray[np.float64]      # last event time (its last impact, usually)
    chainage: NDArray[np.float64]  # of its battery, or of its impacts where no launch was located
    located: NDArray[np.bool_]     # whether its battery was located
    first_event: NDArray[np.int64]  # the fire event (index into the rows given) fired first


@dataclass
class _Exchange:
    missions: list[int] = field(default_factory=list)
    places: list[float] = field(default_factory=list)
    opener: str = UNDETERMINED     # the side of its first attributed mission
    last_side: str = UNDETERMINED
    last: float = -np.inf
    answered: list[float] = field(default_factory=list)  # P(opened instead) of the other side's answers
    tied: bool = False


def engagements(events: Columns, zones: Zones,
                params: EngagementParams = EngagementParams()) -> tuple[Columns, np.ndarray]:
    """The engagements of a set of level-2 events, and each event's engagement id ('' if none)."""
    kind = np.asarray(events["kind"], dtype=object)
    fire = np.flatnonzero(np.isin(kind, FIRE))
    label = np.full(len(events), "", dtype=object)
    if len(fire) == 0:
        return Columns.empty(ENGAGEMENTS), label
    fired_all = firing_times(events, params)
    m = missions(events, fire, fired_all, zones, params)
    exchanges = exchange_missions(m, params)
    starts = np.array([m.fired[x.missions[0]] for x in exchanges])
    order = np.argsort(starts, kind="stable")
    rows = []
    for rank, k in enumerate(order):
        ident = f"G{rank + 1:05d}"
        members = fire[np.isin(m.of_event, exchanges[k].missions)]
        label[members] = ident
        rows.append(_row(events, members, fired_all, ident, exchanges[k], m, fire, params))
    return Columns.from_rows(ENGAGEMENTS, rows), label


def firing_times(events: Columns, params: EngagementParams) -> np.ndarray:
    """When each event's round was fired: a launch's time, a paired impact's launch time, or an
    unpaired impact's time less ``impact_lead_s``."""
    t = np.asarray(events["time"], float)
    kind = np.asarray(events["kind"], dtype=object)
    partner = _partners(events)
    out = t.copy()
    impact = kind == "impact"
    out[impact] = np.where(partner[impact] >= 0, t[np.maximum(partner[impact], 0)], t[impact] - params.impact_lead_s)
    return out


def _partners(events: Columns) -> NDArray[np.int64]:
    row = {str(e): k for k, e in enumerate(events["event_id"])}
    return np.array([row.get(str(p), -1) for p in events["pair_id"]], dtype=np.int64)


def missions(events: Columns, fire: NDArray[np.int64], fired_all: NDArray[np.float64], zones: Zones,
             params: EngagementParams = EngagementParams()) -> Missions:
    """Group the fire events ``fire`` (row indices of ``events``) into missions."""
    kind = np.asarray(events["kind"], dtype=object)[fire]
    partner = _partners(events)[fire]
    lon, lat = np.asarray(events["lon"], float), np.asarray(events["lat"], float)
    launch = kind == "launch"
    known = launch | (partner >= 0)
    src = np.where(launch, fire, np.where(partner >= 0, partner, fire))     # the row whose position is the source
    line = zones.contact_line
    sx, sy = line.projection.to_xy(lon[src], lat[src])
    ix, iy = line.projection.to_xy(lon[fire], lat[fire])
    fired, t = fired_all[fire], np.asarray(events["time"], float)[fire]
    side = np.asarray(events["attributed_side"], dtype=object)[fire].astype(str)
    p = np.asarray(events["attribution_p"], float)[fire]
    scale = params.join_m / params.join_s
    links = [_close(np.flatnonzero(known), np.column_stack([sx, sy, fired * scale]), params.join_m),
             _close(np.flatnonzero(~launch), np.column_stack([ix, iy, t * scale]), params.join_m)]
    pairs = np.concatenate(links)
    a, b = side[pairs[:, 0]], side[pairs[:, 1]]
    pairs = pairs[(a == b) | (a == UNDETERMINED) | (b == UNDETERMINED)]
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(fire), len(fire)))
    _, of_event = connected_components(graph, directed=False)
    chain = line.chainage_m(lon[src], lat[src])
    n = int(of_event.max()) + 1
    located = np.bincount(of_event, known, n) > 0
    where = np.bincount(of_event, np.where(known, chain, 0.0), n) / np.maximum(np.bincount(of_event, known, n), 1)
    where[~located] = (np.bincount(of_event, chain, n) / np.bincount(of_event, minlength=n))[~located]
    by_mission = np.argsort(of_event, kind="stable")
    out_side, out_p, first = _mission_sides(of_event, by_mission, fired, side, p, n)
    return Missions(of_event=of_event.astype(np.int64), side=out_side, p=out_p,
                    fired=np.minimum.reduceat(fired[by_mission], _starts(of_event[by_mission])),
                    last=np.maximum.reduceat(t[by_mission], _starts(of_event[by_mission])),
                    chainage=where, located=located, first_event=first)


def _mission_sides(of_event: NDArray[np.int64], by_mission: NDArray[np.intp], fired: NDArray[np.float64],
                   side: np.ndarray, p: NDArray[np.float64], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per mission: the side most of its attributed events name, the largest p among them, and its
    first event (earliest firing time)."""
    out_side, out_p = np.full(n, UNDETERMINED, dtype=object), np.full(n, np.nan)
    first = np.zeros(n, dtype=np.int64)
    for k, rows in enumerate(np.split(by_mission, np.cumsum(np.bincount(of_event, minlength=n))[:-1])):
        rows = rows[np.argsort(fired[rows], kind="stable")]
        first[k] = rows[0]
        named = rows[side[rows] != UNDETERMINED]
        if len(named):
            values, counts = np.unique(side[named], return_counts=True)
            out_side[k] = str(values[np.argmax(counts)])
            out_p[k] = float(np.max(p[named][side[named] == out_side[k]]))
    return out_side, out_p, first


def _close(rows: NDArray[np.int64], xyz: NDArray[np.float64], radius: float) -> NDArray[np.int64]:
    if len(rows) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = cKDTree(xyz[rows]).query_pairs(radius, p=np.inf, output_type="ndarray")
    return rows[pairs].reshape(-1, 2)


def _starts(sorted_groups: NDArray[np.int64]) -> NDArray[np.intp]:
    return np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1].astype(np.intp)


def exchange_missions(m: Missions, params: EngagementParams = EngagementParams()) -> list[_Exchange]:
    """Missions grouped into exchanges of fire (see the module's docstring), in time order."""
    span = max(float(np.ptp(m.chainage)), params.rate_floor[0]) * max(float(np.ptp(m.fired)), params.rate_floor[1])
    rate = len(m.fired) / span
    for _ in range(3):
        exchanges = _group(m, rate, params)
        rate = len(exchanges) / span
    return exchanges


def _group(m: Missions, rate: float, params: EngagementParams) -> list[_Exchange]:
    order = np.argsort(m.fired, kind="stable")
    opens = rate / 2.0
    hi = params.reply_s[1]
    done: list[_Exchange] = []
    live: list[_Exchange] = []
    for k in order:
        t, side, s = float(m.fired[k]), str(m.side[k]), float(m.chainage[k])
        still = [x for x in live if t - x.last <= hi]
        done.extend(x for x in live if t - x.last > hi)
        live = still
        best, like, tie = _best_exchange(live, m, int(k), params)
        if tie is not None:
            best, tie.tied = tie, True
        elif best is None or like < opens:
            best = _Exchange()
            live.append(best)
        elif side != UNDETERMINED and best.opener not in (UNDETERMINED, side):
            best.answered.append(opens / (opens + like))
        best.missions.append(int(k))
        best.places.append(s)
        best.last = max(best.last, float(m.last[k]))
        if side != UNDETERMINED:
            best.last_side = side
            best.opener = best.opener if best.opener != UNDETERMINED else side
    return done + live


def _best_exchange(live: list[_Exchange], m: Missions, k: int,
                   params: EngagementParams) -> tuple[_Exchange | None, float, _Exchange | None]:
    """The live exchange mission ``k`` most likely answers, with its likelihood (reply density x
    place density), and the exchange it ties with (both sides opening within seconds), if any."""
    t, side, s = float(m.fired[k]), str(m.side[k]), float(m.chainage[k])
    lo, hi = params.reply_s
    density = params.p_continue / (hi - lo)
    reach = 8.0 * math.hypot(params.place_sigma_m, params.target_sigma_m)   # beyond: no chance of answering
    extra = 0.0 if m.located[k] else params.target_sigma_m ** 2
    best, like, tie = None, 0.0, None
    for x in live:
        ds = s - sum(x.places) / len(x.places)
        if abs(ds) > reach:
            continue
        sigma = math.sqrt(params.place_sigma_m ** 2 * (1.0 + 1.0 / len(x.places)) + extra)
        near = math.exp(-0.5 * (ds / sigma) ** 2) / (SQRT_2PI * sigma)
        if (side != UNDETERMINED and x.opener not in (UNDETERMINED, side) and len(x.missions) == 1
                and t - m.fired[x.missions[0]] <= params.tie_s and abs(s - x.places[0]) <= 3 * sigma):
            tie = x                                     # both sides opened within seconds, nearby
            continue
        if side != UNDETERMINED and x.last_side == side:
            continue                                    # a side does not answer itself
        if side != UNDETERMINED and t - x.last < lo:
            continue
        if density * near > like:
            best, like = x, density * near
    return best, like, tie


def _row(events: Columns, rows: np.ndarray, fired_all: np.ndarray, ident: str, x: _Exchange, m: Missions,
         fire: np.ndarray, params: EngagementParams) -> dict:
    rows = rows[np.argsort(fired_all[rows], kind="stable")]
    t = np.asarray(events["time"], float)[rows]
    kind = np.asarray(events["kind"], dtype=object)[rows]
    sector = np.asarray(events["sector"], dtype=object)[rows]
    sides = m.side[x.missions].astype(str)
    known = np.flatnonzero(sides != UNDETERMINED)
    opened_by, opened_p, first, basis = UNDETERMINED, np.nan, "", "none_attributed"
    if len(known):
        k = x.missions[int(known[0])]
        first = str(events["event_id"][fire[m.first_event[k]]])
        p = float(m.p[k]) * float(np.prod(1.0 - np.asarray(x.answered)))
        basis = ("first_unattributed" if m.fired[k] > m.fired[x.missions[0]] + params.tie_s else
                 "tie" if x.tied else "below_min_p" if p < params.min_opener_p else "first_mission")
        if basis == "first_mission":
            opened_by, opened_p = str(m.side[k]), p
    named = sector[sector != ""]
    values, counts = np.unique(named, return_counts=True) if len(named) else (np.array([""]), np.array([1]))
    return {"engagement_id": ident, "start": float(t.min()), "end": float(t.max()),
            "lon": float(np.mean(np.asarray(events["lon"], float)[rows])),
            "lat": float(np.mean(np.asarray(events["lat"], float)[rows])),
            "sector": str(values[np.argmax(counts)]), "n_events": len(rows),
            "n_launches": int(np.sum(kind == "launch")), "opened_by": opened_by, "opened_by_p": opened_p,
            "opener_basis": basis,
            "opening_event_id": first, "event_ids": " ".join(str(e) for e in np.asarray(events["event_id"])[rows])}
