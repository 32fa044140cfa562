"""The composition root: the one place where sources, fusion, rules, verify, store and report meet.

The CLI is a thin shell over these functions. Stages are pure; reading and writing happen here
and in the I/O packages only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import numpy as np

from truceline import __version__
from truceline.fusion.acoustic import AcousticParams, detect
from truceline.fusion.classify import ClassifyParams, classify, set_aside_in_storms, settle_split_fire
from truceline.fusion.pair import PairParams, pair
from truceline.geodesy import LocalProjection
from truceline.model.agreement import AgreementHistory, daily_window_seconds
from truceline.model.coverage import Coverage
from truceline.model.tables import ENGAGEMENTS, EVENTS, PICK_ASSIGNMENTS, Columns
from truceline.rules.check import judge
from truceline.rules.zones import Zones
from truceline.sources import ReadResult, read
from truceline.sources.agreement_yaml import load_agreement
from truceline.verify.attribute import AttributionParams, attribute, confidence
from truceline.verify.coverage import coverage
from truceline.verify.engagements import EngagementParams, engagements
from truceline.verify.incidents import attribution_grade

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class ProcessParams:
    """Every processing setting, declared once; its hash is recorded with each run."""

    acoustic: AcousticParams = field(default_factory=AcousticParams)
    classify: ClassifyParams = field(default_factory=ClassifyParams)
    pairing: PairParams = field(default_factory=PairParams)
    attribution: AttributionParams = field(default_factory=AttributionParams)
    engagements: EngagementParams = field(default_factory=EngagementParams)

    def digest(self) -> str:
        """sha256 of the parameters as canonical JSON."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class Processed:
    """The outcome of processing one set of inputs."""

    events: Columns
    coverage: Coverage
    sensors: ReadResult
    picks: ReadResult
    history: AgreementHistory
    period: tuple[float, float]
    speed_by_hour: np.ndarray
    sensor_terms: np.ndarray
    pick_event: np.ndarray
    """Row of ``events`` each accepted pick belongs to (-1: unassociated)."""
    pick_assignments: Columns
    """Per accepted pick: its event and residual, or why no event took it (``PICK_ASSIGNMENTS``)."""
    engagements: Columns = field(default_factory=lambda: Columns.empty(ENGAGEMENTS))
    """Fire grouped by place and time, each naming the side that opened it (``ENGAGEMENTS``)."""

    @property
    def ingest_counts(self) -> dict[str, int]:
        s, p = self.sensors, self.picks
        return {"received": p.received, "accepted": p.accepted, "duplicates": p.duplicates,
                "quarantined": p.quarantined, "sensors_received": s.received, "sensors_accepted": s.accepted,
                "sensors_duplicates": s.duplicates, "sensors_quarantined": s.quarantined}


def read_inputs(picks_path: Path, sensors_path: Path) -> tuple[ReadResult, ReadResult]:
    """Read sensors, then picks (quarantining picks from sensors not in the sensor file)."""
    sensors = read(sensors_path, format="sensors-csv")
    picks = read(picks_path, format="picks-csv", sensor_ids=set(sensors.table["sensor_id"]))
    return sensors, picks


def analyse(sensors: ReadResult, picks: ReadResult, history: AgreementHistory, params: ProcessParams,
            progress: Progress | None = None, signed: bool = False) -> Processed:
    """Locate, classify, pair, attribute and judge; pure over the already-read inputs.

    ``signed``: whether the inputs arrived in verified signed batches; unsigned evidence caps every
    event's confidence at ``unverified`` and is marked in the ``evidence`` column.
    """
    table, s = picks.table, sensors.table
    period = _period(table)
    agreement = history.at(period[0])
    zones = Zones.from_agreement(agreement)
    if len(table) == 0 or len(s) == 0:
        events = Columns.empty(EVENTS)
        none = Columns.conform(PICK_ASSIGNMENTS, {
            "pick_id": table["pick_id"], "sensor_id": table["sensor_id"],
            "event_id": np.full(len(table), "", dtype=object), "residual_s": np.full(len(table), np.nan),
            "status": np.full(len(table), "unassociated", dtype=object),
            "reason": np.full(len(table), "no sensors" if len(s) == 0 else "", dtype=object)})
        return Processed(events, coverage(zones, s, table, *period), sensors, picks, history, period,
                         np.full(24, params.acoustic.nominal_speed_mps), np.zeros(len(s)),
                         np.full(len(table), -1, dtype=np.int64), none)
    proj = LocalProjection.around(np.column_stack([s["lon"], s["lat"]]))
    step = None if progress is None else (lambda i, n: progress("locate", i / max(n, 1)))
    found = detect(table, s, proj, params.acoustic, step)
    events = _level2(found.events, history, zones, params, signed)
    if progress is not None:
        progress("locate", 1.0)
    cov = coverage(zones, s, table, *period)
    grouped, _ = engagements(events, zones, params.engagements)
    return Processed(events, cov, sensors, picks, history, period, found.speed_by_hour, found.sensor_terms,
                     found.pick_event, found.assignments, grouped)


