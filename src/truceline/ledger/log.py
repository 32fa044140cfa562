"""The evidence log over the store: append batches, quarantined records, runs and decisions;
prove records and leaves; issue signed checkpoints.

Every append goes through :meth:`Ledger.append`, which hashes the leaves, extends the tiled
tree and hands leaves and changed tiles to the store in one call. Outside a processing run the
store commits durably before returning (that return is the acknowledgement); inside a run the
leaves join the run's transaction, so a run that fails leaves no trace in the log either.

>>> ledger = Ledger(store)                                          # doctest: +SKIP
>>> receipt = ledger.commit_batch(run_id, "picks", picks, source="acoustic-north", status="signed")
>>> note = ledger.checkpoint(signer, origin="truceline/demo")
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from truceline.ledger.merkle import MerkleTree, leaf_hash, leaf_hashes, root_of
from truceline.ledger.note import Checkpoint, sign_note
from truceline.ledger.records import (batch_leaf, commitment, decision_leaf, is_sensitive, new_salts,
                                      quarantine_leaf, record_bytes, run_leaf)
from truceline.ledger.signing import Signer
from truceline.ledger.tree import TiledTree
from truceline.model.tables import Columns
from truceline.sources.base import Quarantined
from truceline.store.ledger_tables import LedgerMoved

HASH = 32
_APPEND_TRIES = 5


@dataclass(frozen=True)
class BatchReceipt:
    """Where a committed batch sits: its leaf, its records' root and how many records it holds."""

    leaf_index: int
    records_root: bytes
    n_records: int
    records: list[bytes]
    """The committed bytes of each record (what a proof releases)."""


class Ledger:
    """The Merkle log of one store (see the module docstring)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.tree = TiledTree(store, store.ledger_size())
        self._record_trees: dict[int, MerkleTree] = {}  # batch leaf -> tree over its record hashes
        self._leaf_data: dict[int, bytes] = {}

    @property
    def size(self) -> int:
        return self.tree.size

    def root(self, size: int | None = None) -> bytes:
        """The tree head at ``size`` (default: now)."""
        return self.tree.root(size)

    def append(self, kinds: Sequence[str], datas: Sequence[bytes]) -> int:
        """Append leaves; returns the index of the first. Durable on return outside a run.

        The tiles are built on the size this ledger last saw; if another writer appended since,
        the store refuses them (:class:`~truceline.store.ledger_tables.LedgerMoved`) and the
        append is rebuilt on the stored tree, up to a few times.
        """
        hashes = leaf_hashes(datas)
        for attempt in range(_APPEND_TRIES):
            first = self.tree.size
            tiles = self.tree.append(hashes)
            try:
                self.store.append_leaves(kinds, datas, hashes, tiles, start=first)
            except LedgerMoved as moved:
                self.tree = TiledTree(self.store, moved.found)
                if attempt == _APPEND_TRIES - 1:
                    raise
                continue
            except BaseException:
                self.tree = TiledTree(self.store, first)  # forget what was not written
                raise
            return first
        raise AssertionError("unreachable")

    def commit_batch(self, run_id: str, table_name: str, table: Columns, *, source: str, status: str,
                     detail: Mapping[str, Any] | None = None) -> BatchReceipt:
        """Commit a stored table as one batch: a records root in one leaf, record hashes in the store."""
        salts = new_salts(len(table)) if is_sensitive(table_name) else []
        records = record_bytes(table, table_name, salts or None)
        hashes = leaf_hashes(records)
        root = root_of(hashes)
        leaf = batch_leaf(run_id=run_id, table=table_name, source=source, status=status, n_records=len(table),
                          records_root=root, detail=detail)
        index = self.append(["batch"], [leaf])
        self.store.put_batch(index, run_id, table_name, source, status, len(table), b"".join(hashes),
                             b"".join(salts))
        return BatchReceipt(index, root, len(table), records)

    def commit_quarantine(self, run_id: str, records: Sequence[Quarantined]) -> int | None:
        """One leaf per quarantined record (the record through a salted hash); first index or None."""
        if not records:
            return None
        salts = new_salts(len(records))
        leaves = [quarantine_leaf(run_id=run_id, source=q.source, row=q.row, reason=q.reason,
                                  record_commitment=commitment(s, [q.record])) for q, s in zip(records, salts)]
        first = self.append(["quarantine"] * len(leaves), leaves)
        self.store.put_batch(first, run_id, "quarantine", "quarantine", "quarantined", len(leaves),
                             b"".join(leaf_hashes(leaves)), b"".join(salts))
        return first

    def commit_run(self, run_id: str, info: Mapping[str, Any]) -> int:
        """The run's own leaf: code version, parameters hash, agreement hash, inputs and input range."""
        return self.append(["run"], [run_leaf(run_id=run_id, info=info)])

    def record_decision(self, *, actor: str, action: str, subject: str, reason: str) -> int:
        """A human decision (review, confirmation, rejection): one leaf, durable on return."""
        at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self.append(["decision"], [decision_leaf(actor=actor, action=action, subject=subject,
                                                         reason=reason, at=at)])

    def checkpoint(self, signer: Signer, origin: str, extensions: Sequence[str] = ()) -> str:
        """Sign the current tree head as a C2SP checkpoint, store it and return the signed note."""
        cp = Checkpoint(origin, self.size, self.root(), tuple(extensions))
        note = sign_note(cp.body(), [signer])
        self.store.put_checkpoint(cp.size, note, datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return note

    # ------------------------------------------------------------------ proofs

    def record_proof(self, leaf_index: int, row: int) -> tuple[bytes, list[bytes], int]:
        """(record hash, its inclusion path in the batch, batch size) of one record of a batch.

        The batch's record tree is built once (in memory) and kept, so citing many
        records of one batch costs a logarithmic lookup each.
        """
        tree = self._record_trees.get(leaf_index)
        if tree is None:
            tree = self._record_trees[leaf_index] = self._build_record_tree(leaf_index)
        return tree.levels[0][row], tree.inclusion_proof(row), tree.size

    def leaf_proof(self, leaf_index: int, size: int | None = None) -> list[bytes]:
        """Inclusion path of a leaf in the tree of ``size`` leaves (default: now)."""
        return self.tree.inclusion_proof(leaf_index, size)

    def consistency(self, size1: int, size2: int | None = None) -> list[bytes]:
        """Consistency path between two tree sizes."""
        return self.tree.consistency_proof(size1, size2)

    def leaf_data(self, leaf_index: int) -> bytes:
        """The payload of one leaf as stored (leaves never change, so it is kept once read)."""
        if leaf_index not in self._leaf_data:
            self._leaf_data[leaf_index] = self.store.leaves(leaf_index, leaf_index + 1)[0][1]
        return self._leaf_data[leaf_index]

    def _build_record_tree(self, leaf_index: int) -> MerkleTree:
        for b in self.store.batches():
            if int(b["leaf_index"]) == leaf_index:
                raw = b["record_hashes"]
                return MerkleTree([raw[i:i + HASH] for i in range(0, len(raw), HASH)])
        raise KeyError(f"leaf {leaf_index} is not a batch")


def check_leaf(data: bytes, stored_hash: bytes) -> bool:
    """Whether a stored leaf's payload still hashes to the hash stored beside it."""
    return leaf_hash(data) == stored_hash
