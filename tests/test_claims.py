"""Claims answered against the simulator's truth: corroborated where a violation happened,
'insufficient coverage' where nothing could have been heard, 'contradicted' only where coverage
was >= 0.9 and truly nothing happened."""

from __future__ import annotations

import numpy as np
import pytest

from truceline.geodesy import GEOD
from truceline.model.desk import ClaimElement
from truceline.sources import read
from truceline.verify.claims import Observed, answer
from truceline.verify.coverage import point_detection


@pytest.fixture(scope="module")
def seen(demo_day) -> Observed:
    p, out = demo_day["processed"], demo_day["outputs"]
    flights = read(demo_day["paths"]["drone_coverage"], format="drone-coverage").table
    return Observed(p.events, p.sensors.table, p.picks.table, out.thermal.events, out.drones.findings, flights)


def _truly(truth, e: ClaimElement, kinds: tuple[str, ...]) -> bool:
    _, _, d = GEOD.inv(np.full(len(truth), e.lon), np.full(len(truth), e.lat), truth["lon"], truth["lat"])
    return bool(np.any((d <= e.radius_m) & (truth["time"] >= e.start) & (truth["time"] < e.end)
                       & np.isin(truth["kind"].astype(str), kinds)))


def test_claims_of_true_violations_are_corroborated(demo_day, seen) -> None:
    t = demo_day["truth"]
    hits = np.flatnonzero((t["kind"] == "impact") & t["is_violation"].astype(bool))[:20]
    verdicts = [answer(ClaimElement("fire", float(t["lon"][k]), float(t["lat"][k]), float(t["time"][k]) - 600,
                                    float(t["time"][k]) + 600), seen) for k in hits]
    share = np.mean([v.verdict == "corroborated" for v in verdicts])
    assert share >= 0.9, f"{share:.2f} of 20 true shelled places corroborated"
    first = verdicts[0]
    assert first.verdict == "corroborated" and first.evidence and first.coverage_p >= 0.9
    ids = set(demo_day["processed"].events["event_id"])
    assert set(first.evidence) <= ids | set(demo_day["outputs"].thermal.events["event_id"])


def test_a_claim_where_nothing_could_be_heard_is_not_corroborated_for_coverage(demo_day, seen) -> None:
    s = seen.sensors
    lon, lat = float(np.min(s["lon"])) - 1.2, float(np.max(s["lat"])) + 0.8   # ~90 km beyond every sensor
    t0 = float(demo_day["processed"].period[0]) + 3 * 3600
    e = ClaimElement("impact", lon, lat, t0, t0 + 3600)
    got = answer(e, seen)
    assert got.verdict == "not corroborated (insufficient coverage)" and got.coverage_p < 0.9
    assert "0.9" in got.reason


def test_contradicted_only_with_coverage_and_truly_nothing_there(demo_day, seen) -> None:
    t, s = demo_day["truth"], seen.sensors
    rng = np.random.default_rng(11)
    day0 = float(demo_day["processed"].period[0])
    contradicted = wrong = 0
    for _ in range(120):
        k = int(rng.integers(len(s)))
        e = ClaimElement("impact", float(s["lon"][k]) + rng.normal(0, 0.05), float(s["lat"][k]) + rng.normal(0, 0.05),
                         day0 + int(rng.integers(24)) * 3600.0, 0.0)
        e = ClaimElement(e.kind, e.lon, e.lat, e.start, e.start + 3600.0)
        got = answer(e, seen)
        if got.verdict == "contradicted":
            contradicted += 1
            wrong += _truly(t, e, ("impact",))
            assert got.coverage_p >= 0.9 and not got.evidence
            assert point_detection(s, seen.picks, e.lon, e.lat, e.start, e.end) >= 0.9
    assert contradicted >= 60, "inside the network most quiet hours are covered"
    assert wrong == 0, f"{wrong} claims contradicted where an impact truly happened"


def test_weapon_claims_use_the_drones(demo_day, seen) -> None:
    w = seen.weapons
    k = int(np.flatnonzero(w["is_violation"].astype(bool))[0])
    e = ClaimElement("weapon", float(w["lon"][k]), float(w["lat"][k]), float(w["first_seen"][k]) - 3600,
                     float(w["last_seen"][k]) + 3600, 500.0)
    got = answer(e, seen)
    assert got.verdict == "corroborated" and str(w["finding_id"][k]) in got.evidence
    far = answer(ClaimElement("weapon", e.lon + 2.0, e.lat + 1.0, e.start, e.end), seen)
    assert far.verdict == "not corroborated (insufficient coverage)" and far.coverage_p < 0.9
