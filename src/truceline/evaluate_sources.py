"""Scores of the other sources against the simulator's truth: FIRMS fires, incidents and their
confidence levels, drone weapon findings, storage sites and "observed, none seen" statements;
:func:`score_run` gathers them for one processed folder (``truceline evaluate --out``)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np

from truceline.evaluate import FIRE_KINDS, _ratio, evaluate, match, read_truth
from truceline.model.tables import Columns


def evaluate_thermal(events: Columns, truth_hotspots: Columns) -> dict[str, float | int]:
    """Thermal events against the simulator's truth of their hotspots (``truth/hotspots.csv``).

    Each event takes the source of most of its pixels: an impact's fire (conflict), an industrial
    site (persistent, should be masked) or a one-off field fire (non-conflict, not learnable from
    history: a FIRMS-only finding, which never rises above 'possible').
    """
    source = dict(zip(truth_hotspots["hotspot_id"].astype(str), truth_hotspots["source"].astype(str)))
    kinds = []
    for ids in events["hotspot_ids"].astype(str):
        votes = [source.get(h, "unknown") for h in ids.split()]
        kinds.append(max(set(votes), key=votes.count))
    kind = np.array(kinds, dtype=object)
    masked = np.asarray(events["masked"], dtype=bool)
    n = {k: int(np.sum(kind == k)) for k in ("impact", "industry", "burn")}
    return {"thermal_events": len(events), "impact_events": n["impact"], "industry_events": n["industry"],
            "burn_events": n["burn"],
            "impact_kept": float(np.mean(~masked[kind == "impact"])) if n["impact"] else float("nan"),
            "industry_masked": float(np.mean(masked[kind == "industry"])) if n["industry"] else float("nan"),
            "masked_true_conflict": int(np.sum(masked & (kind == "impact")))}


def _truth_csv(truth_dir: Path, name: str, columns: tuple[str, ...], numbers: tuple[str, ...] = ()) -> Columns:
    """A small truth table the simulator writes beside the feeds (``truth_dir/name``)."""
    path = Path(truth_dir) / name
    if not path.is_file():
        raise ValueError(f"{path}: no such file (expected the simulator's truth/{name})")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    missing = [c for c in columns if rows and c not in rows[0]]
    if missing:
        raise ValueError(f"{path}: line 1: missing columns {', '.join(missing)}")
    return Columns({k: np.array([r[k] for r in rows], dtype=float if k in numbers else object) for k in columns})


def read_truth_hotspots(truth_dir: Path) -> Columns:
    """The simulator's truth of its hotspots, ``truth_dir/hotspots.csv``: hotspot_id, source, source_id."""
    return _truth_csv(truth_dir, "hotspots.csv", ("hotspot_id", "source", "source_id"))


def read_truth_drones(truth_dir: Path) -> tuple[Columns, Columns]:
    """The simulator's weapons (``weapons.csv``) and what each sighting shows (``sightings.csv``)."""
    return (_truth_csv(truth_dir, "weapons.csv", ("weapon_id", "lon", "lat", "weapon_class", "party"), ("lon", "lat")),
            _truth_csv(truth_dir, "sightings.csv", ("sighting_id", "weapon_id")))


def read_truth_storage(truth_dir: Path) -> Columns:
    """What the simulator really parked at each storage site (``storage.csv``)."""
    return _truth_csv(truth_dir, "storage.csv", ("site_id", "weapon_class", "declared", "present", "removed_serials"),
                      ("declared", "present"))


