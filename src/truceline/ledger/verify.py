"""Check a whole store against its log: every leaf, every tile, every checkpoint, every stored row.

:func:`verify_store` re-hashes the observations themselves (the rows in the store, through the
same canonical encoding that committed them), so an edit to a stored row is caught, not only an
edit to the log. It stops at the first failure and names it: the leaf, and where a stored row is
at fault, the table, the row and the record's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from truceline.ledger.merkle import leaf_hash, leaf_hashes, root_of
from truceline.ledger.note import Checkpoint, open_note
from truceline.ledger.records import commitment, parse_leaf, quarantine_leaf, record_bytes, SALT_BYTES
from truceline.ledger.signing import Verifier
from truceline.ledger.tree import MemoryTiles, TiledTree

HASH = 32
CHUNK = 100_000
ID_COLUMNS = {"picks": "pick_id", "sensors": "sensor_id", "events": "event_id"}
Step = Callable[[str, float], None]


class LedgerMismatch(ValueError):
    """The store and its log disagree; ``leaf`` names the first leaf that fails (None: the log as a whole)."""

    def __init__(self, leaf: int | None, message: str) -> None:
        super().__init__(message)
        self.leaf = leaf


@dataclass(frozen=True)
class StoreCheck:
    """What a successful :func:`verify_store` checked."""

    leaves: int
    records: int
    checkpoints: int
    root: bytes


def verify_store(store: Any, verifier: Verifier | None = None, progress: Step | None = None) -> StoreCheck:
    """Verify leaves, tiles, checkpoints and stored rows; raises :class:`LedgerMismatch` at the first failure."""
    size = store.ledger_size()
    memory = MemoryTiles()
    rebuilt = TiledTree(memory, 0)
    kinds: list[str] = []
    payloads: dict[int, bytes] = {}
    for start in range(0, size, CHUNK):
        rows = store.leaves(start, min(size, start + CHUNK))
        hashes = []
        for offset, (kind, data, stored) in enumerate(rows):
            index = start + offset
            if leaf_hash(data) != stored:
                raise LedgerMismatch(index, f"leaf {index} ({kind}): its payload does not hash to the stored leaf hash")
            if kind in ("batch", "quarantine"):
                payloads[index] = data
            hashes.append(stored)
            kinds.append(kind)
        memory.write_tiles(rebuilt.append(hashes))
        if progress:
            progress("leaves", min(size, start + CHUNK) / max(size, 1) * 0.3)
    _check_tiles(store, rebuilt, size)
    n_cp = _check_checkpoints(store, rebuilt, verifier)
    records = _check_batches(store, payloads, rebuilt, progress)
    return StoreCheck(size, records, n_cp, rebuilt.root())


def _check_tiles(store: Any, rebuilt: TiledTree, size: int) -> None:
    stored = TiledTree(store, size)
    if size == 0 or stored.root() == rebuilt.root():
        return
    for index in range(size):
        if stored.leaf(index) != rebuilt.leaf(index):
            raise LedgerMismatch(index, f"leaf {index}: the stored tree holds a different hash for it")
    raise LedgerMismatch(None, "the stored tree's inner nodes do not match its leaves")


def _check_checkpoints(store: Any, rebuilt: TiledTree, verifier: Verifier | None) -> int:
    checkpoints = store.checkpoints()
    for cp in checkpoints:
        text = open_note(cp["note"], [verifier]).text if verifier is not None else cp["note"].split("\n\n")[0] + "\n"
        head = Checkpoint.parse(text)
        if head.size > rebuilt.size:
            raise LedgerMismatch(None, f"checkpoint of size {head.size} is beyond the log's {rebuilt.size} leaves")
        if rebuilt.root(head.size) != head.root:
            first = _first_leaf_after(checkpoints, head.size)
            raise LedgerMismatch(first, f"checkpoint of size {head.size} does not match the log's tree head "
                                        f"at that size (first leaf it cannot vouch for: {first})")
    return len(checkpoints)


def _first_leaf_after(checkpoints: Sequence[dict[str, Any]], size: int) -> int:
    sizes = sorted(int(c["size"]) for c in checkpoints if int(c["size"]) < size)
    return sizes[-1] if sizes else 0


def _check_batches(store: Any, payloads: dict[int, bytes], rebuilt: TiledTree, progress: Step | None) -> int:
    batches = store.batches()
    total = 0
    for k, batch in enumerate(batches):
        index = int(batch["leaf_index"])
        raw = bytes(batch["record_hashes"])
        hashes = [raw[i:i + HASH] for i in range(0, len(raw), HASH)]
        if batch["table_name"] == "quarantine":
            total += _check_quarantine(store, batch, index, hashes, rebuilt)
        else:
            leaf = parse_leaf(payloads[index]) if index in payloads else None
            if leaf is None or leaf.get("leaf") != "batch":
                raise LedgerMismatch(index, f"leaf {index}: the store lists a batch here but the leaf is not one")
            if root_of(hashes).hex() != leaf["records_root"] or len(hashes) != leaf["n_records"]:
                raise LedgerMismatch(index, f"leaf {index} (batch {leaf['table']} of run {leaf['run_id']}): the "
                                            "stored record hashes do not match the committed records root")
            total += _check_rows(store, batch, index, hashes)
        if progress:
            progress("records", 0.3 + 0.7 * (k + 1) / max(len(batches), 1))
    return total


def _check_rows(store: Any, batch: dict[str, Any], index: int, hashes: list[bytes]) -> int:
    run_id, table = batch["run_id"], batch["table_name"]
    n = store.row_count(run_id, table)
    if n != len(hashes):
        raise LedgerMismatch(index, f"leaf {index} (batch {table} of run {run_id}): the store holds {n} rows, "
                                    f"the log committed {len(hashes)}")
    salts_raw = bytes(batch["salts"] or b"")
    for start in range(0, n, CHUNK):
        rows = store.load_rows(run_id, table, start, min(n, start + CHUNK))
        salts = [salts_raw[i:i + SALT_BYTES] for i in range(start * SALT_BYTES, (start + len(rows)) * SALT_BYTES,
                                                                SALT_BYTES)] if salts_raw else None
        try:
            again = leaf_hashes(record_bytes(rows, table, salts))
        except ValueError as exc:  # e.g. an edit left an infinite number, which no committed record holds
            raise LedgerMismatch(index, f"leaf {index} (batch {table} of run {run_id}): stored row "
                                        f"{start + _first_unencodable(rows)} cannot be encoded as committed "
                                        f"({exc})") from None
        for i, h in enumerate(again):
            if h != hashes[start + i]:
                ident = ID_COLUMNS.get(table)
                name = f" ({ident} {rows[ident][i]})" if ident and ident in rows else ""
                raise LedgerMismatch(index, f"leaf {index} (batch {table} of run {run_id}): stored row {start + i}"
                                            f"{name} does not match the record the log committed")
    return n


def _first_unencodable(rows: Any) -> int:
    """The first row holding an infinite number (0 if none is found)."""
    bad = np.zeros(len(rows), dtype=bool)
    for name in rows.names:
        values = np.asarray(rows[name])
        if values.dtype.kind == "f":
            bad |= np.isinf(values)
    return int(np.argmax(bad)) if bad.any() else 0


def _check_quarantine(store: Any, batch: dict[str, Any], first: int, hashes: list[bytes], rebuilt: TiledTree) -> int:
    records = store.load_quarantine(batch["run_id"])
    salts_raw = bytes(batch["salts"] or b"")
    if len(records) != len(hashes):
        raise LedgerMismatch(first, f"leaf {first}: the store holds {len(records)} quarantined records of run "
                                    f"{batch['run_id']}, the log committed {len(hashes)}")
    for i, q in enumerate(records):
        salt = salts_raw[i * SALT_BYTES:(i + 1) * SALT_BYTES]
        data = quarantine_leaf(run_id=batch["run_id"], source=q.source, row=q.row, reason=q.reason,
                               record_commitment=commitment(salt, [q.record]))
        if leaf_hash(data) != hashes[i] or first + i >= rebuilt.size or rebuilt.leaf(first + i) != hashes[i]:
            raise LedgerMismatch(first + i, f"leaf {first + i} (quarantined record {q.source} row {q.row}): the "
                                            "stored record does not match what the log committed")
    return len(records)
