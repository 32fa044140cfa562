"""Shared fixtures: a store on each engine, and the rule for tests that need an outside service.

PostgreSQL cases run against the server at ``TRUCELINE_TEST_PG_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``), each in a database of its own that is dropped
afterwards. Without a server they are skipped, unless ``TRUCELINE_REQUIRE_SERVICES=1`` (as in CI),
which makes them fail instead.
"""

from __future__ import annotations

import os
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from truceline.store.engines import public_url, to_url

PG_URL = os.environ.get("TRUCELINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ENGINES = ["sqlite", "postgresql"]


def require_service(name: str, reason: str) -> None:
    """Skip the test because ``name`` is unavailable, or fail if ``TRUCELINE_REQUIRE_SERVICES=1``."""
    if os.environ.get("TRUCELINE_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (TRUCELINE_REQUIRE_SERVICES=1 requires {name})", pytrace=False)
    pytest.skip(reason)


@lru_cache(maxsize=1)
def _pg_problem() -> str | None:
    """Why the test PostgreSQL server cannot be used, or ``None`` if it can (asked once per session)."""
    try:
        psycopg.connect(_driver_url(PG_URL), connect_timeout=3).close()
    except psycopg.Error as error:
        return f"PostgreSQL not reachable at {public_url(to_url(PG_URL))}: {' '.join(str(error).split())}"
    return None


def _driver_url(url: str) -> str:
    """``url`` as psycopg takes it (without a SQLAlchemy driver suffix)."""
    return to_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_pg_database() -> str:
    """A new, empty database on the test server; returns its URL."""
    problem = _pg_problem()
    if problem:
        require_service("postgresql", problem)
    name = f"truceline_t_{uuid.uuid4().hex}"
    with psycopg.connect(_driver_url(PG_URL), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return to_url(PG_URL).set(drivername="postgresql", database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    """Drop a database made by :func:`create_pg_database`, closing any session still in it."""
    name = to_url(url).database
    with psycopg.connect(_driver_url(PG_URL), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(params=ENGINES)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path | str]:
    """Where to open a fresh store: an SQLite file under ``tmp_path``, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield tmp_path / "store.sqlite"
        return
    url = create_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


def run_sql(target: Path | str, statement: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one statement on a store's database from a connection of its own (autocommit)."""
    engine = sa.create_engine(to_url(target), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.text(statement), params or {})
            return [tuple(r) for r in result.all()] if result.returns_rows else []
    finally:
        engine.dispose()


def table_names(target: Path | str) -> set[str]:
    """The tables in a store's database."""
    engine = sa.create_engine(to_url(target), poolclass=NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def demo_day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo's day (seed 7, full difficulty) simulated and processed with satellite and drone data,
    as ``truceline demo`` does (radar left out): what the desk and the API serve in tests."""
    from datetime import date

    from truceline.app import Trust, run_process, run_simulate
    from truceline.evaluate import read_truth
    base = tmp_path_factory.mktemp("demo_day")
    paths = run_simulate(base / "scenario", agreement=None, seed=7, day=date(2026, 11, 26), calm=False)
    processed, outputs = run_process(paths["picks"], paths["sensors"], paths["agreement"], base / "out",
                                     trust=Trust(keyring=paths["keyring"], require_signed=True),
                                     firms=(paths["firms_viirs"], paths["firms_modis"]),
                                     firms_history=(paths["firms_history"],),
                                     drones=(paths["drone_sightings"], paths["drone_coverage"]))
    return {"out": base / "out", "paths": paths, "processed": processed, "outputs": outputs,
            "truth": read_truth(paths["truth"])}


@pytest.fixture
def desk_settings(demo_day: dict[str, Any], tmp_path: Path):
    """Serve settings over the demo day with a fresh copy of its store (tests may decide and publish)."""
    import shutil

    from truceline.api import ServeSettings
    store = tmp_path / "store.sqlite"
    shutil.copy(demo_day["out"] / "store.sqlite", store)
    return ServeSettings(data=demo_day["out"], store=str(store), public_delay_h=0.0)
