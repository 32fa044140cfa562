"""Signed batch manifests, and checking a delivered batch against the keyring.

A source (sensor owner, drone unit, satellite provider, a party's claims desk) signs every file
it delivers with a JSON sidecar ``<file>.manifest.json``::

    {"truceline_manifest": 1, "source_id": "acoustic-north", "sequence": 42,
     "files": [{"name": "picks.csv", "sha256": "<hex>", "bytes": 12345}],
     "time_range": ["2026-11-26T00:00:00.000Z", "2026-11-26T23:59:59.999Z"],
     "created_at": "2026-11-27T00:05:00.000Z", "key": "<verifier name>+<hex key id>",
     "signature": "<base64 Ed25519 signature>"}

The signed message is ``truceline-manifest/v1\\n`` followed by the canonical JSON of the manifest
without ``signature`` (sorted keys, no spaces, UTF-8). A streamed batch uses the same envelope
with one file named ``stream:<batch id>``. Sequences start at 1 and never repeat per source.

Sources are registered in a :class:`~truceline.ledger.keyring.Keyring` (a YAML file, see
:mod:`truceline.ledger.keyring`); :func:`check_batch` decides whether
a delivered batch counts as signed evidence, and :func:`sequence_gaps` shows withheld batches.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from truceline.ledger.keyring import Keyring, RegisteredSource
from truceline.ledger.signing import Signer, from_base64, to_base64
from truceline.model.timefmt import from_iso

VERSION = 1
DOMAIN = b"truceline-manifest/v1\n"
SIDECAR_SUFFIX = ".manifest.json"
FIELDS = ("truceline_manifest", "source_id", "sequence", "files", "time_range", "created_at",
          "key", "signature")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY_REF = re.compile(r"[^+\s]+\+[0-9a-f]{8}")


class ManifestError(ValueError):
    """A manifest that cannot be read; the message names the file and the field."""


@dataclass(frozen=True)
class FileEntry:
    """One delivered file: its name, SHA-256 (lowercase hex) and size in bytes."""

    name: str
    sha256: str
    size: int

    @classmethod
    def of(cls, name: str, payload: bytes) -> FileEntry:
        """The entry describing ``payload`` delivered as ``name``."""
        return cls(name, hashlib.sha256(payload).hexdigest(), len(payload))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``bytes`` holds the size)."""
        return {"name": self.name, "sha256": self.sha256, "bytes": self.size}


