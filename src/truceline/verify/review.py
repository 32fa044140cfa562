"""Review: the queue analysts work through, the case lifecycle, and what re-processing may change.

The queue holds engagements (each with the incidents of its fire), incidents outside any
engagement that matter (a violation, or more than one source), weapons in violation and storage
sites with pieces missing — never single events, so a breakdown day stays a few hundred items.

A case moves automatic -> preliminary -> confirmed / rejected -> published; publishing needs a
second person (not the one who confirmed). A human decision is never silently overridden: when
re-processing changes the automatic result of a decided case, the case keeps its decision and
state and carries a conflict (both results) until an analyst keeps the decision or accepts the
update (:func:`reconcile`, :func:`decide`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from truceline.geodesy import GEOD
from truceline.model.desk import Action, Case, Principal, ReviewItem
from truceline.model.tables import Columns

_CONFIDENCE_ORDER = ("unverified", "possible", "probable", "corroborated")
MATCH_SLACK_S = 120.0
"""Re-processed items are the same item as a case's when their times overlap within this slack…"""
MATCH_KM = 10.0
"""…and they lie within this distance (storage sites match by site id)."""


class DecisionRefused(ValueError):
    """A decision the lifecycle does not allow (wrong state, four eyes, an open conflict)."""


def fingerprint(automatic: Mapping[str, Any]) -> str:
    """A short hash of an automatic result (canonical JSON), to notice when it changes."""
    text = json.dumps(automatic, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _item(**fields: Any) -> ReviewItem:
    return ReviewItem(**fields, fingerprint=fingerprint(fields["automatic"]))


def _best(levels: Iterable[str]) -> str:
    ranks = [_CONFIDENCE_ORDER.index(c) for c in levels if c in _CONFIDENCE_ORDER]
    return _CONFIDENCE_ORDER[max(ranks)] if ranks else "unverified"


def _sides(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({str(v) for v in values} - {"", "undetermined"}))


def review_items(engagements: Columns, incidents: Columns, weapons: Columns | None = None,
                 storage: Columns | None = None) -> list[ReviewItem]:
    """The review queue of one run's results, in time order within each kind."""
    events_of = [set(str(e).split()) for e in incidents["event_ids"]] if len(incidents) else []
    in_engagement = np.zeros(len(incidents), dtype=bool)
    items = []
    for g in range(len(engagements)):
        members = set(str(engagements["event_ids"][g]).split())
        mine = np.array([bool(ev & members) for ev in events_of], dtype=bool)
        in_engagement |= mine
        items.append(_engagement(engagements, g, incidents, mine))
    keep = ~in_engagement & (incidents["is_violation"].astype(bool)
                             | np.array([len(str(m).split()) > 1 for m in incidents["modalities"]], dtype=bool))
    items += [_incident(incidents, k) for k in np.flatnonzero(keep)]
    if weapons is not None:
        items += [_weapon(weapons, k) for k in np.flatnonzero(weapons["is_violation"].astype(bool))]
    if storage is not None:
        items += [_storage(storage, k) for k in range(len(storage)) if storage["status"][k] == "missing"]
    return items


def _engagement(g: Columns, k: int, incidents: Columns, mine: np.ndarray) -> ReviewItem:
    opened, p = str(g["opened_by"][k]), float(g["opened_by_p"][k])
    ids = [str(i) for i in incidents["incident_id"][mine]] if len(incidents) else []
    violations = int(incidents["is_violation"][mine].sum()) if len(incidents) else 0
    confidence = _best(incidents["confidence"][mine]) if len(incidents) else "unverified"
    auto = {"opened_by": opened, "opened_by_p": None if p != p else round(p, 2), "n_events": int(g["n_events"][k]),
            "n_launches": int(g["n_launches"][k]), "n_violations": violations, "confidence": confidence,
            "incident_ids": ids}
    who = "undetermined who opened fire" if opened == "undetermined" else f"opened by {opened} (p {p:.2f})"
    return _item(kind="engagement", ref=str(g["engagement_id"][k]), start=float(g["start"][k]),
                 end=float(g["end"][k]), lon=float(g["lon"][k]), lat=float(g["lat"][k]), sector=str(g["sector"][k]),
                 parties=_sides([opened, *incidents["attributed_side"][mine]] if len(incidents) else [opened]),
                 summary=f"engagement of {int(g['n_events'][k])} fire events, {violations} violations, {who}",
                 automatic=auto)


def _incident(t: Columns, k: int) -> ReviewItem:
    p = float(t["attribution_p"][k])
    auto = {"modalities": str(t["modalities"][k]), "confidence": str(t["confidence"][k]),
            "attributed_side": str(t["attributed_side"][k]), "attribution": str(t["attribution"][k]),
            "attribution_p": None if p != p else round(p, 2), "is_violation": bool(t["is_violation"][k])}
    return _item(kind="incident", ref=str(t["incident_id"][k]), start=float(t["start"][k]), end=float(t["end"][k]),
                 lon=float(t["lon"][k]), lat=float(t["lat"][k]), sector="",
                 parties=_sides([t["attributed_side"][k]]),
                 summary=f"{auto['confidence']} incident ({auto['modalities']}), {auto['attribution']}", automatic=auto)


def _weapon(w: Columns, k: int) -> ReviewItem:
    auto = {"weapon_class": str(w["weapon_class"][k]), "party": str(w["party"][k]),
            "distance_km": round(float(w["distance_km"][k]), 1), "withdrawal_km": float(w["withdrawal_km"][k]),
            "p_violation": round(float(w["p_violation"][k]), 2), "confidence": str(w["confidence"][k]),
            "n_sightings": int(w["n_sightings"][k])}
    return _item(kind="weapon", ref=str(w["finding_id"][k]), start=float(w["first_seen"][k]),
                 end=float(w["last_seen"][k]), lon=float(w["lon"][k]), lat=float(w["lat"][k]), sector="",
                 parties=_sides([w["party"][k]]),
                 summary=f"{auto['weapon_class']} of {auto['party']} {auto['distance_km']} km from its line "
                         f"(withdrawal {auto['withdrawal_km']:.0f} km)", automatic=auto)


def _storage(s: Columns, k: int) -> ReviewItem:
    auto = {"party": str(s["party"][k]), "declared": int(s["declared"][k]), "missing_est": int(s["missing_est"][k]),
            "p_missing": round(float(s["p_missing"][k]), 2), "missing_by_class": str(s["missing_by_class"][k])}
    return _item(kind="storage", ref=str(s["site_id"][k]), start=np.nan, end=np.nan, lon=float(s["lon"][k]),
                 lat=float(s["lat"][k]), sector="", parties=_sides([s["party"][k]]),
                 summary=f"{s['name'][k]}: about {auto['missing_est']} of {auto['declared']} pieces missing",
                 automatic=auto)


def is_same_item(a: ReviewItem, b: ReviewItem) -> bool:
    """Whether a re-processed item is the same real thing as an earlier one (see MATCH_SLACK_S, MATCH_KM)."""
    if a.kind != b.kind:
        return False
    if a.kind == "storage":
        return a.ref == b.ref
    overlap = min(a.end, b.end) - max(a.start, b.start) >= -MATCH_SLACK_S
    _, _, d = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    return bool(overlap and d <= MATCH_KM * 1000.0)


def reconcile(cases: Sequence[Case], items: Sequence[ReviewItem], new_id: Any) -> list[Case]:
    """The cases after re-processing produced ``items``: matched undecided cases take the new result;
    decided ones (preliminary onward) whose result changed get a conflict and keep their decision;
    decided cases with no match get a conflict saying so; undecided ones with no match are dropped;
    new items open automatic cases (``new_id()`` names them)."""
    out, used = [], set()
    for case in cases:
        match = next((k for k, it in enumerate(items) if k not in used and is_same_item(case.item, it)), None)
        if match is not None:
            used.add(match)
            out.append(_updated(case, items[match]))
        elif case.state != "automatic":
            out.append(replace(case, conflict="re-processing no longer finds this item", pending=None))
    out += [Case(new_id(), it) for k, it in enumerate(items) if k not in used]
    return out


def _updated(case: Case, item: ReviewItem) -> Case:
    if case.state == "automatic":
        return replace(case, item=item)
    if item.fingerprint == case.decided_fingerprint:
        return replace(case, item=item, conflict="", pending=None)
    return replace(case, conflict="re-processing changed the automatic result after a human decision", pending=item)


def decide(case: Case, action: Action, actor: Principal) -> Case:
    """The case after one human decision, or :class:`DecisionRefused` saying why not."""
    if action in ("keep", "accept_update"):
        return _settle(case, action)
    if case.in_conflict:
        raise DecisionRefused(f"case {case.case_id} is in conflict after re-processing: keep the decision or "
                              "accept the update first")
    if action == "preliminary":
        if case.state != "automatic":
            raise DecisionRefused(f"case {case.case_id} is {case.state}; only an automatic case becomes preliminary")
        return replace(case, state="preliminary", decided_fingerprint=case.item.fingerprint)
    if action in ("confirm", "reject"):
        if case.state == "published":
            raise DecisionRefused(f"case {case.case_id} is published and immutable; a correction is a new finding")
        return replace(case, state="confirmed" if action == "confirm" else "rejected", decided_by=actor.name,
                       decided_fingerprint=case.item.fingerprint)
    if action == "publish":
        if case.state != "confirmed":
            raise DecisionRefused(f"case {case.case_id} is {case.state}; only a confirmed case is published")
        if actor.name == case.decided_by:
            raise DecisionRefused(f"four eyes: {actor.name} confirmed case {case.case_id}, so a second person "
                                  "must publish it")
        return replace(case, state="published")
    raise DecisionRefused(f"unknown action {action!r}")


def _settle(case: Case, action: Action) -> Case:
    if not case.in_conflict:
        raise DecisionRefused(f"case {case.case_id} has no conflict to settle")
    now = case.pending
    if action == "keep":   # the decision stands, now on the re-processed result
        return replace(case, item=now or case.item, conflict="", pending=None,
                       decided_fingerprint=now.fingerprint if now else case.decided_fingerprint)
    if now is None:        # accept that the item is gone: rejected (a published finding stays published)
        return replace(case, conflict="", state="rejected" if case.state != "published" else case.state)
    return replace(case, item=now, conflict="", pending=None, state="preliminary", decided_by="",
                   decided_fingerprint=now.fingerprint)
