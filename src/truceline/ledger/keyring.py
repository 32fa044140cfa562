"""The keyring: which sources may sign batches, of what kind, for whom, with which key.

Kept as YAML (``sources.yaml``, documented in docs/formats.md)::

    sources:
      - {id: acoustic-north, kind: sensor_owner, owner: "Coalition acoustic unit", key: "<verifier key>"}

Every key is checked at registration (:func:`truceline.ledger.signing.check_public_key`: no
low-order or non-canonical points), no id is registered twice and no key serves two sources.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import yaml

from truceline.ledger.signing import KeyRejected, Verifier, check_public_key

KINDS = ("sensor_owner", "drone_unit", "satellite_provider", "claims_desk", "mission", "witness")


class KeyringError(ValueError):
    """A keyring file that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class RegisteredSource:
    """A source allowed to sign batches: its id, kind, owning organisation and key."""

    source_id: str
    kind: str
    owner: str
    verifier: Verifier

    def __post_init__(self) -> None:
        for field, value in (("source id", self.source_id), ("owner", self.owner)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{field} must be a non-empty string, not {value!r}")
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} of {self.source_id!r} is not one of "
                             f"{', '.join(KINDS)}")


class Keyring:
    """The registered sources, by id; every key passed :func:`check_public_key`."""

    def __init__(self, sources: Iterable[RegisteredSource] = ()) -> None:
        self._sources: dict[str, RegisteredSource] = {}
        for source in sources:
            self.register(source.source_id, source.kind, source.owner, source.verifier)

    def register(self, source_id: str, kind: str, owner: str,
                 verifier: Verifier | str) -> RegisteredSource:
        """Add a source; refuse (:class:`KeyRejected`) a bad key, a known id or a reused key."""
        if isinstance(verifier, str):
            verifier = Verifier.from_string(verifier)
        source = RegisteredSource(source_id, kind, owner, verifier)
        try:
            check_public_key(verifier.public_key)
        except KeyRejected as exc:
            raise KeyRejected(f"source {source_id!r}: {exc}") from None
        if source_id in self._sources:
            raise KeyRejected(f"source {source_id!r} is already registered")
        for other in self._sources.values():
            if verifier.public_key == other.verifier.public_key or \
                    verifier.key_ref == other.verifier.key_ref:
                raise KeyRejected(f"source {source_id!r}: key {verifier.key_ref} is already "
                                  f"registered to source {other.source_id!r}")
        self._sources[source_id] = source
        return source

    def get(self, source_id: str) -> RegisteredSource | None:
        """The registered source, or None."""
        return self._sources.get(source_id)

    def __contains__(self, source_id: object) -> bool:
        return source_id in self._sources

    def __iter__(self) -> Iterator[RegisteredSource]:
        return iter(self._sources.values())

    def __len__(self) -> int:
        return len(self._sources)

    def save(self, path: Path) -> None:
        """Write the keyring as YAML, ``sources: [{id, kind, owner, key}, ...]`` (atomically)."""
        data = {"sources": [{"id": s.source_id, "kind": s.kind, "owner": s.owner,
                             "key": s.verifier.to_string()} for s in self]}
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> Keyring:
        """Read a keyring YAML file; errors name the file and the entry."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise KeyringError(f"{path}: not valid YAML ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
            raise KeyringError(f"{path}: expected a mapping with a 'sources' list")
        keyring = cls()
        for i, entry in enumerate(data["sources"]):
            where = f"{path}: sources[{i}]"
            if not isinstance(entry, dict) or set(entry) != {"id", "kind", "owner", "key"}:
                raise KeyringError(f"{where}: needs exactly the keys id, kind, owner and key")
            where += f" ({entry['id']})"
            try:
                keyring.register(entry["id"], entry["kind"], entry["owner"], entry["key"])
            except KeyRejected as exc:
                raise KeyRejected(f"{where}: {exc}") from None
            except ValueError as exc:
                raise KeyringError(f"{where}: {exc}") from None
        return keyring
