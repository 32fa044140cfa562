"""The SQLite store: round trips, and no half-written run after an exception or a killed process."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from truceline.model.tables import PICKS, SENSORS, Columns
from truceline.sources.base import Quarantined
from truceline.store import SCHEMA_VERSION, Store, StoreError

META = {"params_hash": "p1", "agreement_version": "1.0", "agreement_hash": "a1", "inputs": "picks.csv"}


def picks(n: int = 3) -> Columns:
    return Columns.conform(PICKS, {
        "pick_id": np.array([f"P{i}" for i in range(n)], dtype=object),
        "sensor_id": np.array(["S1"] * n, dtype=object),
        "time": 1_795_000_000.0 + np.arange(n) * 0.25,
        "kind": np.array(["launch", "impact", "unknown"] * (n // 3) + ["unknown"] * (n % 3), dtype=object),
        "snr": np.linspace(3.0, 30.0, n), "amplitude": np.linspace(0.0, 5.0, n),
        "received_at": 1_795_000_100.0 + np.arange(n, dtype=float)})


def sensors() -> Columns:
    return Columns.conform(SENSORS, {"sensor_id": np.array(["S1", "S2"], dtype=object), "lon": [37.5, 37.6],
                                     "lat": [48.0, 48.1], "elevation_m": [120.0, np.nan],
                                     "owner": np.array(["Coalition A", ""], dtype=object)})


def assert_same(a: Columns, b: Columns) -> None:
    assert a.names == b.names
    for c in a.names:
        assert a[c].dtype == b[c].dtype, c
        if a[c].dtype.kind == "f":
            np.testing.assert_array_equal(a[c], b[c])
        else:
            assert list(a[c]) == list(b[c]), c


def test_open_creates_wal_store_with_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "store.sqlite"
    with Store.open(path) as store:
        assert store.runs() == []
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    db.close()
    Store.open(path).close()  # reopening does not duplicate the version row
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1
    db.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store.open(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE schema_version SET version = 99")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="schema version 99"):
        Store.open(path)


def test_run_round_trip(tmp_path: Path) -> None:
    q = [Quarantined("picks.csv", 7, "snr: 'x' is not a number", {"pick_id": "P9", "snr": "x"})]
    with Store.open(tmp_path / "s.sqlite") as store:
        run_id = store.begin_run({**META, "note": "first"})
        store.save_table(run_id, "picks", picks())
        store.save_table(run_id, "sensors", sensors())
        store.save_quarantine(run_id, q)
        store.finish_run(run_id, {"picks": 3, "quarantined": 1})
    with Store.open(tmp_path / "s.sqlite") as store:
        (run,) = store.runs()
        assert run["run_id"] == run_id and run["params_hash"] == "p1" and run["agreement_hash"] == "a1"
        assert run["counts"] == {"picks": 3, "quarantined": 1} and run["meta"] == {"note": "first"}
        assert run["code_version"] and str(run["started_at"]).endswith("Z") and run["finished_at"]
        assert run["tables"] == ["picks", "sensors"]
        assert_same(store.load_table(run_id, "picks"), picks())
        assert_same(store.load_table(run_id, "sensors"), sensors())
        assert store.load_quarantine(run_id) == q


def test_runs_are_kept_apart_and_tables_widen(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        with store.run(META) as first:
            store.save_table(first, "picks", picks(3))
        extra = picks(5).with_columns(flag=np.array([True, False, True, True, False]))
        with store.run(META) as second:
            store.save_table(second, "picks", extra)
            store.save_table(second, "empty", Columns.empty(PICKS))
            store.set_counts(second, {"picks": 5})
        assert_same(store.load_table(first, "picks"), picks(3))
        assert_same(store.load_table(second, "picks"), extra)
        assert len(store.load_table(second, "empty")) == 0
        assert [r["counts"] for r in store.runs()] == [{}, {"picks": 5}]


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_exception_inside_run_leaves_no_partial_run(tmp_path: Path, error: BaseException) -> None:
    path = tmp_path / "s.sqlite"
    with Store.open(path) as store:
        with store.run(META) as kept:
            store.save_table(kept, "sensors", sensors())
        with pytest.raises(type(error)):
            with store.run(META) as run_id:
                store.save_table(run_id, "picks", picks())
                store.save_quarantine(run_id, [Quarantined("f", 1, "r", {})])
                raise error
    with Store.open(path) as store:
        assert [r["run_id"] for r in store.runs()] == [kept]
        with pytest.raises(StoreError):
            store.load_table(run_id, "picks")
        assert store.load_quarantine(run_id) == []
    db = sqlite3.connect(path)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "picks" not in tables  # even the table the failed run created is gone
    assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    db.close()


def test_killed_process_leaves_no_partial_run(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    script = textwrap.dedent(f"""
        import os, signal
        import numpy as np
        from truceline.model.tables import Columns
        from truceline.store import Store
        store = Store.open({str(path)!r})
        run_id = store.begin_run({{"params_hash": "x"}})
        store.save_table(run_id, "picks", Columns({{"pick_id": np.array(["a", "b"], dtype=object)}}))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    with Store.open(path) as store:
        assert store.runs() == []
        with store.run(META) as run_id:  # the store is usable afterwards
            store.save_table(run_id, "picks", picks())
        assert len(store.runs()) == 1


def test_misuse_is_reported(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.sqlite") as store:
        run_id = store.begin_run(META)
        with pytest.raises(StoreError, match="still open"):
            store.begin_run(META)
        with pytest.raises(StoreError, match="table name"):
            store.save_table(run_id, "runs", picks())
        with pytest.raises(StoreError, match="table name"):
            store.save_table(run_id, 'x"; DROP TABLE runs; --', picks())
        store.save_table(run_id, "picks", picks())
        with pytest.raises(StoreError, match="already holds"):
            store.save_table(run_id, "picks", picks())
        with pytest.raises(StoreError, match="not the open run"):
            store.finish_run("other", {})
        store.abort_run(run_id)
        assert store.runs() == []
    with Store.open(tmp_path / "s.sqlite") as store:
        store.begin_run(META)  # left open: closing the store rolls it back
    with Store.open(tmp_path / "s.sqlite") as store:
        assert store.runs() == []
