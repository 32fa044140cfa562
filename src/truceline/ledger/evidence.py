"""What a report releases so that a party can check it offline: the evidence behind each finding
with its proofs, the checkpoint it was issued against, and the proof that this checkpoint extends
the one released before.

``evidence.json`` (documented in docs/formats.md) holds::

    {"truceline_evidence": 1, "log_key": "<verifier key>", "checkpoint": "<signed note>",
     "previous_checkpoint": "<signed note>" | null, "consistency": ["<base64>", ...],
     "findings": [{"event_id": "...", "cites": [ITEM, ...]}, ...]}

and each ITEM is ``{"table", "id", "record", "row", "n_records", "record_proof", "leaf_index",
"batch_leaf", "leaf_proof"}``: the record exactly as committed (sensor positions only through
their salted commitment), its path to the batch's records root, the batch leaf, and the leaf's
path to the checkpoint's root. :func:`verify_release` needs nothing else — not the store, not
sensor positions — and names the first item that fails.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from truceline.ledger.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion
from truceline.ledger.note import Checkpoint, open_note
from truceline.ledger.records import decode_record, parse_leaf
from truceline.ledger.signing import Verifier

ID_COLUMNS = {"picks": "pick_id", "sensors": "sensor_id", "events": "event_id"}


class EvidenceError(ValueError):
    """A released item or checkpoint that does not verify; the message names which and why."""


@dataclass(frozen=True)
class Cited:
    """One record to cite: which table, its id, its row in the batch and the batch's leaf index."""

    table: str
    id: str
    row: int
    leaf_index: int


def _b64(items: Sequence[bytes]) -> list[str]:
    return [base64.b64encode(h).decode() for h in items]


def _unb64(items: Sequence[str], where: str) -> list[bytes]:
    try:
        return [base64.b64decode(s, validate=True) for s in items]
    except (ValueError, TypeError) as exc:
        raise EvidenceError(f"{where}: a proof element is not base64 ({exc})") from None


def build_item(ledger: Any, cited: Cited, records: Mapping[int, list[bytes]], size: int) -> dict[str, Any]:
    """One released item: the record, its path in its batch, the batch leaf and the leaf's path."""
    _, path, n = ledger.record_proof(cited.leaf_index, cited.row)
    return {"table": cited.table, "id": cited.id, "record": records[cited.leaf_index][cited.row].decode(),
            "row": cited.row, "n_records": n, "record_proof": _b64(path), "leaf_index": cited.leaf_index,
            "batch_leaf": ledger.leaf_data(cited.leaf_index).decode(),
            "leaf_proof": _b64(ledger.leaf_proof(cited.leaf_index, size))}


def build_release(ledger: Any, log_key: Verifier, checkpoint: str, previous: str | None,
                  findings: Mapping[str, Sequence[Cited]], records: Mapping[int, list[bytes]]) -> dict[str, Any]:
    """The release for one report (``records``: the committed record bytes of each cited batch)."""
    head = Checkpoint.parse(open_note(checkpoint, [log_key]).text)
    consistency: list[str] = []
    if previous is not None:
        old = Checkpoint.parse(open_note(previous, [log_key]).text)
        consistency = _b64(ledger.consistency(old.size, head.size)) if 0 < old.size < head.size else []
    return {"truceline_evidence": 1, "log_key": log_key.to_string(), "checkpoint": checkpoint,
            "previous_checkpoint": previous, "consistency": consistency,
            "findings": [{"event_id": eid, "cites": [build_item(ledger, c, records, head.size) for c in cites]}
                         for eid, cites in findings.items()]}


def verify_release(release: Mapping[str, Any], log_key: Verifier, *, seen: str | None = None) -> Checkpoint:
    """Verify a release offline; ``seen`` is a checkpoint the party saw elsewhere (split-view check).

    Returns the verified checkpoint; raises :class:`EvidenceError` naming the first failure.
    """
    head = _open(release.get("checkpoint"), log_key, "checkpoint")
    previous = release.get("previous_checkpoint")
    if previous:
        _check_extends(_open(previous, log_key, "previous checkpoint"), head,
                       _unb64(release.get("consistency") or [], "consistency"), "previous checkpoint")
    if seen is not None:
        other = _open(seen, log_key, "the checkpoint you hold")
        older, newer = (other, head) if other.size <= head.size else (head, other)
        if other.size != head.size and not previous:
            raise EvidenceError("the checkpoint you hold differs in size and the release carries no consistency proof")
        if older.size == newer.size and older.root != newer.root:
            raise EvidenceError(f"split view: two checkpoints of size {head.size} with different roots "
                                f"({head.root.hex()[:16]}… and {other.root.hex()[:16]}…)")
    for finding in release.get("findings", []):
        for k, item in enumerate(finding.get("cites", [])):
            _verify_item(item, head, f"finding {finding.get('event_id')}, item {k}")
    return head


def _open(note: Any, key: Verifier, what: str) -> Checkpoint:
    if not isinstance(note, str):
        raise EvidenceError(f"{what}: missing")
    try:
        return Checkpoint.parse(open_note(note, [key]).text)
    except ValueError as exc:
        raise EvidenceError(f"{what}: {exc}") from None


def _check_extends(old: Checkpoint, new: Checkpoint, proof: list[bytes], what: str) -> None:
    if old.origin != new.origin:
        raise EvidenceError(f"{what} is of another log ({old.origin!r}, not {new.origin!r})")
    if old.size == new.size and old.root != new.root:
        raise EvidenceError(f"split view: two checkpoints of size {old.size} with different roots")
    try:
        if 0 < old.size <= new.size:
            verify_consistency(old.size, new.size, old.root, new.root, proof)
        elif old.size > new.size:
            raise EvidenceError(f"{what} is larger ({old.size}) than the checkpoint ({new.size}): a rollback")
    except ProofError as exc:
        raise EvidenceError(f"{what} (size {old.size}) is not consistent with the checkpoint (size {new.size}): {exc}") from None


def _verify_item(item: Mapping[str, Any], head: Checkpoint, where: str) -> None:
    try:
        table, ident = item["table"], str(item["id"])
        record = str(item["record"]).encode()
        fields = decode_record(record)
        key = ID_COLUMNS.get(table)
        if key is None or str(fields.get(key)) != ident:
            raise EvidenceError(f"{where}: cites {table} {ident!r} but the record proves "
                                f"{key or 'id'} {fields.get(key or 'id')!r} (a swapped evidence item)")
        leaf_bytes = str(item["batch_leaf"]).encode()
        leaf = parse_leaf(leaf_bytes)
        if leaf.get("leaf") != "batch" or leaf.get("table") != table:
            raise EvidenceError(f"{where}: the batch leaf is not a {table} batch")
        if int(item["n_records"]) != int(leaf["n_records"]):
            raise EvidenceError(f"{where}: the item claims {item['n_records']} records, the batch leaf {leaf['n_records']}")
        verify_inclusion(leaf_hash(record), int(item["row"]), int(item["n_records"]),
                         _unb64(item["record_proof"], where), bytes.fromhex(leaf["records_root"]))
        verify_inclusion(leaf_hash(leaf_bytes), int(item["leaf_index"]), head.size,
                         _unb64(item["leaf_proof"], where), head.root)
    except ProofError as exc:
        raise EvidenceError(f"{where} ({item.get('table')} {item.get('id')!r}): {exc}") from None
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, EvidenceError):
            raise
        raise EvidenceError(f"{where}: malformed item ({exc})") from None
