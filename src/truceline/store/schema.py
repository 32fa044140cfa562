"""The store's schema (the same on both engines), its version and upgrade, names and column types.

Types are written by role and filled in per engine: ``int`` (INTEGER / BIGINT), ``real`` (REAL /
DOUBLE PRECISION), ``blob`` (BLOB / BYTEA) and ``serial`` (an automatic key that keeps insertion
order). docs/formats.md, section ``store.sqlite``, describes every table.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from truceline.store.engines import Backend

SCHEMA_VERSION = 3
RUN_FIELDS = ("code_version", "params_hash", "agreement_version", "agreement_hash", "inputs", "started_at")
"""What every run records (``begin_run`` fills ``code_version`` and ``started_at`` if absent)."""

_TABLES = {
    "schema_version": "version {int} NOT NULL",
    "runs": "run_id TEXT PRIMARY KEY, " + ", ".join(f"{f} TEXT NOT NULL DEFAULT ''" for f in RUN_FIELDS)
            + ", finished_at TEXT NOT NULL DEFAULT '', counts TEXT NOT NULL DEFAULT '{{}}', "
              "meta TEXT NOT NULL DEFAULT '{{}}'",
    "run_columns": "run_id TEXT NOT NULL REFERENCES runs(run_id), name TEXT NOT NULL, position {int} NOT NULL, "
                   "column_name TEXT NOT NULL, dtype TEXT NOT NULL, n_rows {int} NOT NULL, "
                   "PRIMARY KEY (run_id, name, position)",
    "quarantine": "id {serial}, run_id TEXT NOT NULL REFERENCES runs(run_id), source TEXT NOT NULL, "
                  "row {int} NOT NULL, reason TEXT NOT NULL, record TEXT NOT NULL",
    "ledger_leaves": "leaf_index {int} PRIMARY KEY, kind TEXT NOT NULL, data {blob} NOT NULL, "
                     "leaf_hash {blob} NOT NULL",
    "ledger_tiles": "level {int} NOT NULL, tile_index {int} NOT NULL, hashes {blob} NOT NULL, "
                    "PRIMARY KEY (level, tile_index)",
    "ledger_batches": "leaf_index {int} PRIMARY KEY, run_id TEXT NOT NULL, table_name TEXT NOT NULL, "
                      "source TEXT NOT NULL, status TEXT NOT NULL, n_records {int} NOT NULL, "
                      "record_hashes {blob} NOT NULL, salts {blob} NOT NULL",
    "ledger_checkpoints": "id {serial}, size {int} NOT NULL, note TEXT NOT NULL, created_at TEXT NOT NULL",
    "source_sequences": "source_id TEXT NOT NULL, sequence {int} NOT NULL, manifest_sha256 TEXT NOT NULL, "
                        "leaf_index {int} NOT NULL, PRIMARY KEY (source_id, sequence)",
    "desk_tokens": "token_id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, party TEXT NOT NULL, "
                   "secret_hash TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT NOT NULL DEFAULT ''",
    "desk_cases": "case_id TEXT PRIMARY KEY, state TEXT NOT NULL, body TEXT NOT NULL, updated_at TEXT NOT NULL",
    "desk_claims": "claim_id TEXT PRIMARY KEY, party TEXT NOT NULL, body TEXT NOT NULL, filed_at TEXT NOT NULL, "
                   "leaf_index {int} NOT NULL",
    "desk_publications": "publication_id TEXT PRIMARY KEY, case_id TEXT NOT NULL, body {blob} NOT NULL, "
                         "signature TEXT NOT NULL, checkpoint TEXT NOT NULL, published_at TEXT NOT NULL, "
                         "supersedes TEXT NOT NULL DEFAULT ''",
    "desk_deliveries": "publication_id TEXT NOT NULL, party TEXT NOT NULL, channel TEXT NOT NULL, "
                       "status TEXT NOT NULL, attempts {int} NOT NULL, detail TEXT NOT NULL, "
                       "PRIMARY KEY (publication_id, party, channel)",
}
_DESK = ("desk_tokens", "desk_cases", "desk_claims", "desk_publications", "desk_deliveries")
_INDEXES = ("CREATE INDEX IF NOT EXISTS quarantine_run ON quarantine (run_id)",
            "CREATE INDEX IF NOT EXISTS ledger_batches_run ON ledger_batches (run_id)")
RESERVED = frozenset(_TABLES)
"""Table names the store uses itself; a run's table may not take one."""
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
SQL_TYPES = {"str": "text", "float": "real", "int": "int", "bool": "int"}
"""The SQL type role that holds each column dtype."""


