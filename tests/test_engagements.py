"""Engagements: grouping fire by place and time, and naming who opened fire — or saying it cannot."""

from __future__ import annotations

import numpy as np
import pytest

from truceline.model.tables import EVENTS, Columns
from truceline.pipeline import load_history
from truceline.rules.zones import Zones
from truceline.verify.engagements import engagements


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
    assert g["opening_event_id"][0] == "E000001" and g["opened_by_p"][0] == pytest.approx(0.99)
    assert list(g["n_events"]) == [3, 2, 2]
    assert list(label) == ["G00001"] * 3 + ["G00002"] * 2 + ["G00003"] * 2
