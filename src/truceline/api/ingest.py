"""Signed batch ingest over the API: a sensor operator delivers files with their signed manifest.

The manifest is checked against the mission's keyring exactly as a file's sidecar is
(:func:`truceline.ledger.manifest.check_batch`: signature, file hashes and sizes, a sequence never
seen before) and the source must belong to the operator's organisation. An accepted batch is kept
under ``DATA/ingest/<source>/<sequence>/`` with its manifest beside each file (ready for
``truceline process``) and committed in one stored run: a ``deliveries`` table (one record per file:
name, SHA-256, bytes) as a signed batch leaf, the source's sequence, the run leaf. A refused batch is
kept too, under ``DATA/ingest/refused/``, with its reason — nothing delivered is lost.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from truceline.api.app import ERRORS, Caller, allow, _error
from truceline.api.desk import Desk, Forbidden
from truceline.ledger.keyring import Keyring
from truceline.ledger.manifest import Manifest, ManifestError, check_batch
from truceline.model.desk import Principal
from truceline.model.tables import Columns
from truceline.verify.review import DecisionRefused

router = APIRouter(prefix="/v1", responses=ERRORS)
MAX_BYTES = 64 * 1024 * 1024


class FileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._-]+$")
    content_base64: str = Field(max_length=MAX_BYTES * 4 // 3 + 4)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    manifest: dict[str, Any] = Field(description="The signed manifest (docs/formats.md, Signed manifests).")
    files: list[FileIn] = Field(min_length=1, max_length=20)


class BatchOut(BaseModel):
    source_id: str
    sequence: int
    status: str
    reason: str
    leaf_index: int
    run_id: str
    files: list[str]


class BatchRefused(DecisionRefused):
    """A delivered batch the keyring refuses (forged, unknown source, replayed, malformed)."""


def ingest(desk: Desk, who: Principal, manifest: dict[str, Any], payloads: dict[str, bytes]) -> dict[str, Any]:
    """Check, keep and commit one delivered batch (see the module docstring)."""
    if desk.settings.keyring is None:
        raise BatchRefused("the mission serves no keyring (truceline serve --keyring), so no batch can be checked")
    keyring = Keyring.load(desk.settings.keyring)
    where = f"manifest of {manifest.get('source_id', '?')} sequence {manifest.get('sequence', '?')}"
    try:
        parsed = Manifest.from_dict(manifest, where)
    except ManifestError as exc:
        raise _refuse(desk, manifest, payloads, str(exc)) from None
    source = keyring.get(parsed.source_id)
    if source is not None and source.owner != who.party:
        raise Forbidden(f"source {parsed.source_id!r} is not one of {who.party!r}'s")
    with desk.lock:
        check = check_batch(parsed, payloads, keyring, desk.store.source_sequences(), where)
        if check.status != "signed":
            raise _refuse(desk, manifest, payloads, f"{check.status}: {check.reason}")
        folder = Path(desk.settings.data) / "ingest" / parsed.source_id / f"{parsed.sequence:08d}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in payloads.items():
            (folder / name).write_bytes(data)
            (folder / f"{name}.manifest.json").write_text(parsed.to_json(), encoding="utf-8")
        files = Columns({"name": np.array([e.name for e in parsed.files], dtype=object),
                         "sha256": np.array([e.sha256 for e in parsed.files], dtype=object),
                         "bytes": np.array([e.size for e in parsed.files], dtype=np.int64)})
        with desk.store.run({"inputs": json.dumps({"ingest": str(folder)}), "meta_kind": "ingest"}) as run_id:
            desk.store.save_table(run_id, "deliveries", files)
            desk.refresh_ledger()
            receipt = desk.ledger.commit_batch(run_id, "deliveries", files, source=parsed.source_id, status="signed",
                                               detail={"sequence": parsed.sequence, "manifest_sha256": check.manifest_sha256})
            desk.store.put_source_sequence(parsed.source_id, parsed.sequence, check.manifest_sha256 or "",
                                           receipt.leaf_index)
            desk.ledger.commit_run(run_id, {"kind": "ingest", "source": parsed.source_id, "sequence": parsed.sequence})
        desk.refresh_ledger(force=True)   # the run's leaves are committed: read the tree afresh
    return {"source_id": parsed.source_id, "sequence": parsed.sequence, "status": "signed", "reason": check.reason,
            "leaf_index": receipt.leaf_index, "run_id": run_id, "files": sorted(payloads)}


def _refuse(desk: Desk, manifest: dict[str, Any], payloads: dict[str, bytes], reason: str) -> BatchRefused:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
    folder = Path(desk.settings.data) / "ingest" / "refused" / stamp
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in payloads.items():
        (folder / name).write_bytes(data)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    (folder / "reason.txt").write_text(reason + "\n", encoding="utf-8")
    return BatchRefused(f"batch refused and kept in ingest/refused/{stamp}: {reason}")


@router.post("/ingest", response_model=BatchOut, status_code=201,
             responses={409: _error("The batch is refused (forged, unknown source, replayed, malformed); kept "
                                    "with its reason.")},
             summary="Deliver a signed batch of files from the caller's sources (operator)")
def post_ingest(request: Request, who: Caller, body: BatchIn) -> dict[str, Any]:
    allow(who, "operator")
    payloads = {}
    for f in body.files:
        try:
            payloads[f.name] = base64.b64decode(f.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise BatchRefused(f"files: {f.name!r} is not valid base64") from None
    return ingest(request.app.state.desk, who, body.manifest, payloads)