def evaluate_storage(findings: Columns, truth: Columns) -> dict[str, int]:
    """Storage findings against the truth, per site. A ``missing`` finding is correct when pieces
    were really taken and their number lies in its 90 % interval; a
    ``complete`` one when nothing was taken. Where it names classes, the first (the largest share)
    is right when that class was really taken (``class_right`` of ``class_named``). ``absent_below_coverage`` counts missing or complete
    statements made where the coverage probability was below 0.9 (there must be none)."""
    short: dict[str, int] = {}
    classes: dict[str, set[str]] = {}
    for site, cls, d, present in zip(truth["site_id"].astype(str), truth["weapon_class"].astype(str),
                                     np.asarray(truth["declared"], float), np.asarray(truth["present"], float)):
        short[site] = short.get(site, 0) + int(d - present)
        if d > present:
            classes.setdefault(site, set()).add(cls)
    out = {"sites": len(findings), "missing_findings": 0, "missing_correct": 0, "missing_false": 0, "class_named": 0, "class_right": 0,
           "complete_findings": 0,
           "complete_correct": 0, "undetermined": 0, "not_observed": 0, "truly_missing": 0,
           "truly_missing_observed": 0, "absent_below_coverage": 0}
    for r in findings.rows():
        status, gone = str(r["status"]), short.get(str(r["site_id"]), 0)
        out["truly_missing"] += gone > 0
        named = [c.split(":")[0] for c in str(r["missing_by_class"]).split()]   # largest share first
        if status in ("missing", "complete") and float(r["coverage_p"]) < 0.9:
            out["absent_below_coverage"] += 1
        if status == "missing":
            out["missing_findings"] += 1
            out["missing_false"] += gone == 0
            out["missing_correct"] += gone > 0 and int(r["missing_low"]) <= gone <= int(r["missing_high"])
            out["class_named"] += bool(named)
            out["class_right"] += bool(named) and named[0] in classes.get(str(r["site_id"]), set())
        elif status == "complete":
            out["complete_findings"] += 1
            out["complete_correct"] += gone == 0
        else:
            out["not_observed" if status == "not observed" else "undetermined"] += 1
        out["truly_missing_observed"] += gone > 0 and status != "not observed"
    return out


def evaluate_absence(statements: Columns, weapons: Columns, coverage: Columns, findings: Columns,
                     zones: Any) -> dict[str, int]:
    """"Observed, none seen" statements against the truth: ``absent_wrong`` counts those where a
    weapon of that party and class truly stood inside its zone in that sector, at a place the
    coverage probability called observed (>= 0.9); ``absent_below_coverage`` those whose observed
    area reached below 0.9 (there must be none)."""
    from truceline.verify.observed import coverage_at

    lon, lat = np.asarray(weapons["lon"], float), np.asarray(weapons["lat"], float)
    party, cls = weapons["party"].astype(str), weapons["weapon_class"].astype(str)
    seen = coverage_at(coverage, lon, lat, findings["n_flights"]) >= 0.9
    sector = zones.sector_of(lon, lat).astype(str)
    inside = np.array([bool(zones.within_withdrawal([lo], [la], p, c)[0]) for lo, la, p, c in zip(lon, lat, party, cls)],
                      dtype=bool)
    none = [r for r in statements.rows() if r["statement"] == "observed, none seen"]
    wrong = sum(1 for r in none if np.any(seen & inside & (party == r["party"]) & (cls == r["weapon_class"])
                                          & (sector == r["sector"])))
    return {"absent_statements": len(none), "absent_wrong": wrong,
            "absent_below_coverage": sum(1 for r in none if not float(r["min_observed_p"]) >= 0.9),
            "not_observed_statements": sum(1 for r in statements.rows() if r["statement"] == "not observed")}


