"""C2SP signed notes, tlog checkpoints and tlog cosignatures, with Ed25519 only.

* https://c2sp.org/signed-note — a text ending in a newline, a blank line, then signature lines
  ``— <key name> <base64(4-byte key id || signature)>``. Type 0x01 signs the text itself.
* https://c2sp.org/tlog-checkpoint — the text of a log's signed tree head:
  ``<origin>\\n<size>\\n<base64 root>\\n`` and optional non-empty extension lines.
* https://c2sp.org/tlog-cosignature (cosignature/v1, type 0x04) — a witness's statement that the
  checkpoint is consistent with everything it saw before. The signature payload is
  key id (4) || timestamp (8, big-endian POSIX seconds) || Ed25519 signature (64), and the signed
  message is ``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint text.

Every signature is checked through the one rule of :mod:`truceline.ledger.signing`.

>>> from truceline.ledger.signing import Signer
>>> log = Signer.generate("mission.example/log")
>>> note = sign_note(Checkpoint("mission.example/log", 0, bytes(32)).body(), [log])
>>> open_note(note, [log.verifier]).verified[0].name
'mission.example/log'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, NamedTuple, Sequence

from truceline.ledger.signing import (COSIGNATURE_V1, Signer, Verifier, check_name, from_base64,
                                      to_base64)

SIGNATURE_PREFIX = "\u2014 "  # em dash U+2014, space
MAX_SIGNATURES = 100
COSIGNATURE_HEADER = "cosignature/v1\n"
MAX_TIMESTAMP = 2**63 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(ValueError):
    """A note, checkpoint or signature that must not be trusted; the message says why."""


class BadSignature(NoteError):
    """A well-formed note whose signatures do not establish it: a known key's signature fails,
    a known key signed twice, or no known key signed at all."""


@dataclass(frozen=True)
class CosignatureVerifier(Verifier):
    """A witness's Ed25519 cosigning key: key id SHA-256(name || 0x0A || 0x04 || key)[:4]."""

    signature_type: ClassVar[int] = COSIGNATURE_V1


class VerifiedSignature(NamedTuple):
    """A signature line that verified: key name, key id, and the cosignature time if any."""

    name: str
    key_id: bytes
    timestamp: int | None = None


@dataclass(frozen=True)
class OpenedNote:
    """The text of a note whose signatures by known keys all verified."""

    text: str
    verified: tuple[VerifiedSignature, ...]
    unverified_lines: int

    def timestamp_of(self, verifier: Verifier) -> int | None:
        """The cosignature time by ``verifier``, or None if it did not cosign."""
        for sig in self.verified:
            if (sig.name, sig.key_id) == (verifier.name, verifier.key_id):
                return sig.timestamp
        return None


# ---------------------------------------------------------------------------- signed notes


def _check_chars(text: str, what: str) -> None:
    if not isinstance(text, str):
        raise NoteError(f"{what} must be text, not {type(text).__name__}")
    bad = next((c for c in text if c < " " and c != "\n"), None)
    if bad is not None:
        raise NoteError(f"{what} contains the control character {bad!r}")


def check_text(text: str) -> None:
    """Refuse a note text that is empty, does not end in a newline or has control characters."""
    _check_chars(text, "note text")
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")


def signature_line(name: str, payload: bytes) -> str:
    """``— <name> <base64(payload)>\\n``, where payload starts with the 4-byte key id."""
    return f"{SIGNATURE_PREFIX}{name} {to_base64(payload)}\n"


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """The signed note: ``text``, a blank line, and one Ed25519 (type 0x01) line per signer."""
    check_text(text)
    if not signers:
        raise NoteError("a note needs at least one signer")
    lines = [signature_line(s.name, s.verifier.key_id + s.sign(text.encode("utf-8")))
             for s in signers]
    return text + "\n" + "".join(lines)


def _split(note: str) -> tuple[str, list[str]]:
    _check_chars(note, "note")
    if not note.endswith("\n"):
        raise NoteError("malformed note: it does not end with a newline")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line separates the text from the signatures")
    text, block = note[:split + 1], note[split + 2:]
    lines = block[:-1].split("\n") if block else []
    if not lines:
        raise NoteError("malformed note: no signature lines after the blank line")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signature lines, more than {MAX_SIGNATURES}")
    return text, lines


def _parse_line(number: int, line: str) -> tuple[str, bytes]:
    where = f"malformed note: signature line {number}"
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError(f"{where} does not start with an em dash and a space")
    name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
    try:
        check_name(name)
        payload = from_base64(encoded, "its signature")
    except ValueError as exc:
        raise NoteError(f"{where}: {exc}") from None
    if len(payload) < 5:
        raise NoteError(f"{where}: signature of {len(payload)} bytes is too short")
    return name, payload