@dataclass(frozen=True)
class Manifest:
    """A source's signed statement of what it delivered (see the module docstring)."""

    source_id: str
    sequence: int
    files: tuple[FileEntry, ...]
    time_range: tuple[str, str]
    created_at: str
    key: str
    signature: bytes

    def unsigned_dict(self) -> dict[str, Any]:
        """The JSON object without ``signature``."""
        return {"truceline_manifest": VERSION, "source_id": self.source_id,
                "sequence": self.sequence, "files": [f.to_dict() for f in self.files],
                "time_range": list(self.time_range), "created_at": self.created_at,
                "key": self.key}

    def to_dict(self) -> dict[str, Any]:
        """The full JSON object."""
        return {**self.unsigned_dict(), "signature": to_base64(self.signature)}

    def message(self) -> bytes:
        """The bytes the source signs: the domain line and the canonical unsigned JSON."""
        return DOMAIN + _canonical(self.unsigned_dict())

    def sha256(self) -> str:
        """The identity of this signed manifest: SHA-256 of its canonical JSON (hex)."""
        return hashlib.sha256(_canonical(self.to_dict())).hexdigest()

    def to_json(self) -> str:
        """The sidecar text (indented; the signature does not depend on layout)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> Manifest:
        """Parse and validate a sidecar; errors name ``where`` (the file) and the field."""
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicates)
            _canonical(data)
        except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeError are ValueErrors
            raise ManifestError(f"{where}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise ManifestError(f"{where}: a manifest must be a JSON object")
        return cls.from_dict(data, where)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> Manifest:
        """Validate a parsed JSON object field by field."""
        missing = [f for f in FIELDS if f not in data]
        unknown = sorted(set(data) - set(FIELDS))
        _check(not missing, where, (missing or [""])[0], "is missing")
        _check(not unknown, where, (unknown or [""])[0], "is not a manifest field")
        _check(data["truceline_manifest"] == VERSION and _is_int(data["truceline_manifest"], 1),
               where, "truceline_manifest", f"must be {VERSION}")
        source_id, sequence, key = data["source_id"], data["sequence"], data["key"]
        _check(isinstance(source_id, str) and source_id.strip() == source_id != "", where,
               "source_id", "must be a non-empty string without surrounding spaces")
        _check(_is_int(sequence, 1), where, "sequence",
               f"must be an integer >= 1, not {sequence!r}")
        _check(isinstance(key, str) and _KEY_REF.fullmatch(key) is not None, where, "key",
               f"must be <verifier name>+<8 hex digits>, not {key!r}")
        return cls(source_id, sequence, _files(data["files"], where),
                   _time_range(data["time_range"], where),
                   _time(data["created_at"], "created_at", where), key,
                   _signature(data["signature"], where))


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # parsers disagree on which of two equal keys wins, so a signed object must not have any
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"key {next(k for k in keys if keys.count(k) > 1)!r} appears twice")
    return dict(pairs)


def _check(ok: bool, where: str, field: str, problem: str) -> None:
    if not ok:
        raise ManifestError(f"{where}: field {field!r} {problem}")


def _is_int(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _time(value: Any, field: str, where: str) -> str:
    try:
        from_iso(value)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ManifestError(f"{where}: field {field!r} is not an ISO 8601 UTC time ({exc})") \
            from None
    return str(value)


def _time_range(value: Any, where: str) -> tuple[str, str]:
    _check(isinstance(value, list) and len(value) == 2, where, "time_range",
           "must be a list [start, end]")
    start, end = (_time(v, "time_range", where) for v in value)
    _check(from_iso(start) <= from_iso(end), where, "time_range", f"starts after it ends ({end})")
    return start, end


def _files(value: Any, where: str) -> tuple[FileEntry, ...]:
    _check(isinstance(value, list) and len(value) > 0, where, "files", "must be a non-empty list")
    entries = tuple(_file(item, f"files[{i}]", where) for i, item in enumerate(value))
    _check(len({e.name for e in entries}) == len(entries), where, "files", "lists a name twice")
    return entries


def _file(item: Any, field: str, where: str) -> FileEntry:
    _check(isinstance(item, dict) and set(item) == {"name", "sha256", "bytes"}, where, field,
           "must be an object with exactly name, sha256 and bytes")
    name, digest, size = item["name"], item["sha256"], item["bytes"]
    _check(isinstance(name, str) and name not in ("", ".", "..") and not set(name) & set("/\\"),
           where, f"{field}.name", f"{name!r} is not a plain file name")
    _check(isinstance(digest, str) and _HEX64.fullmatch(digest) is not None, where,
           f"{field}.sha256", "must be 64 lowercase hex digits")
    _check(_is_int(size, 0), where, f"{field}.bytes", f"must be an integer >= 0, not {size!r}")
    return FileEntry(name, digest, size)


def _signature(value: Any, where: str) -> bytes:
    try:
        raw = from_base64(value, "signature") if isinstance(value, str) else b""
    except ValueError as exc:
        raise ManifestError(f"{where}: field 'signature': {exc}") from None
    _check(len(raw) == 64, where, "signature", "must be the base64 of a 64-byte signature")
    return raw


# ---------------------------------------------------------------------------- signing, sidecars


def sign_manifest(files: Sequence[Path] | Mapping[str, bytes], source_id: str, sequence: int,
                  time_range: tuple[str, str], signer: Signer, created_at: str) -> Manifest:
    """Describe and sign delivered files (paths, or ``{name: payload}``) as ``signer``."""
    payloads = files if isinstance(files, Mapping) else {Path(p).name: Path(p).read_bytes()
                                                         for p in files}
    entries = [FileEntry.of(name, payload).to_dict() for name, payload in payloads.items()]
    unsigned = {"truceline_manifest": VERSION, "source_id": source_id, "sequence": sequence,
                "files": entries, "time_range": list(time_range), "created_at": created_at,
                "key": signer.verifier.key_ref, "signature": to_base64(bytes(64))}
    draft = Manifest.from_dict(unsigned, f"manifest of {source_id} #{sequence}")
    return replace(draft, signature=signer.sign(draft.message()))


def sidecar_path(data_path: Path) -> Path:
    """``<file>.manifest.json`` next to the data file."""
    data_path = Path(data_path)
    return data_path.with_name(data_path.name + SIDECAR_SUFFIX)


def write_sidecar(data_path: Path, manifest: Manifest) -> Path:
    """Write the manifest next to ``data_path`` and return the sidecar's path."""
    path = sidecar_path(data_path)
    path.write_text(manifest.to_json(), encoding="utf-8")
    return path


def read_sidecar(data_path: Path) -> Manifest | None:
    """The manifest next to ``data_path``, or None when the file came unsigned."""
    path = sidecar_path(data_path)
    if not path.exists():
        return None
    return Manifest.from_json(path.read_text(encoding="utf-8"), str(path))


