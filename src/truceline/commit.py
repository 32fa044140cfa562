"""Committing one processing run: its tables to the store and every batch, quarantined record and
the run itself to the ledger, in the run's one transaction (so a failed run leaves no trace).

Also what a report says about it: which inputs were signed by whom, which sequence numbers of a
source are missing, which checkpoint the report stands on, and which records each finding cites.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from truceline.ledger.evidence import Cited
from truceline.ledger.log import BatchReceipt, Ledger
from truceline.ledger.note import Checkpoint
from truceline.model.tables import Columns
from truceline.pipeline import Processed
from truceline.sources.base import Quarantined
from truceline.sources.signed import Provenance


@dataclass(frozen=True)
class Committed:
    """What a run put in the ledger: the ledger itself and a receipt per stored table."""

    ledger: Ledger
    receipts: dict[str, BatchReceipt]
    run_leaf: int

    @property
    def records(self) -> dict[int, list[bytes]]:
        return {r.leaf_index: r.records for r in self.receipts.values()}


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _input_detail(prov: Provenance) -> dict[str, Any]:
    return {"file": Path(prov.path).name, "file_sha256": _file_sha256(prov.path), "sequence": prov.sequence,
            "manifest_sha256": prov.manifest_sha256, "reason": prov.reason if not prov.accepted else ""}


def _source(prov: Provenance) -> str:
    return prov.source_id if prov.signed else f"unsigned:{Path(prov.path).name}"


def commit_run(store: Any, run_id: str, tables: dict[str, Columns], info: dict[str, Any],
               checked: Sequence[Provenance], quarantine: Sequence[Quarantined]) -> Committed:
    """Save the run's tables (sensors, picks and, after processing, events) and commit them, its
    quarantine and the run leaf (inside the open run)."""
    for name, table in tables.items():
        store.save_table(run_id, name, table)
    store.save_quarantine(run_id, quarantine)
    ledger = Ledger(store)
    receipts: dict[str, BatchReceipt] = {}
    for name, prov in zip(("sensors", "picks"), checked):
        status = prov.status if prov.accepted else "refused"
        receipts[name] = ledger.commit_batch(run_id, name, tables[name], source=_source(prov), status=status,
                                             detail=_input_detail(prov))
        if prov.signed:
            store.put_source_sequence(prov.source_id, prov.sequence, prov.manifest_sha256,
                                      receipts[name].leaf_index)
    if "events" in tables:
        receipts["events"] = ledger.commit_batch(run_id, "events", tables["events"], source="truceline",
                                                 status="derived", detail={"params_hash": info.get("params_hash", "")})
    first_quarantined = ledger.commit_quarantine(run_id, quarantine)
    run_leaf = ledger.commit_run(run_id, {**info, "batches": {k: r.leaf_index for k, r in receipts.items()},
                                          "quarantine_leaves": [first_quarantined, len(quarantine)]})
    return Committed(ledger, receipts, run_leaf)


def cite_violations(processed: Processed, committed: Committed) -> dict[str, list[Cited]]:
    """For each violation (and the event it is paired with): the event, its picks and their sensors."""
    ev, picks, sensors = processed.events, processed.picks.table, processed.sensors.table
    rows = {str(e): k for k, e in enumerate(ev["event_id"])}
    wanted = [k for k in np.flatnonzero(np.asarray(ev["is_violation"], dtype=bool))]
    wanted += [rows[str(p)] for p in ev["pair_id"][wanted] if str(p) in rows]
    sensor_row = {str(s): k for k, s in enumerate(sensors["sensor_id"])}
    leaf = {name: r.leaf_index for name, r in committed.receipts.items()}
    out: dict[str, list[Cited]] = {}
    for k in sorted(set(int(w) for w in wanted)):
        eid = str(ev["event_id"][k])
        cites = [Cited("events", eid, k, leaf["events"])]
        members = np.flatnonzero(processed.pick_event == k)
        cites += [Cited("picks", str(picks["pick_id"][i]), int(i), leaf["picks"]) for i in members]
        used = sorted({str(picks["sensor_id"][i]) for i in members})
        cites += [Cited("sensors", s, sensor_row[s], leaf["sensors"]) for s in used if s in sensor_row]
        out[eid] = cites
    return out


def provenance_rows(checked: Sequence[Provenance], gaps: dict[str, list[tuple[int, int]]]) -> dict[str, str]:
    """Report rows: each input's signature status, and any missing sequence numbers per source."""
    rows = {}
    for prov in checked:
        name = Path(prov.path).name
        if prov.signed:
            rows[f"input {name}"] = f"signed by {prov.source_id}, sequence {prov.sequence}"
        elif prov.accepted:
            rows[f"input {name}"] = f"UNSIGNED ({prov.reason}); findings from it alone stay unverified"
        else:
            rows[f"input {name}"] = f"REFUSED ({prov.status}): {prov.reason}"
    missing = [f"{s}: " + ", ".join(f"{a}" if a == b else f"{a}–{b}" for a, b in g) for s, g in gaps.items() if g]
    rows["missing sequence numbers"] = "; ".join(missing) if missing else "none"
    return rows


def checkpoint_line(note: str) -> str:
    """One line naming a checkpoint: origin, size and root (base64), as a party would quote it."""
    cp = Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")
    body = cp.body().splitlines()
    return f"{cp.origin}, size {cp.size}, root {body[2]}"
