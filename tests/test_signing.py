"""The one Ed25519 rule against the 914 CCTV edge-case vectors, and the note key strings."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from truceline.ledger.signing import (KeyRejected, SignatureError, Signer, Verifier,
                                      check_public_key, from_base64, generate, is_valid_signature,
                                      key_id, sign, verify)

DATA = Path(__file__).resolve().parent / "data"
VECTORS_SHA256 = "b38e84caf3e7e89170ff520292dbeae421b0a794c27408ce5ce973018fe3d7f9"
NOTE_EXAMPLE = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
REFUSED_KEY_FLAGS = ("low_order_A", "non_canonical_A")
NEVER_ACCEPTED_FLAGS = ("low_order_A", "non_canonical_A", "low_order_R", "non_canonical_R")


def shared_vector(*parts: str) -> Path:
    """A published vector file, copied into tests/data/vectors with its licence and SHA256SUMS."""
    return DATA.joinpath("vectors", *parts)


@pytest.fixture(scope="module")
def vectors() -> list[dict[str, Any]]:
    path = shared_vector("ed25519", "ed25519vectors.json")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == VECTORS_SHA256
    data: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def decisions(vectors: list[dict[str, Any]]) -> dict[int, bool]:
    return {v["number"]: is_valid_signature(bytes.fromhex(v["key"]), v["msg"].encode(),
                                            bytes.fromhex(v["sig"])) for v in vectors}


def flags(v: dict[str, Any]) -> set[str]:
    return set(v["flags"] or ())


def test_every_vector_matches_the_recorded_decision(decisions: dict[int, bool]) -> None:
    expected = json.loads((DATA / "ed25519_expected.json").read_text(encoding="utf-8"))
    assert len(decisions) == expected["vectors"] == 914
    accepted = set(expected["accepted"])
    changed = sorted(n for n, ok in decisions.items() if ok != (n in accepted))
    assert changed == [], f"the Ed25519 rule changed its decision on vectors {changed}"


def test_no_low_order_or_non_canonical_point_is_accepted(vectors: list[dict[str, Any]],
                                                          decisions: dict[int, bool]) -> None:
    for v in vectors:
        if flags(v) & set(NEVER_ACCEPTED_FLAGS):
            assert not decisions[v["number"]], v


def test_accept_count(vectors: list[dict[str, Any]], decisions: dict[int, bool]) -> None:
    # libsodium alone (PyNaCl's VerifyKey) accepts 43 vectors: 42 of them use a mixed-order
    # public key (flag low_order_component_A), which check_public_key refuses because the key is
    # not in the prime-order subgroup. Only vector 305, the one without any flag, remains.
    accepted = [v for v in vectors if decisions[v["number"]]]
    assert [v["number"] for v in accepted] == [305]
    assert all(not flags(v) for v in accepted)


def test_check_public_key_refuses_every_flagged_key(vectors: list[dict[str, Any]]) -> None:
    bad = {v["key"] for v in vectors if flags(v) & set(REFUSED_KEY_FLAGS)}
    assert len(bad) >= 10
    for hex_key in bad:
        with pytest.raises(KeyRejected):
            check_public_key(bytes.fromhex(hex_key))


def test_check_public_key_refuses_mixed_order_keys(vectors: list[dict[str, Any]]) -> None:
    mixed = {v["key"] for v in vectors if "low_order_component_A" in flags(v)}
    for hex_key in mixed:
        with pytest.raises(KeyRejected):
            check_public_key(bytes.fromhex(hex_key))


@pytest.mark.parametrize("key", [b"", b"\x01" * 31, b"\x01" * 33])
def test_check_public_key_refuses_wrong_lengths(key: bytes) -> None:
    with pytest.raises(KeyRejected, match="32 bytes"):
        check_public_key(key)


def test_fresh_keys_pass_and_sign() -> None:
    seed, public_key = generate()
    check_public_key(public_key)
    signature = sign(seed, b"batch")
    assert is_valid_signature(public_key, b"batch", signature)
    assert not is_valid_signature(public_key, b"batch!", signature)
    verify(public_key, b"batch", signature)
    with pytest.raises(SignatureError):
        verify(public_key, b"other", signature)


@pytest.mark.parametrize("args", [(b"k", b"m", b"s"), (b"\x00" * 32, b"m", b"\x00" * 63),
                                  ("text", b"m", b"\x00" * 64), (b"\x00" * 32, b"m", None)])
def test_is_valid_signature_never_raises(args: tuple[Any, Any, Any]) -> None:
    assert is_valid_signature(*args) is False


def test_key_id_of_the_signed_note_example() -> None:
    verifier = Verifier.from_string(NOTE_EXAMPLE)
    assert verifier.name == "PeterNeumann"
    assert verifier.key_id.hex() == "c74f20a3"
    assert key_id("PeterNeumann", 0x01, verifier.public_key).hex() == "c74f20a3"
    assert verifier.to_string() == NOTE_EXAMPLE
    assert verifier.key_ref == "PeterNeumann+c74f20a3"


def test_signer_and_verifier_strings_round_trip() -> None:
    signer = Signer.generate("mission.example/log")
    text = signer.to_string()
    assert text.startswith("PRIVATE+KEY+mission.example/log+")
    assert Signer.from_string(text) == signer
    assert Verifier.from_string(signer.verifier.to_string()) == signer.verifier
    assert signer.verifier.is_valid(b"m", signer.sign(b"m"))
    assert signer.seed.hex() not in repr(signer)


@pytest.mark.parametrize("text, reason", [
    ("PeterNeumann+c74f20a3", "must be"),
    ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "contains"),
    ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "hex"),
    ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
    ("PeterNeumann+c74f20a3+BBpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "signature type"),
    ("PeterNeumann+c74f20a3+AQE=", "33 bytes"),
    ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T!", "base64"),
    ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "non-empty"),
])
def test_verifier_parsing_errors(text: str, reason: str) -> None:
    with pytest.raises(KeyRejected, match=reason):
        Verifier.from_string(text)


@pytest.mark.parametrize("name", ["", "a+b", "a b", "a\u00a0b", "a\u2003b", "a\tb", "a\u2028b"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        Signer(name, b"\x00" * 32)


def test_private_key_parsing_errors() -> None:
    signer = Signer.generate("w")
    good = signer.to_string()
    with pytest.raises(KeyRejected, match="PRIVATE"):
        Signer.from_string(good.replace("PRIVATE+KEY+", ""))
    wrong_id = good.split("+", 4)
    wrong_id[3] = "00000000" if wrong_id[3] != "00000000" else "00000001"
    with pytest.raises(KeyRejected, match="does not match"):
        Signer.from_string("+".join(wrong_id))


def test_from_base64_is_strict() -> None:
    assert from_base64("AAE=", "x") == b"\x00\x01"
    for text in ("AAF=", "AAE", "AA E=", "AAE=\n"):
        with pytest.raises(ValueError):
            from_base64(text, "x")


@pytest.mark.parametrize("first", range(0, 256, 8))
def test_key_strings_round_trip_for_fixed_seeds(first: int) -> None:
    # fixed seeds, so keys whose base64 contains '+' or '/' are always exercised
    signer = Signer("log.example/a", bytes(range(first, first + 32)) if first <= 224
                    else bytes([first]) * 32)
    assert Signer.from_string(signer.to_string()) == signer
    assert Verifier.from_string(signer.verifier.to_string()) == signer.verifier