def _verify(verifier: Verifier, text: str, signature: bytes) -> VerifiedSignature:
    ref = verifier.key_ref
    timestamp = None
    if isinstance(verifier, CosignatureVerifier):
        if len(signature) != 8 + 64:
            raise BadSignature(f"cosignature by {ref} has {len(signature)} bytes, not 72")
        timestamp = int.from_bytes(signature[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            raise BadSignature(f"cosignature by {ref} has a timestamp above 2^63 - 1")
        ok = verifier.is_valid(cosignature_message(text, timestamp), signature[8:])
    else:
        ok = verifier.is_valid(text.encode("utf-8"), signature)
    if not ok:
        raise BadSignature(f"the signature by known key {ref} does not verify")
    return VerifiedSignature(verifier.name, verifier.key_id, timestamp)


def _index(verifiers: Sequence[Verifier]) -> dict[tuple[str, bytes], Verifier]:
    known: dict[tuple[str, bytes], Verifier] = {}
    for v in verifiers:
        if known.setdefault((v.name, v.key_id), v) != v:
            raise NoteError(f"two different verifier keys share the name and id {v.key_ref}")
    return known


def open_note(note: str, verifiers: Sequence[Verifier]) -> OpenedNote:
    """Check a signed note against known keys (:class:`Verifier` or :class:`CosignatureVerifier`).

    Lines by unknown keys (name or id not matching) are counted, not checked. Raises
    :class:`NoteError` for a malformed note, a known key's signature that does not verify, two
    signatures by the same key, or no verified signature at all.
    """
    text, lines = _split(note)
    known = _index(verifiers)
    verified: list[VerifiedSignature] = []
    unverified, seen = 0, set()
    for number, line in enumerate(lines, start=1):
        name, payload = _parse_line(number, line)
        verifier = known.get((name, payload[:4]))
        if verifier is None:
            unverified += 1
            continue
        if (name, payload[:4]) in seen:
            raise BadSignature(f"two signatures by the same key {verifier.key_ref}")
        seen.add((name, payload[:4]))
        verified.append(_verify(verifier, text, payload[4:]))
    if not verified:
        wanted = ", ".join(v.key_ref for v in verifiers) or "none given"
        raise BadSignature(f"unknown key: no signature by a known key (known: {wanted})")
    return OpenedNote(text, tuple(verified), unverified)


# ---------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head (C2SP tlog-checkpoint): origin, size, 32-byte root, extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for what, line in [("origin", self.origin)] + [("extension line", e) for e in
                                                        self.extensions]:
            _check_chars(line, f"checkpoint {what}")
            if not line or "\n" in line:
                raise NoteError(f"checkpoint {what} {line!r} must be one non-empty line")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise NoteError(f"checkpoint size {self.size!r} must be a non-negative integer")
        if not isinstance(self.root, bytes) or len(self.root) != 32:
            raise NoteError("checkpoint root hash must be 32 bytes")

    def body(self) -> str:
        """The note text: origin, size, base64 root and extension lines, each ending in '\\n'."""
        lines = [self.origin, str(self.size), to_base64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text strictly (no leading zeros, canonical base64)."""
        check_text(text)
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError(f"checkpoint has {len(lines)} lines, needs origin, size and root hash")
        origin, size, root, *extensions = lines
        if not _DECIMAL.fullmatch(size):
            raise NoteError(f"checkpoint size {size!r} is not a decimal without leading zeros")
        try:
            raw = from_base64(root, "checkpoint root hash")
        except ValueError as exc:
            raise NoteError(str(exc)) from None
        return cls(origin, int(size), raw, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    """The checkpoint as a note signed by the log's key."""
    return sign_note(checkpoint.body(), [signer])


def open_checkpoint(note: str, verifiers: Sequence[Verifier]) -> tuple[Checkpoint, OpenedNote]:
    """Open a checkpoint note (see :func:`open_note`) and parse its text."""
    opened = open_note(note, verifiers)
    return Checkpoint.parse(opened.text), opened


# ---------------------------------------------------------------------------- cosignatures


def cosignature_message(body: str, timestamp: int) -> bytes:
    """``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint note text."""
    return f"{COSIGNATURE_HEADER}time {timestamp}\n{body}".encode("utf-8")


def cosignature_verifier(signer: Signer) -> CosignatureVerifier:
    """The cosigning verifier (type 0x04) of a witness's key."""
    return CosignatureVerifier.from_public_key(signer.name, signer.public_key)


def cosign(checkpoint: Checkpoint, signer: Signer, timestamp: int) -> str:
    """The cosignature/v1 line (ending in '\\n') to append to the checkpoint's note."""
    if isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp {timestamp!r} must be in 0 .. 2^63 - 1")
    body = checkpoint.body()
    signature = signer.sign(cosignature_message(body, timestamp))
    key = cosignature_verifier(signer).key_id
    return signature_line(signer.name, key + timestamp.to_bytes(8, "big") + signature)
