"""The embedded store: one SQLite file (WAL) holding runs, their tables and their quarantine.

A run is written in one transaction, committed only by :meth:`Store.finish_run`; an exception,
Ctrl-C or a killed process before that leaves the file exactly as it was (see docs/formats.md,
``store.sqlite``):

>>> with Store.open(Path("work/store.sqlite")) as store:          # doctest: +SKIP
...     with store.run({"params_hash": "ab12"}) as run_id:
...         store.save_table(run_id, "picks", picks)
...         store.save_quarantine(run_id, result.quarantine)
...         store.set_counts(run_id, {"picks": len(picks)})
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Iterator, Sequence

import numpy as np

from truceline.model.tables import Columns
from truceline.sources.base import Quarantined

SCHEMA_VERSION = 1
RUN_FIELDS = ("code_version", "params_hash", "agreement_version", "agreement_hash", "inputs", "started_at")
"""What every run records (``begin_run`` fills ``code_version`` and ``started_at`` if absent)."""
RESERVED = frozenset({"schema_version", "runs", "run_columns", "quarantine"})

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, {", ".join(f"{f} TEXT NOT NULL DEFAULT ''" for f in RUN_FIELDS)},
    finished_at TEXT NOT NULL DEFAULT '', counts TEXT NOT NULL DEFAULT '{{}}', meta TEXT NOT NULL DEFAULT '{{}}');
CREATE TABLE IF NOT EXISTS run_columns (
    run_id TEXT NOT NULL REFERENCES runs(run_id), name TEXT NOT NULL, position INTEGER NOT NULL,
    column_name TEXT NOT NULL, dtype TEXT NOT NULL, n_rows INTEGER NOT NULL,
    PRIMARY KEY (run_id, name, position));
CREATE TABLE IF NOT EXISTS quarantine (
    run_id TEXT NOT NULL REFERENCES runs(run_id), source TEXT NOT NULL, row INTEGER NOT NULL,
    reason TEXT NOT NULL, record TEXT NOT NULL);
"""
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_SQL_TYPES = {"str": "TEXT", "float": "REAL", "int": "INTEGER", "bool": "INTEGER"}


class StoreError(RuntimeError):
    """Misuse of the store (a second open run, an unknown run or table, a newer schema)."""


