"""Simulated FIRMS hotspots: where their fires are, what masks them, and the CLI over them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import truceline
from truceline.cli import cli
from truceline.evaluate_sources import evaluate_thermal, read_truth_hotspots
from truceline.geodesy import GEOD
from truceline.simulate.presets import write_preset


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> dict[str, Path]:
    return write_preset("small", tmp_path_factory.mktemp("small"))[-1]


def test_files_read_whole_in_their_layouts(day) -> None:
    for name, instrument in (("firms_viirs", "VIIRS"), ("firms_modis", "MODIS"), ("firms_history", "VIIRS")):
        r = truceline.read(day[name])
        assert r.format == "firms" and r.balanced() and r.quarantined == 0 and r.accepted > 0
        assert set(r.table["instrument"]) == {instrument}
    header = day["firms_modis"].read_text().splitlines()[0].split(",")
    assert header.index("instrument") == header.index("satellite") + 1          # the area-API order


def test_impact_fires_lie_at_their_impacts(day) -> None:
    truth = read_truth_hotspots(day["truth"])
    events = truceline.evaluate.read_truth(day["truth"])
    where = {str(t): (lo, la) for t, lo, la in zip(events["truth_id"], events["lon"], events["lat"])}
    hot = truceline.read(day["firms_viirs"]).table
    row = {h: k for k, h in enumerate(hot["hotspot_id"].astype(str))}
    n = 0
    for h, src, sid in zip(truth["hotspot_id"], truth["source"], truth["source_id"]):
        if src != "impact" or h not in row:
            continue
        lo, la = where[str(sid)]
        _, _, d = GEOD.inv(lo, la, hot["lon"][row[h]], hot["lat"][row[h]])
        assert d < 1_500.0                      # geolocation error and the fire's pixels around it
        n += 1
    assert n > 5


def test_the_cli_masks_industry_and_keeps_conflict_fire(day, tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["thermal", str(day["firms_viirs"]), str(day["firms_modis"]),
                                   "--history", str(day["firms_history"]), "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "quarantined 0" in out.output and (tmp_path / "thermal_events.csv").is_file()
    from truceline.app import run_thermal
    result = run_thermal([day["firms_viirs"], day["firms_modis"]], [day["firms_history"]], tmp_path)
    scores = evaluate_thermal(result.events, read_truth_hotspots(day["truth"]))
    assert scores["impact_events"] > 5 and scores["industry_events"] > 0
    assert scores["impact_kept"] == 1.0 and scores["masked_true_conflict"] == 0
    assert scores["industry_masked"] >= 0.9
    without = run_thermal([day["firms_viirs"]], [], tmp_path / "none")
    assert not np.any(without.events["masked"])             # nothing learnt, nothing masked


def test_a_file_that_is_not_firms_is_refused_by_name(day, tmp_path: Path) -> None:
    out = CliRunner().invoke(cli, ["thermal", str(day["picks"]), "--out", str(tmp_path)])
    assert out.exit_code == 1 and "picks.csv" in out.output


def test_confidence_levels_are_calibrated_against_truth(day, tmp_path: Path) -> None:
    from truceline.app import run_incidents, run_thermal
    from truceline.evaluate import read_truth
    from truceline.evaluate_sources import evaluate_incidents
    from truceline.pipeline import ProcessParams, analyse, load_history, read_inputs

    sensors, picks = read_inputs(day["picks"], day["sensors"])
    processed = analyse(sensors, picks, load_history(day["agreement"]), ProcessParams(), signed=True)
    thermal = run_thermal([day["firms_viirs"], day["firms_modis"]], [day["firms_history"]], tmp_path).events
    found = run_incidents(processed.events, thermal, tmp_path).incidents
    levels = {r["confidence"]: r for r in evaluate_incidents(found, processed.events, thermal,
                                                            read_truth(day["truth"]), read_truth_hotspots(day["truth"]))}
    assert levels["corroborated"]["n"] >= 5 and levels["corroborated"]["true_share"] >= 0.98
    assert levels["possible"]["true_share"] < levels["probable"]["true_share"] <= levels["corroborated"]["true_share"]
    # a corroborated incident shows both kinds of evidence
    corr = found.take(found["confidence"].astype(str) == "corroborated")
    assert all(e and h for e, h in zip(corr["event_ids"].astype(str), corr["thermal_ids"].astype(str)))


def test_the_demo_report_grades_every_violation_and_shows_corroborated_evidence(tmp_path: Path) -> None:
    import csv

    out = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    text = (tmp_path / "daily_report.md").read_text(encoding="utf-8")
    tables = [block for block in text.split("\n\n") if block.startswith("| Event |")]
    assert len(tables) == 1
    lines = tables[0].splitlines()
    header = [h.strip() for h in lines[0].strip("|").split("|")]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert len(rows) > 100
    col = {h: k for k, h in enumerate(header)}
    for r in rows:
        assert r[col["Confidence"]] in ("corroborated", "probable", "possible", "unverified")
        assert r[col["Attribution grade"]] in ("attributed", "largely attributed", "undetermined")
        if r[col["Attributed side"]] != "undetermined":
            assert 0.0 <= float(r[col["Detection p there"]]) <= 1.0      # the coverage behind it
    with open(tmp_path / "incidents.csv", newline="", encoding="utf-8") as fh:
        corroborated = [r for r in csv.DictReader(fh) if r["confidence"] == "corroborated"]
    assert corroborated
    kinds = {r["modalities"] for r in corroborated}
    assert {"acoustic thermal", "acoustic drone"} <= kinds, kinds              # both kinds of corroboration
    for r in corroborated:                                     # all their evidence, in the report
        sources = r["modalities"].split()
        assert len(sources) >= 2 and sources[0] == "acoustic" and r["event_ids"]
        assert bool(r["thermal_ids"]) == ("thermal" in sources) and bool(r["weapon_ids"]) == ("drone" in sources)
        assert bool(r["damage_ids"]) == ("sar" in sources)
        line = next(x for x in text.splitlines() if x.startswith(f"| {r['incident_id']} |"))
        assert all(r[k] in line for k in ("event_ids", "thermal_ids", "weapon_ids", "damage_ids"))
    assert any("sar" in k for k in kinds)                                      # radar damage at impacts too
    from truceline.evaluate_sources import score_run
    sar = score_run(tmp_path / "scenario" / "truth", tmp_path)["sar"]
    assert sar["damaged_share"] <= 0.01 and sar["f1"] >= 0.5 and sar["auc"] >= 0.85, sar   # issue 6's floors
    weapons = next(block for block in text.split("\n\n") if block.startswith("| Finding |")).splitlines()
    header = [h.strip() for h in weapons[0].strip("|").split("|")]
    col = {h: k for k, h in enumerate(header)}
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in weapons[2:]]
    assert rows                                                 # weapons in violation, each graded with its coverage
    for r in rows:
        assert r[col["Confidence"]] in ("probable", "possible") and r[col["Attribution"]].startswith("attributed")
        assert r[col["Coverage there"]].startswith("p = ") and " of " in r[col["Coverage there"]]
    storage = next(block for block in text.split("\n\n") if block.startswith("| Site |")).splitlines()[2:]
    assert len(storage) == 4 and all(" p = " in line for line in storage)
    assert "| Party | Sector | mortar zone |" in text
    from truceline.report_again import rerender
    lines = [x for x in text.splitlines() if " incidents: " in x or " weapons seen by drones" in x]
    rerender(tmp_path, tmp_path / "scenario" / "agreement.yaml")       # `truceline report` from the store
    again = (tmp_path / "daily_report.md").read_text(encoding="utf-8")
    assert len(lines) == 2 and all(line in again.splitlines() for line in lines)


def test_refused_rows_of_history_and_drone_files_are_kept_in_quarantine(day, tmp_path: Path) -> None:
    import json

    from truceline.app import run_thermal, run_weapons

    history = tmp_path / "history.csv"
    lines = day["firms_history"].read_text().splitlines()
    history.write_text("\n".join(lines + [lines[1].replace(":00,", ":99,", 1)]) + "\n")
    result = run_thermal([day["firms_viirs"]], [history], tmp_path / "th")
    assert result.counts["history_quarantined"] == 1 and result.counts["quarantined"] == 0
    assert result.counts["history_received"] == len(lines)
    assert "acq_time" in result.quarantine_csv.read_text()
    doc = json.loads(day["drone_sightings"].read_text())
    doc["features"].append({**doc["features"][0], "properties": {**doc["features"][0]["properties"],
                                                                 "sighting_id": "BAD", "weapon_class": "howitzer"}})
    bad = tmp_path / "sightings.geojson"
    bad.write_text(json.dumps(doc))
    run_weapons(bad, day["drone_coverage"], day["agreement"], tmp_path)
    assert "howitzer" in (tmp_path / "quarantine_drones.csv").read_text()