def evaluate_incidents(incidents: Columns, events: Columns, thermal: Columns, truth: Columns,
                       truth_hotspots: Columns) -> list[dict[str, float | int | str]]:
    """Per confidence level: how many incidents, and the share that are true conflict fire.

    An incident is true when one of its acoustic events matches a true launch or impact (2 s,
    1 km) or one of its thermal events is mostly pixels of an impact's fire. Calibrated levels
    show the share rising from possible to probable to corroborated.
    """
    fire_t = truth.take(np.isin(truth["kind"].astype(str), FIRE_KINDS))
    fire_r = events.take(np.isin(events["kind"].astype(str), FIRE_KINDS))
    ir, _, _ = match(np.asarray(fire_r["time"], float), np.asarray(fire_r["lon"], float),
                     np.asarray(fire_r["lat"], float), np.asarray(fire_t["time"], float),
                     np.asarray(fire_t["lon"], float), np.asarray(fire_t["lat"], float))
    true_events = set(fire_r["event_id"].astype(str)[ir])
    source = dict(zip(truth_hotspots["hotspot_id"].astype(str), truth_hotspots["source"].astype(str)))
    true_thermal = set()
    for eid, ids in zip(thermal["event_id"].astype(str), thermal["hotspot_ids"].astype(str)):
        votes = [source.get(h, "") for h in ids.split()]
        if votes.count("impact") * 2 > len(votes):
            true_thermal.add(eid)
    true = np.array([bool(set(e.split()) & true_events) or bool(set(h.split()) & true_thermal)
                     for e, h in zip(incidents["event_ids"].astype(str), incidents["thermal_ids"].astype(str))])
    out = []
    level = incidents["confidence"].astype(str)
    for name in ("unverified", "possible", "probable", "corroborated"):
        sel = level == name
        out.append({"confidence": name, "n": int(sel.sum()), "true_share": float(true[sel].mean()) if sel.any()
                    else float("nan")})
    return out


def evaluate_weapons(findings: Columns, weapons: Columns, sighting_truth: Columns, coverage: Columns,
                     zones: Any) -> dict[str, float | int]:
    """Weapon findings against the simulator's weapons, counted per unique weapon.

    A finding is of the weapon most of its sightings are of ('' for false sightings). Recall:
    the share of weapons truly inside their withdrawal zone, where the drone coverage probability
    (:func:`truceline.verify.observed.coverage_at`) was at least 0.9, that a violation finding is
    of; ``recall_footprint`` counts every such weapon inside any flight's footprint instead (one
    flight over a place is not coverage). Precision: the share of violation findings that are of a
    weapon truly in violation.
    """
    from truceline.verify.observed import coverage_at, flights_over

    of = dict(zip(sighting_truth["sighting_id"].astype(str), sighting_truth["weapon_id"].astype(str)))
    ids = weapons["weapon_id"].astype(str)
    lon, lat = np.asarray(weapons["lon"], float), np.asarray(weapons["lat"], float)
    violating = np.array([bool(zones.within_withdrawal([lo], [la], p, c)[0])
                          for lo, la, p, c in zip(lon, lat, weapons["party"].astype(str),
                                                  weapons["weapon_class"].astype(str))], dtype=bool)
    covered = coverage_at(coverage, lon, lat, findings["n_flights"]) >= 0.9
    under = flights_over(coverage, lon, lat) > 0
    truly = set(ids[violating])
    found = []
    for sids, flag in zip(findings["sighting_ids"].astype(str), np.asarray(findings["is_violation"], bool)):
        votes = [of.get(s, "") for s in sids.split()]
        found.append((max(set(votes), key=votes.count), bool(flag)))
    flagged = [w for w, f in found if f]
    target, footprint = set(ids[violating & covered]), set(ids[violating & under])
    return {"weapons": len(weapons), "violating": int(violating.sum()), "violating_covered": len(target),
            "violating_under_footprint": len(footprint), "violation_findings": len(flagged),
            "recall_covered": _ratio(len(target & set(flagged)), len(target)),
            "recall_footprint": _ratio(len(footprint & set(flagged)), len(footprint)),
            "precision": _ratio(sum(1 for w in flagged if w in truly), len(flagged)),
            "findings": len(findings), "merged_sightings": int(np.sum(findings["n_sightings"]))}