class StoreError(RuntimeError):
    """Misuse of the store (a second open run, an unknown run or table, a newer schema, a bad URL)."""


def ensure_schema(conn: Connection, backend: "Backend", where: str) -> None:
    """Create the schema in an empty store, upgrade version 1, refuse a newer one (one transaction)."""
    if _version(conn) == SCHEMA_VERSION:
        return  # the usual case: read only, so opening never waits for a writer
    backend.begin_write(conn)
    try:
        _create(conn, backend, "schema_version")
        found = _version(conn)
        if found is None:
            _create_all(conn, backend)
            conn.execute(sa.text("INSERT INTO schema_version VALUES (:v)"), {"v": SCHEMA_VERSION})
        elif found == 1:
            _upgrade_from_1(conn, backend)
        elif found == 2:
            _upgrade_from_2(conn, backend)
        elif found != SCHEMA_VERSION:
            raise StoreError(f"{where}: store schema version {found}, this Truceline reads {SCHEMA_VERSION}")
        conn.execute(sa.text("COMMIT"))
    except BaseException:
        conn.execute(sa.text("ROLLBACK"))
        raise


def _version(conn: Connection) -> int | None:
    if not sa.inspect(conn).has_table("schema_version"):
        return None
    found = conn.execute(sa.text("SELECT version FROM schema_version")).scalar()
    return None if found is None else int(found)


def _create(conn: Connection, backend: "Backend", table: str) -> None:
    columns = _TABLES[table].format(**backend.types)
    conn.execute(sa.text(f"CREATE TABLE IF NOT EXISTS {table} ({columns})"))


def _create_all(conn: Connection, backend: "Backend") -> None:
    for table in _TABLES:
        _create(conn, backend, table)
    for statement in _INDEXES:
        conn.execute(sa.text(statement))


def _upgrade_from_1(conn: Connection, backend: "Backend") -> None:
    """Version 2 added the ledger tables and gave quarantine an ``id`` (rowid order on SQLite); the
    tables of later versions are created with them."""
    conn.execute(sa.text("ALTER TABLE quarantine RENAME TO quarantine_v1"))
    _create_all(conn, backend)
    conn.execute(sa.text("INSERT INTO quarantine (run_id, source, row, reason, record) "
                         "SELECT run_id, source, row, reason, record FROM quarantine_v1 ORDER BY rowid"))
    conn.execute(sa.text("DROP TABLE quarantine_v1"))
    conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION})


def _upgrade_from_2(conn: Connection, backend: "Backend") -> None:
    """Version 3 adds the desk's tables (tokens, cases, claims, publications, deliveries)."""
    for table in _DESK:
        _create(conn, backend, table)
    conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": SCHEMA_VERSION})


def check_name(name: str, what: str) -> None:
    """Refuse a table name that is not a plain lower-case identifier or that the store uses itself."""
    if not _NAME.match(name) or name in RESERVED or name.startswith(("sqlite_", "pg_")):
        raise StoreError(f"{what} name {name!r} must be lower-case letters, digits and _, not start with "
                         f"sqlite_ or pg_, and not be one of {', '.join(sorted(RESERVED))}")


def quote(identifier: str) -> str:
    """``identifier`` as a quoted SQL identifier (the same on both engines)."""
    return '"' + identifier.replace('"', '""') + '"'


def dtype_of(values: np.ndarray) -> str:
    """The store dtype (``str``, ``float``, ``int``, ``bool``) of a numpy column."""
    kind = np.asarray(values).dtype.kind
    return {"b": "bool", "i": "int", "u": "int", "f": "float"}.get(kind, "str")


def to_sql(values: np.ndarray, dtype: str) -> list[object]:
    """A column as Python values for the driver (NaN becomes NULL, bool becomes 0/1)."""
    if dtype == "str":
        return ["" if v is None else str(v) for v in np.asarray(values, dtype=object)]
    if dtype == "float":
        return [None if v != v else v for v in np.asarray(values, dtype=float).tolist()]
    return [int(v) for v in np.asarray(values).tolist()]


def from_sql(values: Sequence[object], dtype: str) -> np.ndarray:
    """A column read back from the driver, with the dtype it was saved with."""
    if dtype == "str":
        return np.array(["" if v is None else str(v) for v in values], dtype=object)
    if dtype == "float":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if dtype == "bool":
        return np.array([bool(v) for v in values], dtype=np.bool_)
    return np.array(list(values), dtype=np.int64)
