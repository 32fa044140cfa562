"""The ledger's tables on both engines: leaves, tiles, batches, checkpoints, source sequences, row slices."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from truceline.model.tables import Columns
from truceline.store import Store, StoreError

META = {"params_hash": "p1"}


def leaf(i: int) -> tuple[str, bytes, bytes]:
    data = bytes([i % 256, 0, 255]) + f"leaf {i}".encode() + b"\x00\x01"
    return ("batch" if i % 2 else "run"), data, hashlib.sha256(b"\x00" + data).digest()


def append(store: Store, first: int, n: int, tiles: dict[tuple[int, int], bytes] | None = None) -> int:
    kinds, datas, hashes = zip(*(leaf(i) for i in range(first, first + n))) if n else ((), (), ())
    return store.append_leaves(list(kinds), list(datas), list(hashes), tiles or {})


def test_leaves_round_trip_exactly(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        assert store.ledger_size() == 0 and store.leaves(0, 10) == []
        assert append(store, 0, 3) == 3
        assert append(store, 3, 4) == 7
        assert append(store, 7, 0) == 7
        assert store.ledger_size() == 7
        assert store.leaves(0, 7) == [leaf(i) for i in range(7)]
        assert store.leaves(2, 5) == [leaf(i) for i in range(2, 5)]
        assert store.leaves(6, 100) == [leaf(6)]


def test_mismatched_lengths_are_refused(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        with pytest.raises(StoreError, match="as many kinds"):
            store.append_leaves(["a", "b"], [b"x"], [b"h"], {})
        assert store.ledger_size() == 0


def test_leaves_appended_outside_a_run_are_visible_at_once(store_target: Path | str) -> None:
    with Store.open(store_target) as writer, Store.open(store_target) as reader:
        assert append(writer, 0, 2) == 2  # the return is the acknowledgement: committed
        assert reader.ledger_size() == 2 and reader.leaves(0, 2) == [leaf(0), leaf(1)]


def test_leaves_of_an_open_run_are_seen_only_when_it_commits(store_target: Path | str) -> None:
    with Store.open(store_target) as writer, Store.open(store_target) as reader:
        with writer.run(META) as run_id:
            append(writer, 0, 3, {(0, 0): b"t" * 32})
            writer.save_table(run_id, "picks", Columns({"x": np.arange(3.0)}))
            assert writer.ledger_size() == 3  # the run sees its own writes
            assert reader.ledger_size() == 0 and reader.read_tiles([(0, 0)]) == {} and reader.runs() == []
        assert reader.ledger_size() == 3 and reader.leaves(0, 3) == [leaf(i) for i in range(3)]
        assert reader.read_tiles([(0, 0)]) == {(0, 0): b"t" * 32}
        assert reader.row_count(run_id, "picks") == 3


def test_leaves_of_an_aborted_run_vanish(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        append(store, 0, 2, {(0, 0): b"a" * 64})
        with pytest.raises(RuntimeError):
            with store.run(META) as run_id:
                append(store, 2, 3, {(0, 0): b"b" * 160, (1, 0): b"c" * 32})
                store.put_batch(2, run_id, "picks", "S1", "accepted", 1, b"h" * 32, b"s" * 16)
                store.put_checkpoint(5, "note", "2026-12-01T00:00:00Z")
                store.put_source_sequence("S1", 1, "ab" * 32, 2)
                raise RuntimeError("abort")
    with Store.open(store_target) as store:
        assert store.ledger_size() == 2 and store.leaves(0, 10) == [leaf(0), leaf(1)]
        assert store.read_tiles([(0, 0), (1, 0)]) == {(0, 0): b"a" * 64}
        assert store.batches() == [] and store.checkpoints() == [] and store.source_sequences() == {}
        assert append(store, 2, 1) == 3  # indices continue where the committed ledger ends


def test_tiles_upsert_replaces_and_missing_keys_are_left_out(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        append(store, 0, 1, {(0, 0): b"\x01" * 32, (1, 0): b"\x02" * 32})
        append(store, 1, 1, {(0, 0): b"\x03" * 64})
        many = {(0, i): bytes([i % 256]) * 32 for i in range(1, 1200)}  # more keys than one IN (...) holds
        append(store, 2, 1, many)
        assert store.read_tiles([(0, 0), (1, 0), (2, 0), (1, 0)]) == {(0, 0): b"\x03" * 64, (1, 0): b"\x02" * 32}
        assert store.read_tiles(list(many)) == many
        assert store.read_tiles([]) == {}


def test_batches_round_trip_and_filter_by_run(store_target: Path | str) -> None:
    hashes, salts = bytes(range(64)), b"\x00\xff" * 16
    with Store.open(store_target) as store:
        with store.run({**META, "run_id": "r1"}) as run_id:
            store.put_batch(0, run_id, "picks", "S1", "accepted", 2, hashes, salts)
        store.put_batch(1, "r2", "quarantine", "S2", "quarantined", 0, b"", b"")
        with pytest.raises(StoreError, match="already holds a batch at leaf 1"):
            store.put_batch(1, "r2", "picks", "S2", "accepted", 0, b"", b"")
        first = {"leaf_index": 0, "run_id": "r1", "table_name": "picks", "source": "S1", "status": "accepted",
                 "n_records": 2, "record_hashes": hashes, "salts": salts}
        assert store.batches("r1") == [first]
        assert [b["leaf_index"] for b in store.batches()] == [0, 1]
        assert store.batches("r2")[0]["record_hashes"] == b"" and store.batches("nope") == []


def test_checkpoints_are_kept_oldest_first(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        assert store.checkpoints() == [] and store.latest_checkpoint() is None
        store.put_checkpoint(3, "note 3\n\n— sig\n", "2026-12-01T10:00:00Z")
        store.put_checkpoint(3, "note 3 again\n", "2026-12-01T09:00:00Z")  # insertion order, not the text
        store.put_checkpoint(7, "note 7\n", "2026-12-01T11:00:00Z")
        assert [(c["size"], c["note"]) for c in store.checkpoints()] == [
            (3, "note 3\n\n— sig\n"), (3, "note 3 again\n"), (7, "note 7\n")]
        assert store.latest_checkpoint() == {"size": 7, "note": "note 7\n", "created_at": "2026-12-01T11:00:00Z"}


def test_source_sequences_map_sources_to_their_manifests(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        store.put_source_sequence("S2", 1, "b1", 4)
        store.put_source_sequence("S1", 2, "a2", 3)
        store.put_source_sequence("S1", 1, "a1", 0)
        with pytest.raises(StoreError, match="sequence 1 is already recorded"):
            store.put_source_sequence("S1", 1, "other", 9)
        assert store.source_sequences() == {"S1": {1: "a1", 2: "a2"}, "S2": {1: "b1"}}
        assert store.source_sequences("S1") == {"S1": {1: "a1", 2: "a2"}}
        assert store.source_sequences("S9") == {}


def test_a_refused_write_inside_a_run_leaves_the_run_usable(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        with store.run(META) as run_id:
            store.put_source_sequence("S1", 1, "a1", 0)
            with pytest.raises(StoreError):
                store.put_source_sequence("S1", 1, "a1", 0)
            append(store, 0, 1)
            store.save_table(run_id, "picks", Columns({"x": np.arange(2.0)}))
        assert store.ledger_size() == 1 and store.source_sequences() == {"S1": {1: "a1"}}


def test_rows_load_in_slices(store_target: Path | str) -> None:
    table = Columns({"id": np.array([f"P{i}" for i in range(10)], dtype=object), "v": np.arange(10) * 0.5,
                     "n": np.arange(10), "ok": np.arange(10) % 2 == 0})
    with Store.open(store_target) as store:
        with store.run(META) as run_id:
            store.save_table(run_id, "picks", table)
        assert store.row_count(run_id, "picks") == 10
        parts = [store.load_rows(run_id, "picks", at, at + 4) for at in range(0, 10, 4)]
        assert [len(p) for p in parts] == [4, 4, 2]
        for name in table.names:
            joined = np.concatenate([p[name] for p in parts])
            assert joined.dtype == table[name].dtype and list(joined) == list(table[name])
        assert len(store.load_rows(run_id, "picks", 20, 30)) == 0
        with pytest.raises(StoreError, match="has no table"):
            store.row_count(run_id, "events")
