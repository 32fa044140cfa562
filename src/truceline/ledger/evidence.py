"""What a report releases so that a party can check it offline: the evidence behind each finding
with its proofs, the checkpoint it was issued against, and the proof that this checkpoint extends
the one released before.

``evidence.json`` (documented in docs/formats.md) holds::

    {"truceline_evidence": 1, "log_key": "<verifier key>", "checkpoint": "<signed note>",
     "previous_checkpoint": "<signed note>" | null, "consistency": ["<base64>", ...],
     "batches": {"<leaf index>": {"batch_leaf": "...", "leaf_proof": ["<base64>", ...]}, ...},
     "items": {"<table>/<id>": ITEM, ...},
     "findings": [{"event_id": "...", "cites": ["<table>/<id>", ...]}, ...]}

Each ITEM is ``{"table", "id", "record", "row", "record_proof", "leaf_index"}``: the record
exactly as committed (sensor positions only through their salted commitment) and its path to the
records root in its batch's leaf; each batch leaf comes once, with its path to the checkpoint's
root, and each item once however many findings cite it. One item released alone carries its
``batch_leaf`` and ``leaf_proof`` itself. :func:`verify_release` needs nothing else — not the
store, not sensor positions — and names the first item that fails.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Mapping, NoReturn, Sequence

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


def item_key(table: str, ident: str) -> str:
    """How findings cite an item: ``"<table>/<id>"``."""
    return f"{table}/{ident}"


def build_item(ledger: Any, cited: Cited, records: Mapping[int, list[bytes]]) -> dict[str, Any]:
    """One released item: the record as committed and its path to its batch's records root."""
    _, path, _ = ledger.record_proof(cited.leaf_index, cited.row)
    return {"table": cited.table, "id": cited.id, "record": records[cited.leaf_index][cited.row].decode(),
            "row": cited.row, "record_proof": _b64(path), "leaf_index": cited.leaf_index}


def build_release(ledger: Any, log_key: Verifier, checkpoint: str, previous: str | None,
                  findings: Mapping[str, Sequence[Cited]], records: Mapping[int, list[bytes]]) -> dict[str, Any]:
    """The release for one report (``records``: the committed record bytes of each cited batch)."""
    head = Checkpoint.parse(open_note(checkpoint, [log_key]).text)
    consistency: list[str] = []
    if previous is not None:
        old = Checkpoint.parse(open_note(previous, [log_key]).text)
        consistency = _b64(ledger.consistency(old.size, head.size)) if 0 < old.size < head.size else []
    items: dict[str, dict[str, Any]] = {}
    for cites in findings.values():
        for c in cites:
            key = item_key(c.table, c.id)
            if key not in items:
                items[key] = build_item(ledger, c, records)
    leaves = sorted({item["leaf_index"] for item in items.values()})
    batches = {str(i): {"batch_leaf": ledger.leaf_data(i).decode(), "leaf_proof": _b64(ledger.leaf_proof(i, head.size))}
               for i in leaves}
    return {"truceline_evidence": 1, "log_key": log_key.to_string(), "checkpoint": checkpoint,
            "previous_checkpoint": previous, "consistency": consistency, "batches": batches, "items": items,
            "findings": [{"event_id": eid, "cites": [item_key(c.table, c.id) for c in cites]}
                         for eid, cites in findings.items()]}


def single_item_release(item: Mapping[str, Any], checkpoint: str) -> dict[str, Any]:
    """A release around one item that carries its own ``batch_leaf`` and ``leaf_proof``."""
    try:
        key = item_key(str(item["table"]), str(item["id"]))
        batch = {"batch_leaf": item["batch_leaf"], "leaf_proof": item["leaf_proof"]}
        return {"checkpoint": checkpoint, "batches": {str(item["leaf_index"]): batch}, "items": {key: dict(item)},
                "findings": [{"event_id": "(item)", "cites": [key]}]}
    except KeyError as exc:
        raise EvidenceError(f"the item lacks {exc}") from None


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
    batches = {k: _verify_batch(k, b, head) for k, b in (release.get("batches") or {}).items()}
    items = release.get("items") or {}
    checked: set[str] = set()
    for finding in release.get("findings", []):
        for k, key in enumerate(finding.get("cites", [])):
            where = f"finding {finding.get('event_id')}, item {k} ({key})"
            if key not in checked:
                if key not in items:
                    raise EvidenceError(f"{where}: the release holds no such item")
                _verify_item(key, items[key], batches, where)
                checked.add(key)
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


def _verify_batch(key: str, batch: Any, head: Checkpoint) -> dict[str, Any]:
    """Check one batch leaf's path to the checkpoint's root; returns the parsed leaf."""
    where = f"batch at leaf {key}"
    try:
        leaf_bytes = str(batch["batch_leaf"]).encode()
        leaf = parse_leaf(leaf_bytes)
        if leaf.get("leaf") != "batch":
            raise EvidenceError(f"{where}: not a batch leaf")
        verify_inclusion(leaf_hash(leaf_bytes), int(key), head.size, _unb64(batch["leaf_proof"], where), head.root)
    except Exception as exc:
        _reraise(exc, where, "malformed")
    return leaf


def _reraise(exc: Exception, where: str, malformed: str) -> NoReturn:
    """Turn a failed proof or a malformed entry into an :class:`EvidenceError` naming ``where``."""
    if isinstance(exc, EvidenceError):
        raise exc
    if isinstance(exc, ProofError):
        raise EvidenceError(f"{where}: {exc}") from None
    if isinstance(exc, (KeyError, TypeError, ValueError)):
        raise EvidenceError(f"{where}: {malformed} ({exc})") from None
    raise exc


def _verify_item(key: str, item: Mapping[str, Any], batches: Mapping[str, dict[str, Any]], where: str) -> None:
    try:
        table, ident = item["table"], str(item["id"])
        if item_key(table, ident) != key:
            raise EvidenceError(f"{where}: is cited as {key} but names itself {table}/{ident}")
        record = str(item["record"]).encode()
        fields = decode_record(record)
        id_column = ID_COLUMNS.get(table)
        if id_column is None or str(fields.get(id_column)) != ident:
            raise EvidenceError(f"{where}: cites {table} {ident!r} but the record proves "
                                f"{id_column or 'id'} {fields.get(id_column or 'id')!r} (a swapped evidence item)")
        leaf = batches.get(str(item["leaf_index"]))
        if leaf is None:
            raise EvidenceError(f"{where}: the release holds no batch at leaf {item['leaf_index']}")
        if leaf.get("table") != table:
            raise EvidenceError(f"{where}: the batch at leaf {item['leaf_index']} is not a {table} batch")
        verify_inclusion(leaf_hash(record), int(item["row"]), int(leaf["n_records"]),
                         _unb64(item["record_proof"], where), bytes.fromhex(leaf["records_root"]))
    except Exception as exc:
        _reraise(exc, where, "malformed item")
