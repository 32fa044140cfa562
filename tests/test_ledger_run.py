"""The ledger end to end: a signed simulated day processed, verified, tampered with, and checked
offline by a party holding only the release (report proofs and two checkpoints)."""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truceline.app import Trust, run_process, run_simulate
from truceline.cli import cli
from truceline.ledger.evidence import EvidenceError, single_item_release, verify_release
from truceline.ledger.keyfiles import read_signer, read_verifier
from truceline.ledger.note import Checkpoint, open_note, sign_note
from truceline.ledger.verify import LedgerMismatch, verify_store
from truceline.store import Store


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """Two signed days processed into one output folder (so the second release has a previous checkpoint)."""
    base = tmp_path_factory.mktemp("ledger")
    out = base / "out"
    first = run_simulate(base / "day1", agreement=None, seed=3, day=date(2026, 11, 26), calm=False, engagements=4)
    run_process(first["picks"], first["sensors"], first["agreement"], out,
                trust=Trust(keyring=first["keyring"], require_signed=True))
    checkpoint1 = (out / "checkpoint.txt").read_text()
    second = run_simulate(base / "day2", agreement=None, seed=4, day=date(2026, 11, 27), calm=False, engagements=4)
    for name in ("sensors", "picks"):  # the same source delivers again: sequences 3 and 4
        _resign(second[name], first["keyring"].parent / "keys" / "acoustic-network.key", 3 if name == "sensors" else 4)
    processed, outputs = run_process(second["picks"], second["sensors"], second["agreement"], out,
                                     trust=Trust(keyring=first["keyring"], require_signed=True))
    return {"out": out, "processed": processed, "outputs": outputs, "checkpoint1": checkpoint1,
            "release": json.loads((out / "evidence.json").read_text()),
            "key": read_verifier(out / "keys" / "mission.key.pub"), "signer": read_signer(out / "keys" / "mission.key")}


def _resign(path: Path, key: Path, sequence: int) -> None:
    from truceline.ledger.manifest import sign_manifest, write_sidecar
    write_sidecar(path, sign_manifest([path], "acoustic-network", sequence, ("2026-11-27T00:00:00.000Z",
                                      "2026-11-27T23:59:59.999Z"), read_signer(key), "2026-11-28T00:00:00.000Z"))


def test_the_run_is_signed_and_its_findings_cite_evidence(run) -> None:
    outputs = run["outputs"]
    assert [p.status for p in outputs.provenance] == ["signed", "signed"]
    assert set(run["processed"].events["evidence"]) == {"signed"}
    assert run["release"]["findings"], "a day with violations releases evidence"
    items = run["release"]["items"]
    tables = {items[key]["table"] for f in run["release"]["findings"] for key in f["cites"]}
    assert tables == {"events", "picks", "sensors"}
    report = (run["out"] / "daily_report.md").read_text()
    assert Checkpoint.parse(open_note(run["release"]["checkpoint"], [run["key"]]).text).origin in report


def test_store_verifies_and_a_cli_run_passes(run) -> None:
    check = verify_store_at(run["out"], run["key"])
    assert check.records > 1000 and check.checkpoints == 2
    result = CliRunner().invoke(cli, ["ledger", "verify", str(run["out"])])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def verify_store_at(out: Path, key):
    with Store.open(out / "store.sqlite") as store:
        return verify_store(store, key)


def test_an_edited_observation_is_named(run, tmp_path) -> None:
    copy_dir = tmp_path / "copy"
    shutil.copytree(run["out"], copy_dir)
    db = sqlite3.connect(copy_dir / "store.sqlite")
    pick_id = db.execute("SELECT pick_id FROM picks ORDER BY run_id, row_index LIMIT 1 OFFSET 7").fetchone()[0]
    db.execute("UPDATE picks SET amplitude = amplitude * 2 WHERE pick_id = ?", (pick_id,))
    db.commit()
    db.close()
    result = CliRunner().invoke(cli, ["ledger", "verify", str(copy_dir)])
    assert result.exit_code != 0
    assert pick_id in result.output and "leaf" in result.output


TAMPERABLE = [("ledger_leaves", "data"), ("ledger_leaves", "leaf_hash"), ("ledger_tiles", "hashes"),
              ("ledger_batches", "record_hashes"), ("ledger_batches", "salts"), ("picks", "pick_id"),
              ("picks", "time"), ("sensors", "lon"), ("events", "kind"), ("quarantine", "reason")]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(TAMPERABLE), row=st.integers(0, 10_000), byte=st.integers(0, 10_000),
       flip=st.integers(1, 255))
