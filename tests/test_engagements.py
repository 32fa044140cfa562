"""Engagements: grouping fire by place and time, and naming who opened fire — or saying it cannot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from truceline.geodesy import GeodesicLine
from truceline.model.tables import EVENTS, Columns
from truceline.pipeline import load_history
from truceline.rules.zones import Zones
from truceline.verify.engagements import OPENER_BASIS, EngagementParams, engagements


@pytest.fixture(scope="module")
def zones() -> Zones:
    history = load_history(None)
    return Zones.from_agreement(history.versions[-1])


def events(zones: Zones, rows: list[tuple[float, int, str, str, float, str]]) -> Columns:
    """rows: (time, vertex of the contact line to put it at, kind, side, p, pair_id)."""
    line = np.asarray(zones.agreement.contact_line.coords)
    n = len(rows)
    t, vertex, kind, side, p, pair = zip(*rows)
    lon, lat = line[list(vertex), 0], line[list(vertex), 1]
    data = {c.name: np.full(n, "", dtype=object) if c.dtype == "str" else np.full(n, np.nan) for c in EVENTS.columns}
    data.update(event_id=np.array([f"E{k + 1:06d}" for k in range(n)], dtype=object), time=np.array(t, float),
                lon=lon, lat=lat, kind=np.array(kind, dtype=object), attributed_side=np.array(side, dtype=object),
                attribution_p=np.array(p, float), pair_id=np.array(pair, dtype=object),
                n_sensors=np.full(n, 10), is_violation=np.ones(n, bool))
    return Columns.conform(EVENTS, data)


def test_openers_and_honest_undetermined(zones: Zones) -> None:
    a, b = zones.party_ids[0], zones.party_ids[1]
    far = len(zones.agreement.contact_line.coords) // 2
    table = events(zones, [
        # one exchange: b fires first, a answers five minutes later
        (1000.0, 0, "launch", b, 0.99, ""), (1030.0, 0, "impact", b, 0.97, "E000001"),
        (1300.0, 0, "launch", a, 0.98, ""),
        # far along the line: an unattributed round lands first, then a fires: cannot say who opened
        (5000.0, far, "impact", "undetermined", np.nan, ""), (5200.0, far, "launch", a, 0.99, ""),
        # same place, much later: both sides fire within seconds
        (20000.0, far, "launch", a, 0.99, ""), (20005.0, far, "launch", b, 0.99, ""),
    ])
    g, label = engagements(table, zones)
    assert list(g["engagement_id"]) == ["G00001", "G00002", "G00003"]
    assert list(g["opened_by"]) == [b, "undetermined", "undetermined"]
    assert list(g["opener_basis"]) == ["first_mission", "first_unattributed", "tie"]
    assert g["opening_event_id"][0] == "E000001"
    sure, _ = engagements(table, zones, EngagementParams(min_opener_p=0.999))
    assert list(sure["opener_basis"]) == ["below_min_p", "first_unattributed", "tie"]
    assert list(sure["opened_by"]) == ["undetermined"] * 3
    formats = (Path(__file__).resolve().parents[1] / "docs" / "formats.md").read_text(encoding="utf-8")
    assert set(g["opener_basis"]) | set(sure["opener_basis"]) <= set(OPENER_BASIS)
    assert [code for code in OPENER_BASIS if f"`{code}`" not in formats] == []
    # the opening round's p (0.99), less the small chance that a's fire opened an exchange of its own
    assert 0.95 < g["opened_by_p"][0] < 0.99
    assert list(g["n_events"]) == [3, 2, 2]
    assert list(label) == ["G00001"] * 3 + ["G00002"] * 2 + ["G00003"] * 2


def test_missions_and_replies(zones: Zones) -> None:
    """A salvo is one mission; the other side's fire minutes later nearby answers it, its own does
    not; fire from the other side further away makes the opener less sure."""
    a, b = zones.party_ids[0], zones.party_ids[1]
    far = len(zones.agreement.contact_line.coords) // 2
    table = events(zones, [
        # a's salvo of three rounds, 5 s apart, at one place; b answers 6 minutes later, next to it
        (1000.0, 0, "launch", a, 0.99, ""), (1005.0, 0, "launch", a, 0.99, ""), (1010.0, 0, "launch", a, 0.99, ""),
        (1370.0, 0, "launch", b, 0.99, ""),
        # far away: a fires, and fires again 6 minutes later (a side does not answer itself)
        (5000.0, far, "launch", a, 0.99, ""), (5360.0, far, "launch", a, 0.99, ""),
    ])
    g, label = engagements(table, zones)
    assert list(g["n_events"]) == [4, 1, 1]
    assert list(g["opened_by"]) == [a, a, a]
    assert list(label[:4]) == ["G00001"] * 4

    # the same exchange with b's answer from further along the line: still an answer, less sure
    line = np.asarray(zones.agreement.contact_line.coords)
    step = (line[1] - line[0]) * 4_000.0 / GeodesicLine(line[:2]).chainage_m(line[1:2, 0], line[1:2, 1])[0]
    moved = events(zones, [(1000.0, 0, "launch", a, 0.99, ""), (1005.0, 0, "launch", a, 0.99, ""),
                           (1370.0, 0, "launch", b, 0.99, "")])
    lon, lat = moved["lon"].astype(float).copy(), moved["lat"].astype(float).copy()
    lon[2], lat[2] = line[0] + step                                        # b's answer ~4 km along the line
    moved = Columns.conform(EVENTS, {**dict(moved.data), "lon": lon, "lat": lat})
    h, _ = engagements(moved, zones)
    here, _ = engagements(events(zones, [(1000.0, 0, "launch", a, 0.99, ""), (1005.0, 0, "launch", a, 0.99, ""),
                                         (1370.0, 0, "launch", b, 0.99, "")]), zones)
    assert len(h) == 1 and h["opened_by"][0] == a
    assert h["opened_by_p"][0] < here["opened_by_p"][0] < 0.99


def test_a_threshold_on_the_openers_p_says_undetermined(zones: Zones) -> None:
    from truceline.verify.engagements import EngagementParams

    a, b = zones.party_ids[0], zones.party_ids[1]
    table = events(zones, [(1000.0, 0, "launch", a, 0.9, ""), (1400.0, 0, "launch", b, 0.99, "")])
    g, _ = engagements(table, zones)
    assert g["opened_by"][0] == a and g["opened_by_p"][0] < 0.9
    strict, _ = engagements(table, zones, EngagementParams(min_opener_p=0.9))
    assert strict["opened_by"][0] == "undetermined" and np.isnan(strict["opened_by_p"][0])
