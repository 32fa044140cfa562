"""The witness: cosigns a growing log, refuses forks, rollbacks and bad signatures."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from truceline.ledger.merkle import consistency_path, leaf_hash, root_of
from truceline.ledger.note import Checkpoint, cosignature_verifier, open_note, sign_checkpoint
from truceline.ledger.signing import Signer
from truceline.ledger.witness import (STATE_FILE, WitnessError, check_split_view, load_state,
                                      state_path, witness_cosign)

ORIGIN = "mission.example/ledger"
NOW = 1_800_000_000
LOG = Signer.generate(ORIGIN)
WITNESS = Signer.generate("party-a.example/witness")


def leaves(n: int, fork_at: int | None = None) -> list[bytes]:
    """Leaf hashes of the log; a fork rewrites leaf ``fork_at``."""
    return [leaf_hash(f"leaf {i}{' forked' if i == fork_at else ''}".encode()) for i in range(n)]


def note_of(hashes: list[bytes], origin: str = ORIGIN, log: Signer = LOG) -> str:
    return sign_checkpoint(Checkpoint(origin, len(hashes), root_of(hashes)), log)


def proof(hashes: list[bytes], old: int) -> list[bytes]:
    return consistency_path(hashes, old) if 0 < old < len(hashes) else []


def cosign_at(state: Path, hashes: list[bytes], old: int, now: int = NOW) -> str:
    return witness_cosign(state, note_of(hashes), proof(hashes, old), LOG.verifier, WITNESS,
                          now).cosigned_note


def grow(state: Path, sizes: list[int]) -> None:
    old = 0
    for size in sizes:
        cosign_at(state, leaves(size), old)
        old = size


def test_growing_log_is_cosigned(tmp_path: Path) -> None:
    old = 0
    for step, size in enumerate([1, 2, 3, 7, 8, 8, 20, 33]):
        result = witness_cosign(tmp_path, note_of(leaves(size)), proof(leaves(size), old),
                                LOG.verifier, WITNESS, NOW + step)
        assert result.previous_size == (old if step else None)
        opened = open_note(result.cosigned_note, [LOG.verifier, cosignature_verifier(WITNESS)])
        assert opened.timestamp_of(cosignature_verifier(WITNESS)) == NOW + step
        assert result.cosigned_note.endswith(result.cosignature)
        state = load_state(tmp_path)
        assert state is not None and (state.size, state.root) == (size, root_of(leaves(size)))
        old = size


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=6))
def test_any_growing_sequence_is_cosigned(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        grow(Path(folder), sorted(sizes))
        state = load_state(Path(folder))
        assert state is not None and state.size == max(sizes)


def refuse(state_dir: Path, note: str, proof_hashes: list[bytes], kind: str) -> None:
    """Assert the witness refuses with ``kind`` and leaves the state file untouched."""
    before = state_path(state_dir).read_bytes()
    with pytest.raises(WitnessError) as caught:
        witness_cosign(state_dir, note, proof_hashes, LOG.verifier, WITNESS, NOW + 99)
    assert caught.value.kind == kind, str(caught.value)
    assert str(caught.value).startswith(kind + ": ")
    assert state_path(state_dir).read_bytes() == before
    assert [p.name for p in state_dir.iterdir()] == [STATE_FILE]


def test_split_view_is_detected(tmp_path: Path) -> None:
    grow(tmp_path, [3, 5])
    refuse(tmp_path, note_of(leaves(5, fork_at=3)), [], "split-view")


def test_forked_log_has_no_consistency_proof(tmp_path: Path) -> None:
    grow(tmp_path, [5])
    fork = leaves(8, fork_at=2)
    refuse(tmp_path, note_of(fork), consistency_path(fork, 5), "inconsistent")
    refuse(tmp_path, note_of(leaves(8)), consistency_path(fork, 5), "inconsistent")
    refuse(tmp_path, note_of(leaves(8)), [], "inconsistent")
    cosign_at(tmp_path, leaves(8), 5)  # the honest log still goes on


def test_rollback_is_refused(tmp_path: Path) -> None:
    grow(tmp_path, [4, 9])
    refuse(tmp_path, note_of(leaves(4)), [], "rollback")


def test_bad_signatures_are_refused(tmp_path: Path) -> None:
    grow(tmp_path, [2])
    refuse(tmp_path, note_of(leaves(3), log=Signer.generate(ORIGIN)), proof(leaves(3), 2),
           "bad-signature")
    tampered = note_of(leaves(3)).replace("\n3\n", "\n4\n")
    refuse(tmp_path, tampered, proof(leaves(3), 2), "bad-signature")
    refuse(tmp_path, "not a note", [], "malformed")


def test_wrong_origin_is_refused(tmp_path: Path) -> None:
    grow(tmp_path, [2])
    refuse(tmp_path, note_of(leaves(3), origin="other.example/log"), proof(leaves(3), 2),
           "wrong-origin")


def test_first_checkpoint_needs_no_proof_and_empty_log(tmp_path: Path) -> None:
    grow(tmp_path, [0, 0, 6])
    bogus = sign_checkpoint(Checkpoint(ORIGIN, 0, bytes(32)), LOG)
    with pytest.raises(WitnessError, match="inconsistent"):
        witness_cosign(tmp_path / "fresh", bogus, [], LOG.verifier, WITNESS, NOW)
    assert load_state(tmp_path / "fresh") is None


def test_corrupt_state_is_reported(tmp_path: Path) -> None:
    state_path(tmp_path).write_text("{not json", encoding="utf-8")
    with pytest.raises(WitnessError, match="bad-state"):
        witness_cosign(tmp_path, note_of(leaves(1)), [], LOG.verifier, WITNESS, NOW)
    state_path(tmp_path).write_text('{"origin": "x", "size": -1, "root": "", "checkpoint": ""}',
                                    encoding="utf-8")
    with pytest.raises(WitnessError, match="bad-state"):
        load_state(tmp_path)


def test_check_split_view() -> None:
    a = Checkpoint(ORIGIN, 5, root_of(leaves(5)))
    check_split_view(a, a)
    check_split_view(a, Checkpoint("other", 5, root_of(leaves(5, fork_at=1))))
    check_split_view(a, Checkpoint(ORIGIN, 6, root_of(leaves(6, fork_at=1))))
    with pytest.raises(WitnessError) as caught:
        check_split_view(a, Checkpoint(ORIGIN, 5, root_of(leaves(5, fork_at=1))))
    assert caught.value.kind == "split-view"
