"""Cross-field rules of an agreement (what pydantic's per-field checks cannot see): unique ids,
known parties, areas that do not overlap, sites inside their party's area, sectors along the line.
Run by :class:`truceline.model.agreement.Agreement`'s validator."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import shapely

from truceline.geodesy import line_length_m
from truceline.model.agreement import (AREA_TOLERANCE_DEG, OVERLAP_TOLERANCE, Agreement, DeclaredActivity, Party,
                                       StorageSite)


def check_agreement(a: Agreement) -> list[tuple[str, str]]:
    """Cross-field rules as ``(field path, reason)`` pairs; empty when the agreement is sound."""
    issues = _unique_ids("parties", a.parties)
    for field in ("sectors", "disengagement_areas", "storage_sites", "declared_activities"):
        issues += _unique_ids(field, getattr(a, field))
    known = a.party_ids
    for key in a.reference_lines:
        if key not in known:
            issues.append((f"reference_lines.{key}", f"reference line for unknown party {key!r}; parties are {', '.join(known)}"))
    issues += _overlaps(a.parties)
    union = shapely.union_all([p.area for p in a.parties]).buffer(AREA_TOLERANCE_DEG)
    shapely.prepare(union)
    for i, d in enumerate(a.disengagement_areas):
        if not union.covers(d.area):
            issues.append((f"disengagement_areas[{i}].area", f"disengagement area {d.id!r} lies (partly) outside the parties' areas of control"))
    for field in ("storage_sites", "declared_activities"):
        for i, site in enumerate(getattr(a, field)):
            issues += _site_issues(f"{field}[{i}]", site, a)
    issues += _sector_issues(a)
    return issues


def _unique_ids(field: str, items: Sequence[Any]) -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for i, item in enumerate(items):
        if item.id in seen:
            out.append((f"{field}[{i}].id", f"duplicate id {item.id!r}"))
        seen.add(item.id)
    return out


def _overlaps(parties: Sequence[Party]) -> list[tuple[str, str]]:
    out = []
    for j, pj in enumerate(parties):
        for pi in parties[:j]:
            shared = pi.area.intersection(pj.area).area
            if shared > OVERLAP_TOLERANCE * min(pi.area.area, pj.area.area):
                km2 = shared * 111.32**2 * np.cos(np.radians(pj.area.centroid.y))
                out.append((f"parties[{j}].area", f"overlaps the area of party {pi.id!r} (about {km2:,.0f} km²)"))
    return out


def _site_issues(path: str, site: StorageSite | DeclaredActivity, a: Agreement) -> list[tuple[str, str]]:
    if site.party not in a.party_ids:
        return [(f"{path}.party", f"unknown party {site.party!r}; parties are {', '.join(a.party_ids)}")]
    area = a.party(site.party).area
    if area.distance(shapely.Point(site.lon, site.lat)) > AREA_TOLERANCE_DEG:
        return [(path, f"site {site.id!r} (lon {site.lon:g}, lat {site.lat:g}) is outside the area of party {site.party!r}")]
    return []


def _sector_issues(a: Agreement) -> list[tuple[str, str]]:
    length_km = line_length_m(np.asarray(a.contact_line.coords)) / 1000.0
    out = []
    for i, s in enumerate(a.sectors):
        if s.to_km > length_km + 1.0:
            out.append((f"sectors[{i}].to_km", f"{s.to_km:g} km is beyond the end of the contact line ({length_km:.1f} km long)"))
    order = sorted(range(len(a.sectors)), key=lambda k: a.sectors[k].from_km)
    for prev, nxt in zip(order, order[1:]):
        if a.sectors[nxt].from_km < a.sectors[prev].to_km - 1e-9:
            p = a.sectors[prev]
            out.append((f"sectors[{nxt}].from_km", f"overlaps sector {p.id!r} (km {p.from_km:g}-{p.to_km:g})"))
    return out