def _period(picks: Columns) -> tuple[float, float]:
    if len(picks) == 0:
        now = datetime.now(timezone.utc).timestamp()
        start = np.floor(now / 86400.0) * 86400.0
    else:
        start = float(np.floor(np.median(picks["time"]) / 86400.0) * 86400.0)
    return start, start + 86400.0


def _level2(ev: Columns, history: AgreementHistory, zones: Zones, params: ProcessParams, signed: bool) -> Columns:
    kinds = classify(ev, params.classify)
    sig_t = np.asarray(ev["sigma_time_s"], dtype=float)
    pairing = pair(ev["x"], ev["y"], ev["time"], sig_t, kinds.kind, params.pairing)
    paired = pairing.partner >= 0
    kinds = set_aside_in_storms(ev, kinds, paired, params.classify)
    side, p = attribute(zones, ev["lon"], ev["lat"], ev["sigma_major_m"], kinds.kind, pairing, params.attribution)
    kinds = settle_split_fire(ev, kinds, params.classify)   # fire, kind unsettled: unpaired, unattributed
    verdict = judge(history, ev["lon"], ev["lat"], ev["time"], kinds.kind, paired, pairing.weapon_class, side)
    kinds = kinds.where(verdict.excused_by != "", "explosion", "declared_activity")
    kind = kinds.kind
    side = np.where(np.isin(kind, ("launch", "impact")), side, "undetermined").astype(object)
    p = np.where(np.isin(kind, ("launch", "impact")), p, np.nan)
    pair_id = np.where(paired, ev["event_id"][np.maximum(pairing.partner, 0)], "").astype(object)
    data = {"event_id": ev["event_id"], "time": ev["time"], "lon": ev["lon"], "lat": ev["lat"], "kind": kind,
            "kind_basis": kinds.basis,
            "sigma_major_m": ev["sigma_major_m"], "sigma_minor_m": ev["sigma_minor_m"],
            "azimuth_deg": ev["azimuth_deg"], "sigma_time_s": sig_t, "n_sensors": ev["n_sensors"],
            "rms_s": ev["rms_s"], "low_confidence": np.asarray(ev["low_confidence"], dtype=bool), "pair_id": pair_id, "weapon_class": pairing.weapon_class,
            "attributed_side": side, "attribution_p": p, "attribution_grade": attribution_grade(p), "sector": verdict.sector,
            "is_violation": verdict.is_violation, "rules": verdict.rules, "excused_by": verdict.excused_by,
            "confidence": confidence(kind, paired, ev["n_sensors"], signed), "agreement_version": verdict.agreement_version,
            "evidence": np.full(len(kind), "signed" if signed else "unsigned", dtype=object)}
    return Columns.conform(EVENTS, data)


def run_info(history: AgreementHistory, processed: Processed, params: ProcessParams, inputs: dict[str, str]) -> dict[str, str]:
    """What a run records: code version, parameters hash, agreement version and hash, inputs."""
    agreement = history.at(processed.period[0])
    return {"code_version": __version__, "params_hash": params.digest(), "agreement_version": agreement.version,
            "agreement_hash": agreement.content_hash, "inputs": json.dumps(inputs, sort_keys=True),
            "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}


def load_history(path: Path | None) -> AgreementHistory:
    """The agreement file's history (the bundled demo agreement when ``path`` is None)."""
    return load_agreement(path)


def declared_sites(history: AgreementHistory, day_start: float):
    """Declared activity sites with their windows on one day (for the simulator)."""
    from truceline.simulate.world import DeclaredSite
    agreement = history.at(day_start)
    sites = []
    for act in agreement.declared_activities:
        windows = [(w.start.timestamp(), w.end.timestamp()) for w in act.windows
                   if w.end.timestamp() > day_start and w.start.timestamp() < day_start + 86400]
        for daily in act.daily_utc:
            a, b = daily_window_seconds(daily)
            windows.append((day_start + a, day_start + b))
        if windows:
            sites.append(DeclaredSite(act.id, act.lon, act.lat, act.radius_m, tuple(windows)))
    return tuple(sites)


def storage_depots(history: AgreementHistory, day_start: float):
    """Declared storage sites with their inventories on one day (for the simulator)."""
    from truceline.simulate.storage import Depot
    return tuple(Depot(s.id, s.party, s.lon, s.lat, s.radius_m,
                       tuple((k.value, n) for k, n in s.inventory.items()),
                       tuple((k.value, ids) for k, ids in s.serials.items()))
                 for s in history.at(day_start).storage_sites)
