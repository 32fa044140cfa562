"""The store on both engines: round trips, and no half-written run after an exception or a killed process."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from truceline.model.tables import PICKS, SENSORS, Columns
from truceline.sources.base import Quarantined
from truceline.store import SCHEMA_VERSION, Store, StoreError
from truceline.store.engines import public_url, to_url

from conftest import run_sql, table_names

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


def test_open_creates_schema_version_once(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        assert store.runs() == []
        assert store.engine == ("sqlite" if isinstance(store_target, Path) else "postgresql")
    assert run_sql(store_target, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    Store.open(store_target).close()  # reopening does not duplicate the version row
    assert run_sql(store_target, "SELECT count(*) FROM schema_version") == [(1,)]


def test_open_creates_folders_and_accepts_sqlite_urls(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "store.sqlite"
    with Store.open(path) as store:
        assert store.path == path and store.url == f"sqlite:///{path}"
    with Store.open(f"sqlite:///{path}") as store:
        assert store.path == path and store.engine == "sqlite"


def test_url_keeps_no_password() -> None:
    url = to_url("postgresql+psycopg://alice:secret@db.example:5433/truce")
    assert public_url(url) == "postgresql://alice@db.example:5433/truce"
    assert to_url("postgresql://alice@db.example/truce").drivername == "postgresql+psycopg"


@pytest.mark.parametrize("bad", ["mysql://u@h/db", "sqlite://", "postgresql://host-without-db", "http://x/y"])
def test_bad_url_is_refused(bad: str) -> None:
    with pytest.raises(StoreError, match="neither a path"):
        Store.open(bad)


def test_unreachable_server_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="cannot open the store at postgresql://nobody@127.0.0.1:1/x"):
        Store.open("postgresql://nobody:pw@127.0.0.1:1/x")


def test_newer_schema_is_refused(store_target: Path | str) -> None:
    Store.open(store_target).close()
    run_sql(store_target, "UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="schema version 99"):
        Store.open(store_target)


V1_SCHEMA = ("CREATE TABLE schema_version (version INTEGER NOT NULL)", "INSERT INTO schema_version VALUES (1)",
             "CREATE TABLE runs (run_id TEXT PRIMARY KEY, finished_at TEXT NOT NULL DEFAULT '')",
             "CREATE TABLE quarantine (run_id TEXT NOT NULL REFERENCES runs(run_id), source TEXT NOT NULL, "
             "row INTEGER NOT NULL, reason TEXT NOT NULL, record TEXT NOT NULL)",
             "INSERT INTO runs VALUES ('r1', 'x')", "INSERT INTO quarantine VALUES ('r1', 'f', 2, 'b', '{}')",
             "INSERT INTO quarantine VALUES ('r1', 'f', 1, 'a', '{}')")


def test_version_1_file_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    for statement in V1_SCHEMA:
        run_sql(path, statement)
    with Store.open(path) as store:
        assert store.load_quarantine("r1") == [Quarantined("f", 2, "b", {}), Quarantined("f", 1, "a", {})]
        assert store.ledger_size() == 0
    assert run_sql(path, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    assert "quarantine_v1" not in table_names(path)


def test_run_round_trip(store_target: Path | str) -> None:
    q = [Quarantined("picks.csv", 7, "snr: 'x' is not a number", {"pick_id": "P9", "snr": "x"})]
    with Store.open(store_target) as store:
        run_id = store.begin_run({**META, "note": "first"})
        store.save_table(run_id, "picks", picks())
        store.save_table(run_id, "sensors", sensors())
        store.save_quarantine(run_id, q)
        store.finish_run(run_id, {"picks": 3, "quarantined": 1})
    with Store.open(store_target) as store:
        (run,) = store.runs()
        assert run["run_id"] == run_id and run["params_hash"] == "p1" and run["agreement_hash"] == "a1"
        assert run["counts"] == {"picks": 3, "quarantined": 1} and run["meta"] == {"note": "first"}
        assert run["code_version"] and str(run["started_at"]).endswith("Z") and run["finished_at"]
        assert run["tables"] == ["picks", "sensors"]
        assert_same(store.load_table(run_id, "picks"), picks())
        assert_same(store.load_table(run_id, "sensors"), sensors())
        assert store.load_quarantine(run_id) == q


def test_runs_are_kept_apart_and_tables_widen(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
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
def test_exception_inside_run_leaves_no_partial_run(store_target: Path | str, error: BaseException) -> None:
    path = store_target
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
    assert "picks" not in table_names(path)  # even the table the failed run created is gone
    assert run_sql(path, "SELECT count(*) FROM runs") == [(1,)]


def test_killed_process_leaves_no_partial_run(store_target: Path | str) -> None:
    path = str(store_target)
    script = textwrap.dedent(f"""
        import os, signal
        import numpy as np
        from truceline.model.tables import Columns
        from truceline.store import Store
        store = Store.open({path!r})
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


def test_misuse_is_reported(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
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
    with Store.open(store_target) as store:
        store.begin_run(META)  # left open: closing the store rolls it back
    with Store.open(store_target) as store:
        assert store.runs() == []


def test_a_column_keeps_its_sql_type(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        with store.run(META) as first:
            store.save_table(first, "counts", Columns({"n": np.array([1, 2])}))
        with store.run(META) as second:
            store.save_table(second, "counts", Columns({"n": np.array([True, False])}))  # bool is stored as int
        with store.run(META) as third:
            with pytest.raises(StoreError, match="column 'n' holds"):
                store.save_table(third, "counts", Columns({"n": np.array([0.5])}))
            store.save_table(third, "other", Columns({"n": np.array([0.5])}))  # the run goes on
        assert list(store.load_table(second, "counts")["n"]) == [True, False]
        assert store.load_table(third, "other")["n"].tolist() == [0.5]
