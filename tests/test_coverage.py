"""Coverage per side and sector (verify/coverage.py): where the sensors of one sector fall silent,
that sector's detection probability falls and the others' do not; the daily report shows each
side's probability per sector and judges each violation by its own sector's."""

from __future__ import annotations

import numpy as np

from truceline.report.content import build_content
from truceline.rules.zones import Zones
from truceline.verify.coverage import coverage


def _silenced(demo_day, sector: str) -> tuple[Zones, object, object]:
    p = demo_day["processed"]
    zones = Zones.from_agreement(p.history.versions[-1])
    sensors, picks = p.sensors.table, p.picks.table
    # sensors near one sector (its own and the probe points' hearing range) go silent all day
    quiet = set(sensors["sensor_id"][zones.sector_of(sensors["lon"], sensors["lat"]) == sector])
    return zones, sensors, picks.take(~np.isin(picks["sensor_id"], list(quiet)))


def test_a_silent_sector_is_seen_in_its_own_coverage_and_not_in_the_others(demo_day) -> None:
    p = demo_day["processed"]
    full = p.coverage
    zones, sensors, picks = _silenced(demo_day, "S04")
    cut = coverage(zones, sensors, picks, *p.period)
    for party in zones.party_ids:
        before, after = full.in_sector(party, "S04"), cut.in_sector(party, "S04")
        # launches carry far enough for the next sectors' sensors to hear some; impacts do not
        assert before.p_detect_launch > 0.9 and after.p_detect_launch < before.p_detect_launch - 0.3, (before, after)
        assert before.p_detect_impact > 0.9 and after.p_detect_impact < 0.5, (before, after)
        assert after.p_worst_hour <= after.p_detect_launch
        far = cut.in_sector(party, "S07")
        assert abs(far.p_detect_launch - full.in_sector(party, "S07").p_detect_launch) < 0.01
        side = next(s for s in cut.sides if s.party == party)
        values = [c.p_detect_launch for c in cut.sectors if c.party == party]
        assert min(values) < side.p_detect_launch < max(values)
    assert {c.sector for c in cut.sectors} == {s.id for s in p.history.versions[-1].sectors}


def test_the_report_shows_each_sides_detection_per_sector_and_per_violation(demo_day) -> None:
    p = demo_day["processed"]
    zones, sensors, picks = _silenced(demo_day, "S04")
    cut = coverage(zones, sensors, picks, *p.period)
    agreement = p.history.versions[-1]
    content = build_content(agreement=agreement, events=p.events, sensors=sensors, coverage=cut, ingest={}, run={},
                            period_start=p.period[0], period_end=p.period[1])
    header = content.by_sector.headers
    col = header.index("P(detect launch / impact) by side")
    row = next(r for r in content.by_sector.rows if r[0] == "S04")
    a = cut.in_sector(agreement.party_ids[0], "S04")
    assert f"Party A side {a.p_detect_launch:.2f} / {a.p_detect_impact:.2f}" in row[col]
    vh = content.violations.headers
    there, sector, kind, side = (vh.index(h) for h in ("Detection p there", "Sector", "Kind", "Attributed side"))
    launches = [r for r in content.violations.rows if r[sector] == "S04" and r[kind] == "launch"
                and r[side] == "Party A"]
    assert launches and all(r[there] == f"{a.p_detect_launch:.2f}" for r in launches)