class Store:
    """Runs and their tables in one SQLite file. Open with :meth:`Store.open`."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._open_run: str | None = None
        self._counts: dict[str, int] = {}

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, path: Path) -> "Store":
        """Open (creating if needed) the store at ``path``: WAL journal, schema checked."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        try:
            _ensure_schema(db, path)
        except BaseException:
            db.close()
            raise
        return cls(db, path)

    def close(self) -> None:
        """Roll back a run still open, then close the file."""
        if self._open_run is not None:
            self.abort_run(self._open_run)
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # ------------------------------------------------------------------ runs

    def begin_run(self, run: dict[str, str]) -> str:
        """Start a run (one transaction until :meth:`finish_run`); returns its ``run_id``."""
        if self._open_run is not None:
            raise StoreError(f"run {self._open_run} is still open; finish or abort it first")
        from truceline import __version__

        now = datetime.now(timezone.utc)
        run_id = run.get("run_id") or f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        values = {"code_version": __version__, "started_at": now.isoformat(timespec="milliseconds")[:-6] + "Z",
                  **{k: str(v) for k, v in run.items() if k in RUN_FIELDS}}
        meta = {k: str(v) for k, v in run.items() if k not in RUN_FIELDS and k != "run_id"}
        self._db.execute("BEGIN IMMEDIATE")
        self._open_run = run_id
        try:
            names = ("run_id", *values, "meta")
            self._db.execute(f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                             (run_id, *values.values(), json.dumps(meta, sort_keys=True)))
        except BaseException:
            self.abort_run(run_id)
            raise
        return run_id

    def save_table(self, run_id: str, name: str, table: Columns) -> None:
        """Store ``table`` as rows of the table ``name`` (created or widened as needed)."""
        self._check_open(run_id)
        _check_name(name, "table")
        if not table.names or {"run_id", "row_index"} & set(table.names):
            raise StoreError(f"table {name!r} needs columns, none of them named run_id or row_index")
        if self._db.execute("SELECT 1 FROM run_columns WHERE run_id = ? AND name = ?", (run_id, name)).fetchone():
            raise StoreError(f"run {run_id} already holds a table {name!r}")
        dtypes = {c: _dtype_of(table[c]) for c in table.names}
        self._ensure_table(name, dtypes)
        self._db.executemany(
            "INSERT INTO run_columns VALUES (?, ?, ?, ?, ?, ?)",
            [(run_id, name, i, c, d, len(table)) for i, (c, d) in enumerate(dtypes.items())])
        cols = ", ".join(["run_id", "row_index", *(_quote(c) for c in table.names)])
        marks = ", ".join("?" * (len(table.names) + 2))
        values = [_to_sql(table[c], dtypes[c]) for c in table.names]
        self._db.executemany(f"INSERT INTO {_quote(name)} ({cols}) VALUES ({marks})",
                             zip([run_id] * len(table), range(len(table)), *values))

    def save_quarantine(self, run_id: str, records: Sequence[Quarantined]) -> None:
        """Store quarantined records with their source, row, reason and raw record (JSON)."""
        self._check_open(run_id)
        self._db.executemany("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)",
                             [(run_id, q.source, q.row, q.reason, json.dumps(q.record, ensure_ascii=False))
                              for q in records])

    def finish_run(self, run_id: str, counts: dict[str, int]) -> None:
        """Record the run's counts and commit everything it wrote."""
        self._check_open(run_id)
        finished = datetime.now(timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"
        self._db.execute("UPDATE runs SET finished_at = ?, counts = ? WHERE run_id = ?",
                         (finished, json.dumps({k: int(v) for k, v in counts.items()}, sort_keys=True), run_id))
        self._db.execute("COMMIT")
        self._open_run = None

    def abort_run(self, run_id: str) -> None:
        """Discard everything the open run wrote."""
        self._check_open(run_id)
        self._open_run = None
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    @contextmanager
    def run(self, meta: dict[str, str], counts: dict[str, int] | None = None) -> Iterator[str]:
        """``with store.run(meta) as run_id:`` commits on success, rolls back on any exception.

        Counts set with :meth:`set_counts` inside the block (or ``counts``) are recorded.
        """
        run_id = self.begin_run(meta)
        self._counts = dict(counts or {})
        try:
            yield run_id
        except BaseException:
            if self._open_run == run_id:
                self.abort_run(run_id)
            raise
        self.finish_run(run_id, self._counts)

    def set_counts(self, run_id: str, counts: dict[str, int]) -> None:
        """Counts to record when the ``run`` block commits (merged with earlier ones)."""
        self._check_open(run_id)
        self._counts = {**self._counts, **counts}

    # ------------------------------------------------------------------ reading

    def runs(self) -> list[dict[str, object]]:
        """Committed runs, oldest first, with their metadata and counts."""
        cur = self._db.execute(f"SELECT run_id, {', '.join(RUN_FIELDS)}, finished_at, counts, meta FROM runs "
                               "WHERE finished_at != '' ORDER BY started_at, run_id")
        names = [d[0] for d in cur.description]
        out = []
        for row in cur.fetchall():
            item: dict[str, object] = dict(zip(names, row))
            item["counts"] = json.loads(str(item["counts"]))
            item["meta"] = json.loads(str(item["meta"]))
            item["tables"] = [r[0] for r in self._db.execute(
                "SELECT DISTINCT name FROM run_columns WHERE run_id = ? ORDER BY name", (item["run_id"],))]
            out.append(item)
        return out

    def load_table(self, run_id: str, name: str) -> Columns:
        """The table ``name`` of a run, with the columns, dtypes and row order it was saved with."""
        _check_name(name, "table")
        spec = self._db.execute("SELECT column_name, dtype, n_rows FROM run_columns WHERE run_id = ? AND name = ? "
                                "ORDER BY position", (run_id, name)).fetchall()
        if not spec:
            raise StoreError(f"run {run_id!r} has no table {name!r}")
        cols = [c for c, _, _ in spec]
        rows = self._db.execute(f"SELECT {', '.join(_quote(c) for c in cols)} FROM {_quote(name)} "
                                "WHERE run_id = ? ORDER BY row_index", (run_id,)).fetchall()
        values = list(zip(*rows)) if rows else [() for _ in cols]
        return Columns({c: _from_sql(v, d) for (c, d, _), v in zip(spec, values)})

    def load_quarantine(self, run_id: str) -> list[Quarantined]:
        """The quarantined records of a run, in the order saved."""
        rows = self._db.execute("SELECT source, row, reason, record FROM quarantine WHERE run_id = ? ORDER BY rowid",
                                (run_id,)).fetchall()
        return [Quarantined(s, int(r), why, json.loads(rec)) for s, r, why, rec in rows]

    # ------------------------------------------------------------------ helpers

    def _check_open(self, run_id: str) -> None:
        if self._open_run != run_id:
            raise StoreError(f"run {run_id!r} is not the open run ({self._open_run!r})")

    def _ensure_table(self, name: str, dtypes: dict[str, str]) -> None:
        self._db.execute(f"CREATE TABLE IF NOT EXISTS {_quote(name)} (run_id TEXT NOT NULL REFERENCES runs(run_id), "
                         "row_index INTEGER NOT NULL, PRIMARY KEY (run_id, row_index))")
        present = {r[1] for r in self._db.execute(f"PRAGMA table_info({_quote(name)})")}
        for column, dtype in dtypes.items():
            if column not in present:
                self._db.execute(f"ALTER TABLE {_quote(name)} ADD COLUMN {_quote(column)} {_SQL_TYPES[dtype]}")


def _ensure_schema(db: sqlite3.Connection, path: Path) -> None:
    db.execute("BEGIN IMMEDIATE")  # executescript() would commit on its own; one statement at a time
    try:
        for statement in filter(str.strip, _SCHEMA.split(";")):
            db.execute(statement)
        found = db.execute("SELECT version FROM schema_version").fetchall()
        if not found:
            db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
        elif found[0][0] != SCHEMA_VERSION:
            raise StoreError(f"{path}: store schema version {found[0][0]}, this Truceline reads {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _check_name(name: str, what: str) -> None:
    if not _NAME.match(name) or name in RESERVED:
        raise StoreError(f"{what} name {name!r} must be lower-case letters, digits and _ and not one of "
                         f"{', '.join(sorted(RESERVED))}")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _dtype_of(values: np.ndarray) -> str:
    kind = np.asarray(values).dtype.kind
    return {"b": "bool", "i": "int", "u": "int", "f": "float"}.get(kind, "str")


def _to_sql(values: np.ndarray, dtype: str) -> list[object]:
    if dtype == "str":
        return ["" if v is None else str(v) for v in np.asarray(values, dtype=object)]
    if dtype == "float":
        return [None if v != v else v for v in np.asarray(values, dtype=float).tolist()]
    return [int(v) for v in np.asarray(values).tolist()]


def _from_sql(values: Sequence[object], dtype: str) -> np.ndarray:
    if dtype == "str":
        return np.array(["" if v is None else str(v) for v in values], dtype=object)
    if dtype == "float":
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if dtype == "bool":
        return np.array([bool(v) for v in values], dtype=np.bool_)
    return np.array(list(values), dtype=np.int64)

