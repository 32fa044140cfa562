"""Signed batch ingest through the API: accepted once, committed to the ledger, refused (and kept)
when replayed, forged or from another organisation's source."""

from __future__ import annotations

import base64
import json
import shutil
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from truceline.api import Desk, create_app, issue_token
from truceline.ledger.keyfiles import read_signer
from truceline.ledger.manifest import sign_manifest
from truceline.ledger.verify import verify_store

OWNER = "Simulated acoustic network"


def _batch(demo_day, sequence: int, payload: bytes) -> dict:
    key = read_signer(demo_day["paths"]["keyring"].parent / "keys" / "acoustic-network.key")
    manifest = sign_manifest({"picks.csv": payload}, "acoustic-network", sequence,
                             ("2026-11-27T00:00:00.000Z", "2026-11-27T00:59:59.999Z"), key, "2026-11-27T01:00:00.000Z")
    return {"manifest": manifest.to_dict(),
            "files": [{"name": "picks.csv", "content_base64": base64.b64encode(payload).decode()}]}


def test_a_signed_batch_is_accepted_once_and_refusals_are_kept(demo_day, desk_settings, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_day["out"], data, ignore=shutil.ignore_patterns("store.sqlite*"))
    desk = Desk.open(replace(desk_settings, data=data, keyring=demo_day["paths"]["keyring"]))
    try:
        client = TestClient(create_app(desk))
        ops = {"Authorization": "Bearer " + issue_token(desk.store, "ops", "operator", OWNER)}
        other = {"Authorization": "Bearer " + issue_token(desk.store, "ops-2", "operator", "coalition-9")}
        payload = (demo_day["paths"]["picks"]).read_bytes()[:4000]
        size = desk.ledger.size
        r = client.post("/v1/ingest", headers=ops, json=_batch(demo_day, 3, payload))
        assert r.status_code == 201, r.text
        got = r.json()
        assert (got["status"], got["sequence"], got["files"]) == ("signed", 3, ["picks.csv"])
        assert (data / "ingest" / "acoustic-network" / "00000003" / "picks.csv").read_bytes() == payload
        leaf = json.loads(desk.ledger.leaf_data(got["leaf_index"]))
        assert leaf["table"] == "deliveries" and leaf["source"] == "acoustic-network" and leaf["status"] == "signed"
        assert desk.ledger.size == size + 2, "the batch leaf and the run leaf"
        assert desk.store.source_sequences("acoustic-network")["acoustic-network"].keys() == {1, 2, 3}

        again = client.post("/v1/ingest", headers=ops, json=_batch(demo_day, 3, payload))
        assert again.status_code == 409 and "replayed" in again.json()["detail"]
        forged = _batch(demo_day, 4, payload)
        forged["files"][0]["content_base64"] = base64.b64encode(payload + b"x").decode()
        bad = client.post("/v1/ingest", headers=ops, json=forged)
        assert bad.status_code == 409 and "forged" in bad.json()["detail"]
        kept = sorted((data / "ingest" / "refused").iterdir())
        assert len(kept) == 2 and all((k / "reason.txt").exists() and (k / "picks.csv").exists() for k in kept)
        assert client.post("/v1/ingest", headers=other, json=_batch(demo_day, 5, payload)).status_code == 403
        assert desk.ledger.size == size + 2, "refused batches add no leaf"
        verify_store(desk.store, desk.signer.verifier)
    finally:
        desk.close()
