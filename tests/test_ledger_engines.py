"""The ledger over the store on both engines: commit, checkpoint, prove, verify, and catch an edit."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run_sql
from truceline.ledger.evidence import Cited, build_release, verify_release
from truceline.ledger.log import Ledger
from truceline.ledger.merkle import leaf_hash, root_of
from truceline.ledger.signing import Signer
from truceline.ledger.verify import LedgerMismatch, verify_store
from truceline.model.tables import PICKS, SENSORS, Columns
from truceline.sources.base import Quarantined
from truceline.store import Store
from truceline.store.ledger_tables import LedgerMoved


def picks(n: int) -> Columns:
    snr = np.linspace(3.0, 30.0, n)
    snr[5] = -0.0  # SQLite stores it as 0.0: the committed record must not depend on the sign of zero
    return Columns.conform(PICKS, {
        "pick_id": np.array([f"P{i:05d}" for i in range(n)], dtype=object),
        "sensor_id": np.array([f"S{i % 3}" for i in range(n)], dtype=object),
        "time": 1_795_000_000.0 + np.arange(n) * 0.37, "kind": np.array(["launch"] * n, dtype=object),
        "snr": snr, "amplitude": np.linspace(0.1, 5.0, n),
        "received_at": 1_795_000_100.0 + np.arange(n, dtype=float)})


def sensors() -> Columns:
    return Columns.conform(SENSORS, {"sensor_id": np.array(["S0", "S1", "S2"], dtype=object),
                                     "lon": [37.5, 37.6, 37.7], "lat": [48.0, 48.1, 48.2],
                                     "elevation_m": [120.0, np.nan, 80.0],
                                     "owner": np.array(["A", "B", "C"], dtype=object)})


@pytest.fixture
def committed(store_target):
    signer = Signer.generate("test-log")
    with Store.open(store_target) as store:
        ledger = Ledger(store)
        with store.run({"inputs": "test"}) as run_id:
            for name, table in (("sensors", sensors()), ("picks", picks(700))):
                store.save_table(run_id, name, table)
            quarantine = [Quarantined("picks.csv", 9, "snr: 'x' is not a number", {"snr": "x"})]
            store.save_quarantine(run_id, quarantine)
            s = ledger.commit_batch(run_id, "sensors", sensors(), source="net", status="signed")
            p = ledger.commit_batch(run_id, "picks", picks(700), source="net", status="signed")
            ledger.commit_quarantine(run_id, quarantine)
            ledger.commit_run(run_id, {"code_version": "test"})
        first = ledger.checkpoint(signer, "truceline/test")
        ledger.record_decision(actor="analyst-1", action="confirm", subject="E000001", reason="test")
        second = ledger.checkpoint(signer, "truceline/test")
        release = build_release(ledger, signer.verifier, second, first,
                                {"E1": [Cited("picks", "P00042", 42, p.leaf_index),
                                        Cited("sensors", "S1", 1, s.leaf_index)]},
                                {p.leaf_index: p.records, s.leaf_index: s.records})
    return {"target": store_target, "signer": signer, "release": release, "picks_leaf": p.leaf_index}


def test_commit_verify_and_release(committed) -> None:
    with Store.open(committed["target"]) as store:
        check = verify_store(store, committed["signer"].verifier)
    assert check.leaves == 5 and check.records == 3 + 700 + 1 and check.checkpoints == 2
    head = verify_release(committed["release"], committed["signer"].verifier)
    assert head.size == 5


def test_an_edited_row_is_named_on_either_engine(committed) -> None:
    run_sql(committed["target"], "UPDATE picks SET snr = snr + 0.5 WHERE row_index = 42")
    with Store.open(committed["target"]) as store, pytest.raises(LedgerMismatch) as failed:
        verify_store(store, committed["signer"].verifier)
    assert failed.value.leaf == committed["picks_leaf"]
    assert "stored row 42 (pick_id P00042)" in str(failed.value)


def test_an_edited_leaf_is_named_on_either_engine(committed) -> None:
    run_sql(committed["target"], "UPDATE ledger_leaves SET kind = 'decision', data = :d WHERE leaf_index = 4",
            {"d": b'{"leaf":"decision","v":1}'})
    with Store.open(committed["target"]) as store, pytest.raises(LedgerMismatch) as failed:
        verify_store(store, committed["signer"].verifier)
    assert failed.value.leaf == 4


def test_a_ledger_that_missed_another_writers_append_rebuilds_instead_of_corrupting(store_target) -> None:
    """Two writers, each with its own view of the tree: the stale one must not overwrite good tiles.

    On PostgreSQL this happens for real when a killed client's last COMMIT lands on the server
    after its successor opened the store (the crash test caught it).
    """
    with Store.open(store_target) as first, Store.open(store_target) as second:
        early, late = Ledger(first), Ledger(second)
        early.append(["decision"] * 300, [b"early %d" % i for i in range(300)])  # crosses a tile edge
        assert late.size == 0  # late has not seen it
        at = late.append(["decision"] * 5, [b"late %d" % i for i in range(5)])
        assert at == 300 and late.size == 305
        rows = second.leaves(0, 305)
        assert [d for _, d, _ in rows] == [b"early %d" % i for i in range(300)] + [b"late %d" % i for i in range(5)]
        assert late.root() == root_of([leaf_hash(d) for _, d, _ in rows])
        verify_store(second)
        assert early.append(["decision"], [b"early again"]) == 305  # and the first one catches up in turn
        verify_store(first)


def test_a_stale_append_is_refused_by_the_store_without_writing(store_target) -> None:
    with Store.open(store_target) as store:
        Ledger(store).append(["decision"] * 3, [b"a", b"b", b"c"])
        with pytest.raises(LedgerMoved, match="holds 3 leaves, not the 1"):
            store.append_leaves(["decision"], [b"x"], [leaf_hash(b"x")], {(0, 0): b"\0" * 32}, start=1)
        assert store.ledger_size() == 3
        verify_store(store)
