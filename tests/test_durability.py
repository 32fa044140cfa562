"""The durability settings the store promises are the ones in force, read back from each engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from truceline.store import Store, StoreError
from truceline.store.engines import check_durability

from conftest import create_pg_database, drop_pg_database, run_sql

EXPECTED = {"sqlite": {"journal_mode": "wal", "synchronous": "full"},
            "postgresql": {"synchronous_commit": "on", "fsync": "on", "full_page_writes": "on"}}


def test_settings_in_force(store_target: Path | str) -> None:
    with Store.open(store_target) as store:
        assert store.durability() == EXPECTED[store.engine]
        with store.run({}) as run_id:  # and they hold inside a run, on the run's own connection
            store.append_leaves(["k"], [b"d"], [b"h" * 32], {})
            assert store.durability() == EXPECTED[store.engine], run_id


def test_sqlite_file_is_left_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    Store.open(path).close()
    assert run_sql(path, "PRAGMA journal_mode") == [("wal",)]  # WAL is a property of the file


def test_postgresql_session_overrides_a_lax_database_default() -> None:
    url = create_pg_database()
    try:
        run_sql(url, f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET synchronous_commit = off")
        assert run_sql(url, "SHOW synchronous_commit") == [("off",)]
        with Store.open(url) as store:
            assert store.durability()["synchronous_commit"] == "on"
    finally:
        drop_pg_database(url)


@pytest.mark.parametrize("setting", ["fsync", "full_page_writes", "synchronous_commit"])
def test_a_server_that_could_lose_commits_is_refused(setting: str) -> None:
    settings = {**EXPECTED["postgresql"], setting: "off"}
    with pytest.raises(StoreError, match=f"runs with {setting}=off"):
        check_durability(settings, "postgresql://db.example/truce")
    check_durability(EXPECTED["postgresql"], "postgresql://db.example/truce")
