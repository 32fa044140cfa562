"""Who signed an input file: its manifest sidecar checked against the keyring, before any row is read.

Each input file may come with ``<file>.manifest.json`` (docs/formats.md, "Signed manifests"). With
a keyring, the manifest is checked: a verified file is ``signed``; a forged, replayed, malformed or
unknown-source one is refused, and every one of its rows goes to quarantine with that reason, so
counts still add up. A file with no manifest is ``unsigned``: accepted where the operator allows
it (local ``truceline process`` does by default; ``--require-signed`` refuses it), marked unsigned
in every output, and never enough on its own to raise a finding above the lowest confidence.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from truceline.ledger.keyring import Keyring
from truceline.ledger.manifest import BatchCheck, Manifest, check_batch, sidecar_path
from truceline.model.tables import Columns, Contract
from truceline.sources.base import Quarantined, ReadResult

ACCEPTED = ("signed", "unsigned")


@dataclass(frozen=True)
class Provenance:
    """The signature status of one input file and, when refused, why."""

    path: str
    status: str
    reason: str = ""
    source_id: str = ""
    sequence: int = 0
    manifest_sha256: str = ""

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED

    @property
    def signed(self) -> bool:
        return self.status == "signed"


def check_file(path: Path, keyring: Keyring | None, seen: dict[str, dict[int, str]],
               require_signed: bool = False) -> Provenance:
    """Check ``path`` against its sidecar manifest (if any) and the keyring (if given)."""
    path = Path(path)
    manifest_file = sidecar_path(path)
    if not manifest_file.exists():
        if require_signed:
            return Provenance(str(path), "refused-unsigned", f"{path.name}: no signed manifest "
                              f"({manifest_file.name}) and signatures are required (--require-signed)")
        return Provenance(str(path), "unsigned", "no manifest")
    if keyring is None:
        status = "refused-unsigned" if require_signed else "unsigned"
        return Provenance(str(path), status, f"{manifest_file.name} not checked: no keyring given (--keyring)")
    try:
        manifest: Manifest | None = Manifest.from_json(manifest_file.read_text(encoding="utf-8"), str(manifest_file))
    except ValueError as exc:
        return Provenance(str(path), "malformed", f"{manifest_file}: {exc}")
    result: BatchCheck = check_batch(manifest, {path.name: path.read_bytes()}, keyring, seen)
    return Provenance(str(path), result.status, result.reason, result.source_id, result.sequence,
                      result.manifest_sha256)


def quarantine_file(path: Path, reason: str, contract: Contract) -> ReadResult:
    """Every data row of a refused CSV file, quarantined with ``reason`` (nothing is lost)."""
    records = []
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        for values in reader:
            if not values or all(not v.strip() for v in values):
                continue
            records.append(Quarantined(str(path), reader.line_num, reason, dict(zip(header, values))))
    return ReadResult(format="refused", path=str(path), table=Columns.empty(contract), received=len(records),
                      quarantine=tuple(records))
