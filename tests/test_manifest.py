"""Signed batch manifests, the keyring, and the verdict on delivered batches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truceline.ledger.keyring import Keyring, KeyringError
from truceline.ledger.manifest import (BatchCheck, Manifest, ManifestError, check_batch, read_sidecar, sequence_gaps, sidecar_path,
                                       sign_manifest, write_sidecar)
from truceline.ledger.signing import KeyRejected, Signer, Verifier

DATA = Path(__file__).resolve().parent / "data"
RANGE = ("2026-11-26T00:00:00.000Z", "2026-11-26T23:59:59.999Z")
CREATED = "2026-11-27T00:05:00.000Z"
PICKS = b"station,time\nN01,2026-11-26T08:15:02.123Z\n"


@pytest.fixture(scope="module")
def signers() -> dict[str, Signer]:
    return {"acoustic-north": Signer.generate("acoustic-north.example"),
            "drone-3": Signer.generate("drone-3.example")}


@pytest.fixture()
def keyring(signers: dict[str, Signer]) -> Keyring:
    keyring = Keyring()
    keyring.register("acoustic-north", "sensor_owner", "Coalition member A",
                     signers["acoustic-north"].verifier)
    keyring.register("drone-3", "drone_unit", "Mission", signers["drone-3"].verifier.to_string())
    return keyring


@pytest.fixture()
def manifest(signers: dict[str, Signer]) -> Manifest:
    return sign_manifest({"picks.csv": PICKS}, "acoustic-north", 42, RANGE,
                         signers["acoustic-north"], CREATED)


def check(manifest: Manifest | str | None, keyring: Keyring,
          payloads: dict[str, bytes] | None = None,
          seen: dict[str, dict[int, str]] | None = None) -> BatchCheck:
    return check_batch(manifest, {"picks.csv": PICKS} if payloads is None else payloads, keyring,
                       seen or {}, where="picks.csv.manifest.json")


# ---------------------------------------------------------------------------- round trips


def test_sign_and_check_round_trip(manifest: Manifest, keyring: Keyring) -> None:
    text = manifest.to_json()
    assert Manifest.from_json(text, "x") == manifest
    assert json.loads(text)["files"][0] == {"name": "picks.csv", "bytes": len(PICKS),
                                            "sha256": manifest.files[0].sha256}
    result = check(text, keyring)
    assert (result.status, result.source_id, result.sequence) == ("signed", "acoustic-north", 42)
    assert result.manifest_sha256 == manifest.sha256() and not result.is_refused
    assert check(manifest, keyring).status == "signed"


def test_message_is_domain_separated_canonical_json(manifest: Manifest) -> None:
    message = manifest.message()
    assert message.startswith(b"truceline-manifest/v1\n{\"created_at\":")
    body = json.loads(message.split(b"\n", 1)[1])
    assert "signature" not in body and body["key"] == manifest.key


def test_sidecar_files(tmp_path: Path, signers: dict[str, Signer], keyring: Keyring) -> None:
    data = tmp_path / "picks.csv"
    data.write_bytes(PICKS)
    assert read_sidecar(data) is None
    manifest = sign_manifest([data], "acoustic-north", 1, RANGE, signers["acoustic-north"], CREATED)
    path = write_sidecar(data, manifest)
    assert path == sidecar_path(data) == tmp_path / "picks.csv.manifest.json"
    assert read_sidecar(data) == manifest
    assert check(path.read_text(encoding="utf-8"), keyring).status == "signed"


def test_streamed_batch(signers: dict[str, Signer], keyring: Keyring) -> None:
    payload = b'{"events": []}'
    manifest = sign_manifest({"stream:batch-0007": payload}, "drone-3", 7, RANGE,
                             signers["drone-3"], CREATED)
    assert check(manifest, keyring, {"stream:batch-0007": payload}).status == "signed"


def test_unsigned_batch(keyring: Keyring) -> None:
    result = check(None, keyring)
    assert result.status == "unsigned" and not result.is_refused


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("position", [0, 7, len(PICKS) - 1])
def test_forged_byte_in_the_file(manifest: Manifest, keyring: Keyring, position: int) -> None:
    forged = bytearray(PICKS)
    forged[position] ^= 0x01
    result = check(manifest, keyring, {"picks.csv": bytes(forged)})
    assert result.status == "forged" and "sha256" in result.reason and "picks.csv" in result.reason
    shorter = check(manifest, keyring, {"picks.csv": PICKS[:-1]})
    assert shorter.status == "forged" and "bytes" in shorter.reason


MUTATIONS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("source_id", lambda d: d.update(source_id="drone-3"), "forged"),
    ("source_id", lambda d: d.update(source_id="nobody"), "unknown-source"),
    ("sequence", lambda d: d.update(sequence=43), "forged"),
    ("files.name", lambda d: d["files"][0].update(name="picks2.csv"), "forged"),
    ("files.sha256", lambda d: d["files"][0].update(sha256="0" * 64), "forged"),
    ("files.bytes", lambda d: d["files"][0].update(bytes=d["files"][0]["bytes"] + 1), "forged"),
    ("files", lambda d: d["files"].append({"name": "x", "sha256": "0" * 64, "bytes": 0}),
     "forged"),
    ("time_range", lambda d: d.update(time_range=[RANGE[0], "2026-11-27T00:00:00.000Z"]),
     "forged"),
    ("created_at", lambda d: d.update(created_at="2026-11-27T00:05:00.001Z"), "forged"),
    ("key", lambda d: d.update(key="acoustic-north.example+00000000"), "forged"),
    ("signature", lambda d: d.update(signature=d["signature"][:10] + (
        "A" if d["signature"][10] != "A" else "B") + d["signature"][11:]), "forged"),
    ("truceline_manifest", lambda d: d.update(truceline_manifest=2), "malformed"),
]


@pytest.mark.parametrize("field, mutate, status", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_every_manifest_field_is_covered(manifest: Manifest, keyring: Keyring, field: str,
                                         mutate: Callable[[dict[str, Any]], None],
                                         status: str) -> None:
    data = manifest.to_dict()
    mutate(data)
    result = check(json.dumps(data), keyring)
    assert result.status == status and result.is_refused
    assert field.split(".")[0] in result.reason or status == "forged"


def test_wrong_key(manifest: Manifest, keyring: Keyring) -> None:
    impostor = Signer.generate("acoustic-north.example")  # same name, another key
    forged = sign_manifest({"picks.csv": PICKS}, "acoustic-north", 42, RANGE, impostor, CREATED)
    result = check(forged, keyring)
    assert result.status == "forged" and "field 'key'" in result.reason
    claimed = sign_manifest({"picks.csv": PICKS}, "acoustic-north", 42, RANGE, impostor, CREATED)
    relabelled = Manifest.from_dict({**claimed.to_dict(), "key": manifest.key}, "x")
    result = check(relabelled, keyring)
    assert result.status == "forged" and "field 'signature'" in result.reason


def test_replays(manifest: Manifest, keyring: Keyring, signers: dict[str, Signer]) -> None:
    seen = {"acoustic-north": {42: manifest.sha256()}}
    again = check(manifest, keyring, seen=seen)
    assert again.status == "replayed" and "the same manifest" in again.reason
    other = sign_manifest({"picks.csv": PICKS}, "acoustic-north", 42, RANGE,
                          signers["acoustic-north"], "2026-11-28T00:00:00.000Z")
    different = check(other, keyring, seen=seen)
    assert different.status == "replayed" and "a different manifest" in different.reason
    assert check(manifest, keyring, seen={"acoustic-north": {41: "x"}}).status == "signed"


def test_unknown_source(signers: dict[str, Signer]) -> None:
    result = check(sign_manifest({"picks.csv": PICKS}, "acoustic-north", 1, RANGE,
                                 signers["acoustic-north"], CREATED), Keyring())
    assert result.status == "unknown-source" and "acoustic-north" in result.reason


def test_missing_and_extra_files(manifest: Manifest, keyring: Keyring) -> None:
    assert check(manifest, keyring, {}).status == "malformed"
    extra = check(manifest, keyring, {"picks.csv": PICKS, "more.csv": b""})
    assert extra.status == "malformed" and "more.csv" in extra.reason


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d.pop("sequence"), "sequence"),
    (lambda d: d.update(sequence=0), "sequence"),
    (lambda d: d.update(sequence="42"), "sequence"),
    (lambda d: d.update(sequence=True), "sequence"),
    (lambda d: d.update(source_id=""), "source_id"),
    (lambda d: d.update(files=[]), "files"),
    (lambda d: d["files"][0].update(name="../etc/passwd"), "files[0].name"),
    (lambda d: d["files"][0].update(sha256="ABC"), "files[0].sha256"),
    (lambda d: d["files"][0].update(bytes=-1), "files[0].bytes"),
    (lambda d: d["files"][0].pop("bytes"), "files[0]"),
    (lambda d: d.update(files=[d["files"][0], d["files"][0]]), "files"),
    (lambda d: d.update(time_range=[RANGE[1], RANGE[0]]), "time_range"),
    (lambda d: d.update(time_range=["2026-11-26T00:00:00", RANGE[1]]), "time_range"),
    (lambda d: d.update(created_at="yesterday"), "created_at"),
    (lambda d: d.update(key="no-id"), "key"),
    (lambda d: d.update(signature="AAAA"), "signature"),
    (lambda d: d.update(signature="!!"), "signature"),
    (lambda d: d.update(extra=1), "extra"),
])
def test_malformed_manifests_name_the_field(manifest: Manifest, keyring: Keyring,
                                            mutate: Callable[[dict[str, Any]], Any],
                                            field: str) -> None:
    data = manifest.to_dict()
    mutate(data)
    with pytest.raises(ManifestError, match=f"^batch.json: field '{field}'".replace("[", r"\[")
                       .replace("]", r"\]")):
        Manifest.from_json(json.dumps(data), "batch.json")
    result = check(json.dumps(data), keyring)
    assert result.status == "malformed" and f"'{field}'" in result.reason


@pytest.mark.parametrize("text", ["{", "[]", "null", ""])
def test_not_json(text: str, keyring: Keyring) -> None:
    with pytest.raises(ManifestError, match="^in.json: "):
        Manifest.from_json(text, "in.json")
    assert check(text, keyring).status == "malformed"


# ---------------------------------------------------------------------------- gaps


def test_sequence_gaps() -> None:
    assert sequence_gaps([]) == []
    assert sequence_gaps([1, 2, 3]) == []
    assert sequence_gaps([3]) == [(1, 2)]
    assert sequence_gaps([1, 4, 4, 10, 5]) == [(2, 3), (6, 9)]
    with pytest.raises(ValueError):
        sequence_gaps([0, 1])


@given(st.sets(st.integers(1, 200)))
def test_gaps_and_seen_partition_the_range(seen: set[int]) -> None:
    missing = {n for lo, hi in sequence_gaps(seen) for n in range(lo, hi + 1)}
    assert missing.isdisjoint(seen)
    assert missing | seen == set(range(1, max(seen, default=0) + 1))


# ---------------------------------------------------------------------------- the keyring


def test_registration_refuses_weak_keys_from_the_vectors() -> None:
    path = DATA / "vectors" / "ed25519" / "ed25519vectors.json"
    vectors = json.loads(path.read_text(encoding="utf-8"))
    weak = {v["key"] for v in vectors
            if {"low_order_A", "non_canonical_A"} & set(v["flags"] or ())}
    keyring = Keyring()
    for i, hex_key in enumerate(sorted(weak)):
        verifier = Verifier.from_public_key("weak.example", bytes.fromhex(hex_key))
        with pytest.raises(KeyRejected, match=f"source 'weak-{i}'"):
            keyring.register(f"weak-{i}", "sensor_owner", "Someone", verifier)
    assert len(keyring) == 0


def test_registration_refuses_duplicates(keyring: Keyring, signers: dict[str, Signer]) -> None:
    with pytest.raises(KeyRejected, match="'acoustic-north' is already registered"):
        keyring.register("acoustic-north", "sensor_owner", "B", Signer.generate("b").verifier)
    with pytest.raises(KeyRejected, match="already registered to source 'acoustic-north'"):
        keyring.register("acoustic-south", "sensor_owner", "B",
                         signers["acoustic-north"].verifier)
    with pytest.raises(ValueError, match="kind 'artillery'"):
        keyring.register("x", "artillery", "B", Signer.generate("x").verifier)
    assert len(keyring) == 2 and "drone-3" in keyring


def test_keyring_yaml_round_trip(tmp_path: Path, keyring: Keyring) -> None:
    path = tmp_path / "keyring.yaml"
    keyring.save(path)
    loaded = Keyring.load(path)
    assert list(loaded) == list(keyring)
    assert loaded.get("drone-3") == keyring.get("drone-3")
    assert loaded.get("nobody") is None


@pytest.mark.parametrize("text, error, reason", [
    ("sources: [", KeyringError, "not valid YAML"),
    ("other: []", KeyringError, "expected a mapping with a 'sources' list"),
    ("sources:\n  - {id: a, kind: sensor_owner, owner: A}", KeyringError, r"sources\[0\]: needs"),
    ("sources:\n  - {id: a, kind: tank, owner: A, key: KEY}", KeyringError,
     r"sources\[0\] \(a\): kind 'tank'"),
    ("sources:\n  - {id: a, kind: mission, owner: A, key: 'a+00000000+AAAA'}", KeyRejected,
     r"sources\[0\] \(a\): .*33 bytes"),
])
def test_keyring_load_errors_name_file_and_entry(tmp_path: Path, signers: dict[str, Signer],
                                                 text: str, error: type[Exception],
                                                 reason: str) -> None:
    path = tmp_path / "keys.yaml"
    path.write_text(text.replace("KEY", signers["drone-3"].verifier.to_string()), encoding="utf-8")
    with pytest.raises(error, match=f"keys.yaml: {reason}"):
        Keyring.load(path)
