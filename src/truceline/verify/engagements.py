"""Engagements: fire grouped by place and time, each naming the side that opened fire.

Level 2. Fire events (launches and impacts) are linked when their positions along the contact
line (chainage) lie within ``link_m`` of each other and their firing times within ``gap_s``
(single linkage: an exchange of fire stays one engagement while it keeps going; the depth of a
battery behind the line does not separate its launches from its impacts). An event's firing
time is its own time for a launch, its paired launch's for a paired impact, and ``impact_lead_s``
before it for an unpaired one.

The side that *opened* an engagement is the side of its earliest attributed fire event (by
firing time), with that event's attribution probability, or ``undetermined`` when

- a fire event that could not be attributed was fired more than ``tie_s`` earlier (someone fired
  first and the evidence does not say who), or
- an event attributed to the other side was fired within ``tie_s`` of it (the evidence cannot
  order them), or
- no event of the engagement is attributed.

The evidence of each engagement is the list of its events; the opening event is named.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from truceline.model.tables import ENGAGEMENTS, Columns
from truceline.rules.zones import Zones

UNDETERMINED = "undetermined"
FIRE = ("launch", "impact")


@dataclass(frozen=True)
class EngagementParams:
    """Settings of engagement grouping and of naming the opener."""

    link_m: float = 6_000.0    # fire events this close along the line can belong to one engagement ...
    gap_s: float = 1_300.0     # ... when fired no more than this apart (a reply may take 20 minutes)
    tie_s: float = 20.0        # fire from both sides this close in time: cannot say who opened
    impact_lead_s: float = 20.0  # an unpaired impact was fired about this long before it landed


def engagements(events: Columns, zones: Zones,
                params: EngagementParams = EngagementParams()) -> tuple[Columns, np.ndarray]:
    """The engagements of a set of level-2 events, and each event's engagement id ('' if none)."""
    kind = np.asarray(events["kind"], dtype=object)
    fire = np.flatnonzero(np.isin(kind, FIRE))
    label = np.full(len(events), "", dtype=object)
    if len(fire) == 0:
        return Columns.empty(ENGAGEMENTS), label
    fired = firing_times(events, params)[fire]
    chain = zones.contact_line.chainage_m(np.asarray(events["lon"], float)[fire], np.asarray(events["lat"], float)[fire])
    scale = params.link_m / params.gap_s
    pairs = cKDTree(np.column_stack([chain, fired * scale])).query_pairs(params.link_m, p=np.inf,
                                                                         output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])) if len(pairs) else ([], ([], [])),
                       shape=(len(fire), len(fire)))
    _, group = connected_components(graph, directed=False)
    starts = np.array([fired[group == g].min() for g in range(group.max() + 1)])
    order = np.argsort(starts, kind="stable")
    rank = np.empty(len(starts), dtype=np.int64)
    rank[order] = np.arange(len(starts))                                   # numbered in time order
    ids = np.array([f"G{r + 1:05d}" for r in rank], dtype=object)
    label[fire] = ids[group]
    all_fired = firing_times(events, params)
    rows = [_one(events, fire[group == g], all_fired, ids[g], params) for g in order]
    return Columns.from_rows(ENGAGEMENTS, rows), label


def firing_times(events: Columns, params: EngagementParams) -> np.ndarray:
    """When each event's round was fired: a launch's time, a paired impact's launch time, or an
    unpaired impact's time less ``impact_lead_s``."""
    t = np.asarray(events["time"], float)
    kind = np.asarray(events["kind"], dtype=object)
    row = {str(e): k for k, e in enumerate(events["event_id"])}
    partner = np.array([row.get(str(p), -1) for p in events["pair_id"]], dtype=np.int64)
    out = t.copy()
    impact = kind == "impact"
    out[impact] = np.where(partner[impact] >= 0, t[np.maximum(partner[impact], 0)], t[impact] - params.impact_lead_s)
    return out


def _one(events: Columns, rows: np.ndarray, fired_all: np.ndarray, ident: str, params: EngagementParams) -> dict:
    fired = fired_all[rows]
    rows, fired = rows[np.argsort(fired, kind="stable")], np.sort(fired, kind="stable")
    t = np.asarray(events["time"], float)[rows]
    kind = np.asarray(events["kind"], dtype=object)[rows]
    side = np.asarray(events["attributed_side"], dtype=object)[rows]
    p = np.asarray(events["attribution_p"], float)[rows]
    sector = np.asarray(events["sector"], dtype=object)[rows]
    known = np.flatnonzero(side != UNDETERMINED)
    opened_by, opened_p, first = UNDETERMINED, np.nan, ""
    if len(known):
        k = known[0]
        first = str(events["event_id"][rows[k]])
        unknown_before = np.any((side == UNDETERMINED) & (fired < fired[k] - params.tie_s))
        other_close = np.any((side != UNDETERMINED) & (side != side[k]) & (fired <= fired[k] + params.tie_s))
        if not unknown_before and not other_close:
            opened_by, opened_p = str(side[k]), float(p[k])
    named = sector[sector != ""]
    values, counts = np.unique(named, return_counts=True) if len(named) else (np.array([""]), np.array([1]))
    return {"engagement_id": ident, "start": float(t.min()), "end": float(t.max()),
            "lon": float(np.mean(np.asarray(events["lon"], float)[rows])),
            "lat": float(np.mean(np.asarray(events["lat"], float)[rows])),
            "sector": str(values[np.argmax(counts)]), "n_events": len(rows),
            "n_launches": int(np.sum(kind == "launch")), "opened_by": opened_by, "opened_by_p": opened_p,
            "opening_event_id": first, "event_ids": " ".join(str(e) for e in np.asarray(events["event_id"])[rows])}
