"""Signed inputs, refusals, gaps, keys and witnesses through the command line (ingest: no processing)."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from truceline.app import run_simulate
from truceline.cli import cli
from truceline.ledger.manifest import sidecar_path
from truceline.ledger.witness import state_path


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> dict[str, Path]:
    return run_simulate(tmp_path_factory.mktemp("signed") / "scenario", agreement=None, seed=5,
                        day=date(2026, 11, 26), calm=True, engagements=2)


@pytest.fixture
def feeds(scenario, tmp_path) -> dict[str, Path]:
    """A private copy of the signed feeds (tests tamper with them)."""
    copy = tmp_path / "feeds"
    shutil.copytree(scenario["picks"].parent, copy)
    return {k: copy / Path(v).name for k, v in scenario.items() if k != "truth"}


def ingest(feeds, out: Path, *extra: object):
    return invoke("ingest", "--picks", feeds["picks"], "--sensors", feeds["sensors"], "--out", out, *extra)


def quarantine_reasons(out: Path) -> list[str]:
    with open(out / "quarantine.csv", newline="", encoding="utf-8") as fh:
        return [row["reason"] for row in csv.DictReader(fh)]


def test_signed_feeds_are_accepted_and_committed(feeds, tmp_path) -> None:
    result = ingest(feeds, tmp_path / "out", "--keyring", feeds["keyring"], "--require-signed")
    assert result.exit_code == 0, result.output
    assert "picks.csv: signed by acoustic-network, sequence 2" in result.output
    assert invoke("ledger", "verify", tmp_path / "out").exit_code == 0


def test_unsigned_is_refused_when_signatures_are_required(feeds, tmp_path) -> None:
    sidecar_path(feeds["picks"]).unlink()
    result = ingest(feeds, tmp_path / "out", "--keyring", feeds["keyring"], "--require-signed")
    assert result.exit_code == 0, result.output
    assert "REFUSED" in result.output and "accepted 0" in result.output
    reasons = quarantine_reasons(tmp_path / "out")
    assert reasons and all("no signed manifest" in r for r in reasons if "picks.csv" in r)


def test_unsigned_is_allowed_locally_and_marked(feeds, tmp_path) -> None:
    sidecar_path(feeds["picks"]).unlink()
    result = ingest(feeds, tmp_path / "out", "--keyring", feeds["keyring"])
    assert result.exit_code == 0, result.output
    assert "picks.csv: UNSIGNED" in result.output


def test_a_forged_file_is_quarantined_with_the_reason(feeds, tmp_path) -> None:
    text = feeds["picks"].read_text()
    feeds["picks"].write_text(text.replace(",launch,", ",impact,", 1))
    result = ingest(feeds, tmp_path / "out", "--keyring", feeds["keyring"])
    assert "REFUSED (forged)" in result.output, result.output
    received = sum(1 for _ in open(feeds["picks"])) - 1
    reasons = [r for r in quarantine_reasons(tmp_path / "out") if "forged" in r]
    assert len(reasons) == received
    assert f"received {received} = accepted 0 + duplicates 0 + quarantined {received}" in result.output


def test_a_replay_is_refused_and_a_gap_is_reported(feeds, tmp_path) -> None:
    out = tmp_path / "out"
    assert ingest(feeds, out, "--keyring", feeds["keyring"]).exit_code == 0
    result = ingest(feeds, out, "--keyring", feeds["keyring"])
    assert "REFUSED (replayed)" in result.output
    key = feeds["keyring"].parent / "keys" / "acoustic-network.key"
    assert invoke("sign", feeds["sensors"], feeds["picks"], "--key", key, "--source", "acoustic-network",
                  "--sequence", 5).exit_code == 0
    result = ingest(feeds, out, "--keyring", feeds["keyring"])
    assert "sequence 6" in result.output
    assert "missing sequence numbers" in result.output and "3-4" in result.output
    assert invoke("ledger", "verify", out).exit_code == 0


def test_keys_generate_register_refuse_and_sign(tmp_path) -> None:
    result = invoke("keys", "generate", "drone-7", "--out", tmp_path / "drone.key")
    assert result.exit_code == 0, result.output
    ring = tmp_path / "sources.yaml"
    ok = invoke("keys", "register", "--keyring", ring, "--id", "drone-7", "--kind", "drone_unit", "--owner", "Unit 7",
                "--key", tmp_path / "drone.key.pub")
    assert ok.exit_code == 0, ok.output
    again = invoke("keys", "register", "--keyring", ring, "--id", "drone-8", "--kind", "drone_unit",
                   "--owner", "Unit 8", "--key", tmp_path / "drone.key.pub")
    assert again.exit_code != 0 and "already registered" in again.output
    vectors = json.loads((Path(__file__).resolve().parent / "data/vectors/ed25519/ed25519vectors.json").read_text())
    low = next(v for v in vectors if "low_order_A" in v["flags"])
    import base64
    from truceline.ledger.signing import key_id
    raw = bytes.fromhex(low["key"])
    bad = f"evil+{key_id('evil', 1, raw).hex()}+{base64.b64encode(bytes([1]) + raw).decode()}"
    refused = invoke("keys", "register", "--keyring", ring, "--id", "evil", "--kind", "drone_unit",
                     "--owner", "?", "--key", bad)
    assert refused.exit_code != 0 and "REFUSED" in refused.output


def test_witness_cosigns_growth_and_refuses_a_fork(feeds, tmp_path) -> None:
    out, party = tmp_path / "out", tmp_path / "party-a"
    assert ingest(feeds, out).exit_code == 0
    assert invoke("keys", "generate", "party-a", "--out", tmp_path / "party.key").exit_code == 0
    log_key = out / "keys" / "mission.key.pub"
    first = tmp_path / "cp1.txt"
    shutil.copy(out / "checkpoint.txt", first)
    args = ("witness", "--state", party, "--log-key", log_key, "--key", tmp_path / "party.key")
    result = invoke(*args, "--checkpoint", first)
    assert result.exit_code == 0, result.output
    assert result.output.count("\u2014 ") == 2  # the log's signature and the cosignature
    size1 = int(first.read_text().splitlines()[1])
    feeds2 = dict(feeds)
    assert ingest(feeds2, out).exit_code == 0  # a replay: refused, but the log grows
    (tmp_path / "proof.txt").write_text(invoke("ledger", "consistency", out, "--from-size", size1).output)
    result = invoke(*args, "--checkpoint", out / "checkpoint.txt", "--proof", tmp_path / "proof.txt")
    assert result.exit_code == 0, result.output
    state_before = state_path(party).read_text()
    result = invoke(*args, "--checkpoint", first)  # an older head now: a rollback
    assert result.exit_code != 0 and "REFUSED" in result.output
    assert state_path(party).read_text() == state_before


def test_process_report_and_verify_on_either_engine(feeds, tmp_path, store_target) -> None:
    out, store = tmp_path / "out", str(store_target)
    result = invoke("process", "--picks", feeds["picks"], "--sensors", feeds["sensors"], "--agreement",
                    feeds["agreement"], "--out", out, "--keyring", feeds["keyring"], "--require-signed",
                    "--store", store)
    assert result.exit_code == 0, result.output
    assert (out / "store.sqlite").exists() is (store == str(out / "store.sqlite"))
    verified = invoke("ledger", "verify", out, "--store", store)
    assert verified.exit_code == 0, verified.output
    assert "stored records re-hashed" in verified.output and "evidence items prove" in verified.output
    again = invoke("report", "--dir", out, "--agreement", feeds["agreement"], "--store", store)
    assert again.exit_code == 0, again.output
    assert "ledger checkpoint" in (out / "daily_report.md").read_text()
