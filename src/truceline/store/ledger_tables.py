"""The evidence ledger's tables: leaves, hash tiles, batches, checkpoints and source sequences.

These methods store bytes; hashing and proofs belong to :mod:`truceline.ledger`. Outside a run
each write is its own transaction and is committed durably before the method returns (that
return is the acknowledgement); inside the open run it joins the run's transaction, so an
aborted run takes its leaves with it. :meth:`LedgerStore.read_tiles` is the storage protocol of
:class:`truceline.ledger.tree.TiledTree`.
"""

from __future__ import annotations

from typing import Any, Sequence

import sqlalchemy as sa

from truceline.store.base import StoreBase
from truceline.store.schema import StoreError


class LedgerMoved(StoreError):
    """Another writer appended since the caller last read the ledger's size; its tiles are stale."""

    def __init__(self, expected: int, found: int) -> None:
        super().__init__(f"the ledger holds {found} leaves, not the {expected} this append was built on "
                         "(another writer appended in between)")
        self.expected = expected
        self.found = found

_LEAF_COLUMNS = (("leaf_index", "int"), ("kind", "text"), ("data", "blob"), ("leaf_hash", "blob"))
_IN_CHUNK = 500
"""Tile keys asked for per statement."""


class LedgerStore(StoreBase):
    """Reading and appending the ledger's tables (see :class:`~truceline.store.Store`)."""

    # ------------------------------------------------------------------ leaves and tiles

    def ledger_size(self) -> int:
        """How many leaves the ledger holds (leaf indices run from 0 to size - 1)."""
        return int(self._sql("SELECT COALESCE(MAX(leaf_index) + 1, 0) FROM ledger_leaves").scalar_one())

    def append_leaves(self, kinds: Sequence[str], datas: Sequence[bytes], hashes: Sequence[bytes],
                      tiles: dict[tuple[int, int], bytes], start: int | None = None) -> int:
        """Append leaves at ``ledger_size()`` onward and upsert ``tiles``; returns the new size.

        ``start`` is the size the caller built ``tiles`` on: if the ledger holds another number
        of leaves once the write lock is held (a second writer appended, or a killed client's
        last commit landed late on the server), nothing is written and :class:`LedgerMoved` is
        raised, so stale tiles never overwrite good ones. Outside a run the leaves are committed
        durably when this returns.
        """
        if not len(kinds) == len(datas) == len(hashes):
            raise StoreError(f"append_leaves needs as many kinds, datas and hashes "
                             f"(got {len(kinds)}, {len(datas)}, {len(hashes)})")
        with self._write():
            found = self.ledger_size()
            if start is not None and found != start:
                raise LedgerMoved(start, found)
            start = found
            rows = ((start + i, str(k), bytes(d), bytes(h)) for i, (k, d, h) in enumerate(zip(kinds, datas, hashes)))
            self._backend.insert_rows(self._conn, "ledger_leaves", _LEAF_COLUMNS, rows)
            if tiles:
                self._sql("INSERT INTO ledger_tiles (level, tile_index, hashes) VALUES (:l, :t, :h) "
                          "ON CONFLICT (level, tile_index) DO UPDATE SET hashes = excluded.hashes",
                          [{"l": lv, "t": ix, "h": bytes(h)} for (lv, ix), h in sorted(tiles.items())])
        return start + len(kinds)

    def read_tiles(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored tiles among ``keys`` as ``{(level, tile_index): hashes}``; missing keys are left out."""
        by_level: dict[int, list[int]] = {}
        for level, index in set(keys):
            by_level.setdefault(int(level), []).append(int(index))
        query = sa.text("SELECT level, tile_index, hashes FROM ledger_tiles WHERE level = :l AND tile_index IN :ix"
                        ).bindparams(sa.bindparam("ix", expanding=True))
        found: dict[tuple[int, int], bytes] = {}
        for level, indices in by_level.items():
            for at in range(0, len(indices), _IN_CHUNK):
                for lv, ix, hashes in self._conn.execute(query, {"l": level, "ix": indices[at:at + _IN_CHUNK]}):
                    found[(int(lv), int(ix))] = bytes(hashes)
        return found

    def leaves(self, start: int, end: int) -> list[tuple[str, bytes, bytes]]:
        """Leaves ``start`` (inclusive) to ``end`` (exclusive) as ``(kind, data, leaf_hash)``, in index order."""
        rows = self._backend.fetch(self._conn, "SELECT kind, data, leaf_hash FROM ledger_leaves "
                                   "WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index", (start, end))
        return [(str(k), bytes(d), bytes(h)) for k, d, h in rows]

    # ------------------------------------------------------------------ batches

    def put_batch(self, leaf_index: int, run_id: str, table_name: str, source: str, status: str,
                  n_records: int, record_hashes: bytes, salts: bytes) -> None:
        """Record the batch whose leaf is ``leaf_index``: its records' hashes and salts (concatenated)."""
        with self._write():
            if self._rows("SELECT 1 FROM ledger_batches WHERE leaf_index = :i", {"i": leaf_index}):
                raise StoreError(f"the ledger already holds a batch at leaf {leaf_index}")
            self._sql("INSERT INTO ledger_batches VALUES (:i, :r, :t, :s, :st, :n, :h, :salts)",
                      {"i": leaf_index, "r": run_id, "t": table_name, "s": source, "st": status,
                       "n": int(n_records), "h": bytes(record_hashes), "salts": bytes(salts)})

    def batches(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Recorded batches (of one run, or all), in leaf order, as dicts named like the columns."""
        where = "" if run_id is None else " WHERE run_id = :r"
        result = self._sql(f"SELECT leaf_index, run_id, table_name, source, status, n_records, record_hashes, salts "
                           f"FROM ledger_batches{where} ORDER BY leaf_index", {"r": run_id})
        return [{**row, "record_hashes": bytes(row["record_hashes"]), "salts": bytes(row["salts"])}
                for row in result.mappings().all()]

    # ------------------------------------------------------------------ checkpoints

    def put_checkpoint(self, size: int, note: str, created_at: str) -> None:
        """Keep a (signed) checkpoint note of the ledger at ``size`` leaves."""
        with self._write():
            self._sql("INSERT INTO ledger_checkpoints (size, note, created_at) VALUES (:s, :n, :c)",
                      {"s": int(size), "n": note, "c": created_at})

    def checkpoints(self) -> list[dict[str, Any]]:
        """Every checkpoint kept, oldest first, as ``{"size", "note", "created_at"}``."""
        result = self._sql("SELECT size, note, created_at FROM ledger_checkpoints ORDER BY id")
        return [dict(row) for row in result.mappings().all()]

    def latest_checkpoint(self) -> dict[str, Any] | None:
        """The checkpoint kept last, or ``None``."""
        row = self._sql("SELECT size, note, created_at FROM ledger_checkpoints ORDER BY id DESC LIMIT 1"
                        ).mappings().first()
        return None if row is None else dict(row)

    # ------------------------------------------------------------------ source sequences

    def put_source_sequence(self, source_id: str, sequence: int, manifest_sha256: str, leaf_index: int) -> None:
        """Record that ``source_id``'s manifest number ``sequence`` (this hash) is at ``leaf_index``."""
        with self._write():
            known = self._rows("SELECT manifest_sha256 FROM source_sequences WHERE source_id = :s AND sequence = :n",
                               {"s": source_id, "n": int(sequence)})
            if known:
                raise StoreError(f"source {source_id!r} sequence {sequence} is already recorded "
                                 f"(manifest {known[0][0]})")
            self._sql("INSERT INTO source_sequences VALUES (:s, :n, :h, :i)",
                      {"s": source_id, "n": int(sequence), "h": manifest_sha256, "i": int(leaf_index)})

    def source_sequences(self, source_id: str | None = None) -> dict[str, dict[int, str]]:
        """``{source_id: {sequence: manifest_sha256}}`` of every source (or of one)."""
        where = "" if source_id is None else " WHERE source_id = :s"
        out: dict[str, dict[int, str]] = {}
        for sid, seq, sha in self._rows(f"SELECT source_id, sequence, manifest_sha256 FROM source_sequences{where} "
                                        "ORDER BY source_id, sequence", {"s": source_id}):
            out.setdefault(str(sid), {})[int(seq)] = str(sha)
        return out