def evaluate_sar(score: np.ndarray, truth_mask: np.ndarray, pixel_m: float, window_s: float,
                 threshold: float = 3.0) -> dict[str, float | int]:
    """Damaged-cell precision, recall, F1 and AUC of a PWTT score against the simulator's mask
    (1 damaged, 2 other change, 0 none), and the false alarms at the operating point: detected
    areas touching no damaged cell, per 1,000 km² per week of the window the test covered."""
    from scipy import ndimage

    from truceline.fusion.sar import auc

    damaged = np.asarray(truth_mask) == 1
    found = np.asarray(score) >= threshold
    tp = int(np.sum(found & damaged))
    precision, recall = _ratio(tp, int(found.sum())), _ratio(tp, int(damaged.sum()))
    labels, n = ndimage.label(found)
    hit = set(np.unique(labels[found & damaged]))
    false_areas = sum(1 for k in range(1, n + 1) if k not in hit)
    area_km2 = damaged.size * pixel_m ** 2 / 1e6
    weeks = max(window_s, 1.0) / (7 * 86400.0)
    return {"cells": int(damaged.size), "damaged_cells": int(damaged.sum()), "damaged_share": float(damaged.mean()),
            "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0,
            "auc": auc(score, damaged), "false_alarm_areas": false_areas,
            "false_alarms_per_1000km2_week": false_areas / area_km2 * 1000.0 / weeks}


def score_run(truth_dir: Path, out_dir: Path, agreement: Path | None = None,
              drone_coverage: Path | None = None) -> dict[str, Any]:
    """Every score of a processed folder against the simulation's truth, by source.

    Reads ``out_dir``'s ``events.csv`` and, where the run wrote them, ``thermal_events.csv``,
    ``incidents.csv``, ``weapon_findings.csv``, ``storage_findings.csv`` and ``zone_coverage.csv``;
    the flights' footprints come from ``drone_coverage`` (default: ``drone_coverage.geojson`` beside
    the truth folder, where ``truceline simulate`` writes it). Sections whose files are absent are
    left out."""
    from truceline.model.tables import (INCIDENTS, STORAGE_FINDINGS, THERMAL_EVENTS, WEAPON_FINDINGS,
                                        ZONE_COVERAGE)
    from truceline.pipeline import load_history
    from truceline.report import read_events_csv
    from truceline.report.export import read_table_csv
    from truceline.rules.zones import Zones
    from truceline.sources import read

    out, truth_dir = Path(out_dir), Path(truth_dir)
    truth, events = read_truth(truth_dir), read_events_csv(out / "events.csv")
    scores: dict[str, Any] = {"acoustic": evaluate(truth, events).to_dict()}
    if (out / "thermal_events.csv").is_file():
        thermal = read_table_csv(out / "thermal_events.csv", THERMAL_EVENTS)
        scores["thermal"] = evaluate_thermal(thermal, read_truth_hotspots(truth_dir))
        if (out / "incidents.csv").is_file():
            found = read_table_csv(out / "incidents.csv", INCIDENTS)
            scores["incidents"] = evaluate_incidents(found, events, thermal, truth, read_truth_hotspots(truth_dir))
    if (out / "damage_score.tif").is_file() and (truth_dir / "sar_damage.tif").is_file():
        import rasterio
        with rasterio.open(out / "damage_score.tif") as a, rasterio.open(truth_dir / "sar_damage.tif") as b:
            window = json.loads((out / "damage.geojson").read_text(encoding="utf-8")).get("window", [0.0, 0.0])
            scores["sar"] = evaluate_sar(a.read(1), b.read(1), float(abs(a.transform.a)), float(window[1] - window[0]))
    if (out / "weapon_findings.csv").is_file():
        history = load_history(agreement or (truth_dir.parent / "agreement.yaml"
                                             if (truth_dir.parent / "agreement.yaml").is_file() else None))
        zones = Zones.from_agreement(history.versions[-1])
        flown = read(drone_coverage or truth_dir.parent / "drone_coverage.geojson", format="drone-coverage").table
        findings = read_table_csv(out / "weapon_findings.csv", WEAPON_FINDINGS)
        weapons, sighting_truth = read_truth_drones(truth_dir)
        scores["weapons"] = evaluate_weapons(findings, weapons, sighting_truth, flown, zones)
        if (out / "storage_findings.csv").is_file():
            scores["storage"] = evaluate_storage(read_table_csv(out / "storage_findings.csv", STORAGE_FINDINGS),
                                                 read_truth_storage(truth_dir))
        if (out / "zone_coverage.csv").is_file():
            scores["absence"] = evaluate_absence(read_table_csv(out / "zone_coverage.csv", ZONE_COVERAGE), weapons,
                                                 flown, findings, zones)
    return scores
