"""What a party runs: a witness that cosigns the mission log's checkpoints after checking them.

A witness remembers, in a JSON state file in its own folder, the last checkpoint of one log it
cosigned. Given a new checkpoint note and a consistency proof from that checkpoint, it checks

* the log's signature on the note (``bad-signature``) and the note's form (``malformed``);
* the origin: the same log as before (``wrong-origin``);
* the size: never smaller than before (``rollback``);
* an equal size has an equal root, else the log shows two views of itself (``split-view``);
* a larger size extends the old tree (RFC 9162 consistency proof, ``inconsistent``);

and only then stores the new state (atomically) and adds its cosignature (C2SP
tlog-cosignature/v1). On any error the state file is left exactly as it was.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from truceline.ledger.merkle import ProofError, root_of, verify_consistency
from truceline.ledger.note import BadSignature, Checkpoint, NoteError, cosign, open_checkpoint
from truceline.ledger.signing import Signer, Verifier, from_base64, to_base64

STATE_FILE = "witness-state.json"
KINDS = ("split-view", "inconsistent", "rollback", "bad-signature", "wrong-origin", "malformed",
         "bad-state")


class WitnessError(ValueError):
    """A checkpoint the witness refuses to cosign; ``kind`` is one of :data:`KINDS`."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind


@dataclass(frozen=True)
class WitnessState:
    """The last checkpoint the witness cosigned: origin, size, root and the note it came in."""

    origin: str
    size: int
    root: bytes
    checkpoint_note: str

    def __post_init__(self) -> None:
        Checkpoint(self.origin, self.size, self.root)  # raises NoteError for a bad field
        if not isinstance(self.checkpoint_note, str):
            raise ValueError("checkpoint must be the text of a note")

    @property
    def checkpoint(self) -> Checkpoint:
        """The remembered tree head (without extension lines)."""
        return Checkpoint(self.origin, self.size, self.root)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the state file."""
        return {"origin": self.origin, "size": self.size, "root": to_base64(self.root),
                "checkpoint": self.checkpoint_note}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> WitnessState:
        """Read the state file's JSON object; errors (kind ``bad-state``) name the file."""
        try:
            return cls(data["origin"], data["size"], from_base64(data["root"], "root"),
                       data["checkpoint"])
        except (KeyError, TypeError, ValueError) as exc:
            raise WitnessError("bad-state", f"{where} is not a witness state ({exc})") from None


@dataclass(frozen=True)
class WitnessResult:
    """A cosigned checkpoint: the line the witness added and the note with it appended."""

    checkpoint: Checkpoint
    previous_size: int | None
    cosignature: str
    cosigned_note: str


def state_path(state_dir: Path) -> Path:
    """The state file inside the witness's folder."""
    return Path(state_dir) / STATE_FILE


def load_state(state_dir: Path) -> WitnessState | None:
    """The remembered checkpoint, or None before the first one."""
    path = state_path(state_dir)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise WitnessError("bad-state", f"{path} cannot be read ({exc})") from None
    return WitnessState.from_dict(data, str(path))


def save_state(state_dir: Path, state: WitnessState) -> None:
    """Write the state file atomically (a temporary file, then ``os.replace``)."""
    path = state_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        json.dump(state.to_dict(), out, indent=2, ensure_ascii=False)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def check_split_view(a: Checkpoint, b: Checkpoint) -> None:
    """Raise ``split-view`` when two checkpoints of one log and size have different roots."""
    if a.origin == b.origin and a.size == b.size and a.root != b.root:
        raise WitnessError("split-view", f"two checkpoints of {a.origin!r} at size {a.size} "
                                         f"have different roots ({to_base64(a.root)} and "
                                         f"{to_base64(b.root)})")


def check_extends(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes]) -> None:
    """Raise :class:`WitnessError` unless ``new`` is the same log as ``old``, grown or equal."""
    if new.origin != old.origin:
        raise WitnessError("wrong-origin", f"checkpoint is of {new.origin!r}, this witness "
                                           f"follows {old.origin!r}")
    if new.size < old.size:
        raise WitnessError("rollback", f"checkpoint size {new.size} is smaller than the size "
                                       f"{old.size} already cosigned")
    check_split_view(old, new)
    if new.size == old.size or old.size == 0:  # every tree extends the empty tree
        return
    try:
        verify_consistency(old.size, new.size, old.root, new.root, list(proof))
    except ProofError as exc:
        raise WitnessError("inconsistent", f"size {new.size} does not extend the cosigned size "
                                           f"{old.size}: {exc}") from None


def open_log_checkpoint(note: str, log_verifier: Verifier) -> Checkpoint:
    """The checkpoint of a note signed by the log (``bad-signature`` / ``malformed`` errors)."""
    try:
        checkpoint, _ = open_checkpoint(note, [log_verifier])
    except BadSignature as exc:
        raise WitnessError("bad-signature", f"checkpoint note: {exc}") from None
    except NoteError as exc:
        raise WitnessError("malformed", f"checkpoint note: {exc}") from None
    if checkpoint.size == 0 and checkpoint.root != root_of([]):
        raise WitnessError("inconsistent", "an empty log must have the root SHA-256(\"\")")
    return checkpoint


def witness_cosign(state_dir: Path, checkpoint_note: str, proof: Sequence[bytes],
                   log_verifier: Verifier, signer: Signer, now: int) -> WitnessResult:
    """Check a new checkpoint against the remembered one, remember it and cosign it.

    ``proof`` is the consistency proof from the remembered size to the new one (ignored for the
    first checkpoint and for an equal size); ``now`` is the cosignature time (POSIX seconds).
    """
    checkpoint = open_log_checkpoint(checkpoint_note, log_verifier)
    state = load_state(state_dir)
    if state is not None:
        check_extends(state.checkpoint, checkpoint, proof)
    line = cosign(checkpoint, signer, now)
    save_state(state_dir, WitnessState(checkpoint.origin, checkpoint.size, checkpoint.root,
                                       checkpoint_note))
    return WitnessResult(checkpoint, None if state is None else state.size, line,
                         checkpoint_note + line)