def test_any_changed_stored_byte_is_caught_and_named(run, tmp_path, target, row, byte, flip) -> None:
    table, column = target
    path = tmp_path / f"store-{table}-{row}-{byte}-{flip}.sqlite"
    shutil.copy(run["out"] / "store.sqlite", path)
    db = sqlite3.connect(path)
    rowids = [r[0] for r in db.execute(f"SELECT rowid FROM {table} WHERE length({column}) > 0 ORDER BY rowid")]
    rowid = rowids[row % len(rowids)]
    value = db.execute(f"SELECT {column} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()[0]
    raw = bytearray(value if isinstance(value, bytes) else str(value).encode())
    raw[byte % len(raw)] ^= flip
    new = bytes(raw) if isinstance(value, bytes) else _same_type(value, raw)
    db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (new, rowid))
    db.commit()
    db.close()
    with Store.open(path) as store, pytest.raises(LedgerMismatch) as failed:
        verify_store(store, run["key"])
    assert "leaf" in str(failed.value)


def _same_type(value, raw: bytearray):
    text = raw.decode("utf-8", errors="replace")
    if isinstance(value, float):
        try:
            changed = float(text)
        except ValueError:
            changed = value + 1.0
        return changed if changed != value else value + 1.0
    return text if text != value else text + "x"


# ------------------------------------------------------------------ a party, offline


def test_a_party_verifies_the_release_offline(run) -> None:
    release = run["release"]
    assert release["previous_checkpoint"] == run["checkpoint1"]
    head = verify_release(release, run["key"], seen=run["checkpoint1"])
    assert head.size > Checkpoint.parse(open_note(run["checkpoint1"], [run["key"]]).text).size
    sensors = [item for item in release["items"].values() if item["table"] == "sensors"]
    assert sensors
    for item in sensors:
        record = json.loads(item["record"])
        assert "lon" not in record and "lat" not in record and "position_commitment" in record


def test_one_item_verifies_alone(run) -> None:
    release = run["release"]
    key = release["findings"][0]["cites"][1]
    item = release["items"][key]
    alone = {**item, **release["batches"][str(item["leaf_index"])]}
    verify_release(single_item_release(alone, release["checkpoint"]), run["key"])
    alone["row"] += 1
    with pytest.raises(EvidenceError, match=key):
        verify_release(single_item_release(alone, release["checkpoint"]), run["key"])


def test_a_swapped_evidence_item_is_detected(run) -> None:
    release = copy.deepcopy(run["release"])
    picks = [key for key, item in release["items"].items() if item["table"] == "picks"]
    first, last = picks[0], picks[-1]
    other = dict(release["items"][last])
    other["id"] = release["items"][first]["id"]  # a valid record of another observation, cited as this one
    release["items"][first] = other
    with pytest.raises(EvidenceError, match="swapped"):
        verify_release(release, run["key"])


def test_a_split_view_is_detected(run) -> None:
    release = run["release"]
    head = Checkpoint.parse(open_note(release["checkpoint"], [run["key"]]).text)
    forked = Checkpoint(head.origin, head.size, bytes(32), head.extensions)
    other = sign_note(forked.body(), [run["signer"]])  # the same log key, a different history
    with pytest.raises(EvidenceError, match="split view"):
        verify_release(release, run["key"], seen=other)


def test_a_tampered_proof_or_inconsistent_history_fails(run) -> None:
    release = copy.deepcopy(run["release"])
    batch = next(iter(release["batches"].values()))
    batch["leaf_proof"][0] = batch["leaf_proof"][0][:-4] + ("AAA=" if not batch["leaf_proof"][0].endswith("AAA=") else "BBB=")
    with pytest.raises(EvidenceError, match="batch at leaf"):
        verify_release(release, run["key"])
    release = copy.deepcopy(run["release"])
    item = release["items"][release["findings"][0]["cites"][0]]
    item["record_proof"][0] = item["record_proof"][0][:-4] + ("AAA=" if not item["record_proof"][0].endswith("AAA=") else "BBB=")
    with pytest.raises(EvidenceError, match="finding"):
        verify_release(release, run["key"])
    release = copy.deepcopy(run["release"])
    release["consistency"] = release["consistency"][::-1]
    with pytest.raises(EvidenceError, match="not consistent"):
        verify_release(release, run["key"])


def test_an_infinite_value_left_by_an_edit_is_named(run, tmp_path) -> None:
    path = tmp_path / "store.sqlite"
    shutil.copy(run["out"] / "store.sqlite", path)
    db = sqlite3.connect(path)
    db.execute("UPDATE picks SET snr = 1e999 WHERE row_index = 7")  # SQLite stores +Infinity
    db.commit()
    db.close()
    with Store.open(path) as store, pytest.raises(LedgerMismatch) as failed:
        verify_store(store, run["key"])
    assert "stored row 7 cannot be encoded" in str(failed.value)
