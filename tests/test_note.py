"""C2SP signed notes, checkpoints and cosignatures: the Go example, mutations, round trips."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from truceline.ledger.note import (BadSignature, Checkpoint, CosignatureVerifier, NoteError,
                                   cosign, cosignature_message, cosignature_verifier,
                                   open_checkpoint, open_note, sign_checkpoint, sign_note)
from truceline.ledger.signing import Signer, Verifier, key_id

DATA = Path(__file__).resolve().parent / "data"
EXAMPLE_SHA256 = "8c0d3eb2f10114975c3d2a5490f2814c9fad08d34a003257fdad3f974a896c39"
DASH = "\u2014 "


def shared_vector(*parts: str) -> Path:
    """A published vector file, copied into tests/data/vectors with its licence and SHA256SUMS."""
    return DATA.joinpath("vectors", *parts)


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    path = shared_vector("signed-note", "go-sumdb-note-example.json")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == EXAMPLE_SHA256
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def is_rejected(raw: bytes, verifiers: list[Verifier]) -> bool:
    """A note given as bytes is rejected if it is not UTF-8 or open_note refuses it."""
    try:
        open_note(raw.decode("utf-8"), verifiers)
    except (UnicodeDecodeError, NoteError):
        return True
    return False


# ---------------------------------------------------------------------------- the Go example


def test_go_example_verifies(example: dict[str, Any]) -> None:
    verifier = Verifier.from_string(example["verifier_key"])
    opened = open_note(example["signed_note"], [verifier])
    assert opened.text == example["expected"]["note_text"]
    assert [(s.name, s.key_id.hex()) for s in opened.verified] == [("PeterNeumann", "c74f20a3")]
    assert opened.unverified_lines == 0


@pytest.mark.parametrize("mask", [0x01, 0x20, 0x80])
def test_every_text_byte_mutation_is_rejected(example: dict[str, Any], mask: int) -> None:
    verifier = Verifier.from_string(example["verifier_key"])
    raw = example["signed_note"].encode("utf-8")
    text_len = len(example["expected"]["note_text"].encode("utf-8"))
    for i in range(text_len):
        mutated = raw[:i] + bytes([raw[i] ^ mask]) + raw[i + 1:]
        assert is_rejected(mutated, [verifier]), (i, mask)


@pytest.mark.parametrize("mask", [0x01, 0x80, 0xFF])
def test_every_signature_byte_mutation_is_rejected(example: dict[str, Any], mask: int) -> None:
    verifier = Verifier.from_string(example["verifier_key"])
    text, line = example["signed_note"].split("\n\n")
    name, encoded = line.rstrip("\n")[len(DASH):].split(" ")
    payload = base64.b64decode(encoded)
    assert len(payload) == 68
    for i in range(len(payload)):
        bad = payload[:i] + bytes([payload[i] ^ mask]) + payload[i + 1:]
        note = f"{text}\n\n{DASH}{name} {base64.b64encode(bad).decode()}\n"
        with pytest.raises(BadSignature, match="does not verify|unknown key"):
            open_note(note, [verifier])


def test_unknown_name_or_id_is_rejected(example: dict[str, Any]) -> None:
    verifier = Verifier.from_string(example["verifier_key"])
    other = Signer.generate("PeterNeumann").verifier  # same name, another id
    renamed = Verifier.from_public_key("PeterNeuman", verifier.public_key)  # same key, other name
    for known in ([other], [renamed], []):
        with pytest.raises(NoteError, match="unknown key"):
            open_note(example["signed_note"], known)
    note = example["signed_note"].replace("PeterNeumann", "PeterNeumanm")
    with pytest.raises(NoteError, match="unknown key"):
        open_note(note, [verifier])


def test_no_blank_separator_line_is_rejected(example: dict[str, Any]) -> None:
    verifier = Verifier.from_string(example["verifier_key"])
    note = example["signed_note"].replace("\n\n", "\n")
    with pytest.raises(NoteError, match="no blank line"):
        open_note(note, [verifier])


@pytest.mark.parametrize("note, reason", [
    ("text\n\n", "no signature lines"),
    ("text\n\n\u2014 a AAAAAAA=", "newline"),
    ("text\n\n- a AAAAAAA=\n", "em dash"),
    ("text\n\n\u2014 a+b AAAAAAA=\n", "key name"),
    ("text\n\n\u2014 a AAAA\n", "too short"),
    ("text\n\n\u2014 a AAAAAAA\n", "base64"),
    ("te\rxt\n\n\u2014 a AAAAAAA=\n", "control character"),
])
def test_malformed_notes(note: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        open_note(note, [Signer.generate("a").verifier])


def test_unknown_lines_are_counted_and_a_bad_known_line_fails_the_note() -> None:
    log, stranger = Signer.generate("log"), Signer.generate("stranger")
    note = sign_note("hello\n", [stranger, log])
    opened = open_note(note, [log.verifier])
    assert opened.unverified_lines == 1 and opened.verified[0].name == "log"
    forged = note + sign_note("other\n", [log]).split("\n\n")[1]
    with pytest.raises(NoteError, match="does not verify|same key"):
        open_note(forged, [log.verifier])


def test_signature_limit() -> None:
    signers = [Signer.generate(f"s{i}") for i in range(101)]
    with pytest.raises(NoteError, match="more than 100"):
        open_note(sign_note("x\n", signers), [signers[0].verifier])
    opened = open_note(sign_note("x\n", signers[:16]), [s.verifier for s in signers[:16]])
    assert len(opened.verified) == 16


def test_text_may_contain_blank_lines() -> None:
    signer = Signer.generate("poet")
    text = "Ognuno sta solo\n\ned \u00e8 subito sera.\n"
    assert open_note(sign_note(text, [signer]), [signer.verifier]).text == text


@pytest.mark.parametrize("text", ["", "no newline", "bell\a\n"])
def test_sign_note_refuses_bad_text(text: str) -> None:
    with pytest.raises(NoteError):
        sign_note(text, [Signer.generate("a")])


# ---------------------------------------------------------------------------- checkpoints

LINE = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40)


@given(origin=LINE, size=st.integers(0, 2**64), root=st.binary(min_size=32, max_size=32),
       extensions=st.lists(LINE, max_size=3))
def test_checkpoint_round_trip(origin: str, size: int, root: bytes, extensions: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


ROOT = base64.b64encode(bytes(range(32))).decode()


@pytest.mark.parametrize("text, reason", [
    (f"log\n01\n{ROOT}\n", "leading zeros"),
    (f"log\n+1\n{ROOT}\n", "leading zeros"),
    (f"log\n-1\n{ROOT}\n", "leading zeros"),
    (f"log\n 1\n{ROOT}\n", "leading zeros"),
    (f"log\n\n{ROOT}\n", "leading zeros"),
    (f"\n1\n{ROOT}\n", "origin"),
    (f"log\n1\n{ROOT}\n\n", "extension"),
    (f"log\n1\n{ROOT}", "newline"),
    ("log\n1\n", "needs origin"),
    (f"log\n1\n{base64.b64encode(bytes(31)).decode()}\n", "32 bytes"),
    ("log\n1\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\n", "canonical base64"),
    (f"log\n1\n{ROOT[:-1]}\n", "base64"),
    (f"lo\tg\n1\n{ROOT}\n", "control"),
])
def test_checkpoint_parsing_is_strict(text: str, reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        Checkpoint.parse(text)


def test_checkpoint_note_round_trip() -> None:
    log = Signer.generate("mission.example/log")
    checkpoint = Checkpoint("mission.example/log", 7, bytes(range(32)), ("ext",))
    parsed, opened = open_checkpoint(sign_checkpoint(checkpoint, log), [log.verifier])
    assert parsed == checkpoint and opened.verified[0].timestamp is None


# ---------------------------------------------------------------------------- cosignatures


def test_cosignature_key_id_uses_type_4() -> None:
    witness = Signer.generate("witness.example/w1")
    verifier = cosignature_verifier(witness)
    assert isinstance(verifier, CosignatureVerifier)
    assert verifier.key_id == key_id(witness.name, 0x04, witness.public_key)
    assert verifier.key_id != witness.verifier.key_id
    assert CosignatureVerifier.from_string(verifier.to_string()) == verifier
    assert base64.b64decode(verifier.to_string().split("+", 2)[2])[0] == 0x04


def test_cosignature_layout_matches_the_spec_example() -> None:
    # the example line of c2sp.org/tlog-cosignature: key id, then time 1679315147, then 64 bytes
    payload = base64.b64decode("jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJs"
                               "X3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==")
    assert len(payload) == 4 + 8 + 64
    assert int.from_bytes(payload[4:12], "big") == 1679315147
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosignature_message(body, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + body.encode())


def test_cosignature_round_trip() -> None:
    log, witness = Signer.generate("mission.example/log"), Signer.generate("party-a.example/w")
    checkpoint = Checkpoint("mission.example/log", 12, bytes(range(32)))
    line = cosign(checkpoint, witness, 1_800_000_000)
    assert line.startswith(DASH + "party-a.example/w ") and line.endswith("\n")
    note = sign_checkpoint(checkpoint, log) + line
    wv = cosignature_verifier(witness)
    opened = open_note(note, [log.verifier, wv])
    assert [s.timestamp for s in opened.verified] == [None, 1_800_000_000]
    assert opened.timestamp_of(wv) == 1_800_000_000
    assert open_note(note, [wv]).unverified_lines == 1  # the log's line is not a known key here
    with pytest.raises(NoteError, match="unknown key"):
        open_note(note[: note.index(DASH)] + line, [witness.verifier])


def test_cosignature_over_another_checkpoint_is_rejected() -> None:
    log, witness = Signer.generate("log"), Signer.generate("w")
    first = Checkpoint("log", 12, bytes(range(32)))
    second = Checkpoint("log", 12, bytes(32))
    note = sign_checkpoint(first, log) + cosign(second, witness, 5)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note, [log.verifier, cosignature_verifier(witness)])


def test_cosignature_timestamp_is_signed() -> None:
    log, witness = Signer.generate("log"), Signer.generate("w")
    checkpoint = Checkpoint("log", 1, bytes(32))
    line = cosign(checkpoint, witness, 5)
    name, encoded = line.rstrip("\n")[len(DASH):].split(" ")
    payload = bytearray(base64.b64decode(encoded))
    payload[11] ^= 1  # timestamp 5 becomes 4
    note = sign_checkpoint(checkpoint, log) + f"{DASH}{name} {base64.b64encode(payload).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        open_note(note, [cosignature_verifier(witness)])


@pytest.mark.parametrize("timestamp", [-1, 2**63])
def test_cosign_refuses_out_of_range_timestamps(timestamp: int) -> None:
    with pytest.raises(NoteError, match="timestamp"):
        cosign(Checkpoint("log", 1, bytes(32)), Signer.generate("w"), timestamp)
