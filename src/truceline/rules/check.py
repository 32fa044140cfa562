"""Judging events against the agreement in force at their time (vectorised per version).

Rules: ``ceasefire`` (any fire after the effective time), ``security_zone`` (fire into or from the
security zone), ``disengagement_area`` (fire in a disengagement area) and ``withdrawal:<class>``
(a launch by a weapon of a class inside that class's withdrawal distance from the firing party's
reference line). Declared activity excuses only an event that fits the declaration: inside the
site's radius, inside one of its windows, and with no paired launch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from truceline.model.agreement import AgreementHistory
from truceline.rules.zones import Zones

FIRE = ("launch", "impact")


@dataclass(frozen=True)
class Judgement:
    """Per event: violation flag, rules broken, excusing activity, agreement version, sector."""

    is_violation: np.ndarray
    rules: np.ndarray
    excused_by: np.ndarray
    agreement_version: np.ndarray
    sector: np.ndarray


def judge(history: AgreementHistory, lon: np.ndarray, lat: np.ndarray, t: np.ndarray, kind: np.ndarray,
          paired: np.ndarray, weapon_class: np.ndarray, side: np.ndarray) -> Judgement:
    """Judge every event by the agreement version in force at its time."""
    n = len(t)
    out = Judgement(np.zeros(n, bool), np.full(n, "", object), np.full(n, "", object),
                    np.full(n, "", object), np.full(n, "", object))
    versions = [history.at(float(v)) for v in t]
    labels = np.array([a.version for a in versions], dtype=object)
    for label in np.unique(labels) if n else []:
        sel = np.nonzero(labels == label)[0]
        agreement = versions[sel[0]]
        _judge_version(Zones.from_agreement(agreement), agreement, sel, lon, lat, t, kind, paired,
                       weapon_class, side, out)
        out.agreement_version[sel] = label
    return out


def _judge_version(zones, agreement, sel, lon, lat, t, kind, paired, wclass, side, out) -> None:
    x, y, tt, k = lon[sel], lat[sel], t[sel], kind[sel]
    fire = np.isin(k, FIRE)
    broken: list[tuple[str, np.ndarray]] = [
        ("ceasefire", fire & (tt >= agreement.effective_time.timestamp())),
        ("security_zone", fire & zones.in_security_zone(x, y)),
        ("disengagement_area", fire & (zones.disengagement_area_of(x, y) != "")),
    ]
    launch = (k == "launch") & (wclass[sel] != "") & np.isin(side[sel], zones.party_ids)
    for cls in np.unique(wclass[sel][launch]):
        m = launch & (wclass[sel] == cls)
        hit = np.zeros(len(sel), bool)
        hit[m] = zones.within_withdrawal(x[m], y[m], side[sel][m], cls)
        broken.append((f"withdrawal:{cls}", hit))
    activity = zones.declared_activity_of(x, y, tt)
    excused = (activity != "") & (k == "impact") & ~paired[sel]
    rules = np.array([";".join(name for name, m in broken if m[i]) for i in range(len(sel))], dtype=object)
    rules[excused] = ""
    out.rules[sel] = rules
    out.is_violation[sel] = rules != ""
    out.excused_by[sel] = np.where(excused, activity, "")
    out.sector[sel] = zones.sector_of(x, y)