# ---------------------------------------------------------------------------- checking batches

STATUSES = ("signed", "unsigned", "forged", "unknown-source", "replayed", "malformed")
REFUSALS = ("forged", "unknown-source", "replayed", "malformed")


@dataclass(frozen=True)
class BatchCheck:
    """The verdict on one delivered batch; ``reason`` is for people and names file and field."""

    status: str
    reason: str
    source_id: str | None = None
    sequence: int | None = None
    manifest_sha256: str | None = None

    @property
    def is_refused(self) -> bool:
        """True for forged, unknown-source, replayed and malformed batches."""
        return self.status in REFUSALS


def check_batch(manifest: Manifest | str | None, payloads: Mapping[str, bytes], keyring: Keyring,
                seen: Mapping[str, Mapping[int, str]], where: str = "manifest") -> BatchCheck:
    """Decide whether a batch is signed evidence (pure: ``seen`` is not changed).

    ``manifest`` is a parsed manifest, the sidecar's text, or None when none came with the batch;
    ``payloads`` maps file names to the delivered bytes; ``seen`` maps source id to
    {sequence: manifest sha256} already ingested. Record a "signed" batch in ``seen`` yourself.
    """
    if manifest is None:
        return BatchCheck("unsigned", f"{where}: no manifest came with the batch")
    if isinstance(manifest, str):
        try:
            manifest = Manifest.from_json(manifest, where)
        except ManifestError as exc:
            return BatchCheck("malformed", str(exc))
    digest = manifest.sha256()

    def verdict(status: str, reason: str) -> BatchCheck:
        return BatchCheck(status, f"{where}: {reason}", manifest.source_id, manifest.sequence,
                          digest)

    source = keyring.get(manifest.source_id)
    if source is None:
        return verdict("unknown-source", f"field 'source_id': {manifest.source_id!r} is not a "
                                         "registered source")
    problem = _signature_problem(manifest, source) or _payload_problem(manifest, payloads)
    if problem:
        return verdict(*problem)
    previous = seen.get(manifest.source_id, {}).get(manifest.sequence)
    if previous is not None:
        what = ("the same manifest was already ingested" if previous == digest else
                f"a different manifest (sha256 {previous}) with this sequence was already "
                "ingested: the source signed two batches with one number")
        return verdict("replayed", f"field 'sequence': {manifest.sequence} of "
                                   f"{manifest.source_id!r} is not new: {what}")
    return verdict("signed", f"signed by {source.verifier.key_ref} ({source.kind}, "
                             f"{source.owner}), sequence {manifest.sequence}")


def _signature_problem(manifest: Manifest, source: RegisteredSource) -> tuple[str, str] | None:
    if manifest.key != source.verifier.key_ref:
        return "forged", (f"field 'key': {manifest.key} is not the registered key "
                          f"{source.verifier.key_ref} of source {source.source_id!r}")
    if not source.verifier.is_valid(manifest.message(), manifest.signature):
        return "forged", (f"field 'signature' does not verify with the key of source "
                          f"{source.source_id!r}")
    return None


def _payload_problem(manifest: Manifest, payloads: Mapping[str, bytes]) -> tuple[str, str] | None:
    listed = {entry.name for entry in manifest.files}
    missing, extra = sorted(listed - set(payloads)), sorted(set(payloads) - listed)
    if missing:
        return "malformed", f"field 'files': {missing[0]!r} is listed but was not delivered"
    if extra:
        return "malformed", f"file {extra[0]!r} was delivered but is not in field 'files'"
    for entry in manifest.files:
        payload = payloads[entry.name]
        if len(payload) != entry.size:
            return "forged", (f"file {entry.name!r} has {len(payload)} bytes, field 'files' "
                              f"says {entry.size}")
        if hashlib.sha256(payload).hexdigest() != entry.sha256:
            return "forged", f"file {entry.name!r} does not match its sha256 in field 'files'"
    return None


def sequence_gaps(seen_sequences: Iterable[int]) -> list[tuple[int, int]]:
    """Inclusive ranges of sequence numbers missing between 1 and the largest seen.

    >>> sequence_gaps([1, 2, 5, 9, 6])
    [(3, 4), (7, 8)]
    """
    gaps: list[tuple[int, int]] = []
    expected = 1
    for number in sorted(set(seen_sequences)):
        if number < 1:
            raise ValueError(f"sequence numbers start at 1, not {number}")
        if number > expected:
            gaps.append((expected, number - 1))
        expected = number + 1
    return gaps
