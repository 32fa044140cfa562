"""Runs, their tables and their quarantine: each run written in one transaction.

A run is committed only by :meth:`RunStore.finish_run`; an exception, Ctrl-C or a killed process
before that leaves the store exactly as it was, on both engines.
"""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator, Sequence

from truceline.model.tables import Columns
from truceline.sources.base import Quarantined
from truceline.store.base import StoreBase
from truceline.store.schema import (RUN_FIELDS, SQL_TYPES, StoreError, check_name, dtype_of, from_sql, quote,
                                    to_sql)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")[:-6] + "Z"


class RunStore(StoreBase):
    """Writing and reading runs (see :class:`~truceline.store.Store`)."""

    _counts: dict[str, int] = {}

    # ------------------------------------------------------------------ writing

    def begin_run(self, run: dict[str, str]) -> str:
        """Start a run (one transaction until :meth:`finish_run`); returns its ``run_id``."""
        if self._open_run is not None:
            raise StoreError(f"run {self._open_run} is still open; finish or abort it first")
        from truceline import __version__

        run_id = run.get("run_id") or f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        values = {"code_version": __version__, "started_at": _now(),
                  **{k: str(v) for k, v in run.items() if k in RUN_FIELDS}}
        meta = {k: str(v) for k, v in run.items() if k not in RUN_FIELDS and k != "run_id"}
        self._backend.begin_write(self._conn)
        self._open_run = run_id
        try:
            names = ("run_id", *values, "meta")
            self._sql(f"INSERT INTO runs ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})",
                      {"run_id": run_id, **values, "meta": json.dumps(meta, sort_keys=True)})
        except BaseException:
            self.abort_run(run_id)
            raise
        return run_id

    def save_table(self, run_id: str, name: str, table: Columns) -> None:
        """Store ``table`` as rows of the table ``name`` (created or widened as needed)."""
        self._check_open(run_id)
        check_name(name, "table")
        if not table.names or {"run_id", "row_index"} & set(table.names):
            raise StoreError(f"table {name!r} needs columns, none of them named run_id or row_index")
        if self._rows("SELECT 1 FROM run_columns WHERE run_id = :r AND name = :n", {"r": run_id, "n": name}):
            raise StoreError(f"run {run_id} already holds a table {name!r}")
        dtypes = {c: dtype_of(table[c]) for c in table.names}
        self._ensure_table(name, dtypes)
        self._sql("INSERT INTO run_columns VALUES (:r, :n, :i, :c, :d, :rows)",
                  [{"r": run_id, "n": name, "i": i, "c": c, "d": d, "rows": len(table)}
                   for i, (c, d) in enumerate(dtypes.items())])
        values = [to_sql(table[c], dtypes[c]) for c in table.names]
        columns = [("run_id", "text"), ("row_index", "int"), *((c, SQL_TYPES[dtypes[c]]) for c in table.names)]
        self._backend.insert_rows(self._conn, name, columns,
                                  zip([run_id] * len(table), range(len(table)), *values))

    def save_quarantine(self, run_id: str, records: Sequence[Quarantined]) -> None:
        """Store quarantined records with their source, row, reason and raw record (JSON)."""
        self._check_open(run_id)
        if records:
            self._sql("INSERT INTO quarantine (run_id, source, row, reason, record) VALUES (:r, :s, :n, :why, :rec)",
                      [{"r": run_id, "s": q.source, "n": q.row, "why": q.reason,
                        "rec": json.dumps(q.record, ensure_ascii=False)} for q in records])

    def finish_run(self, run_id: str, counts: dict[str, int]) -> None:
        """Record the run's counts and commit everything it wrote (durably, before returning)."""
        self._check_open(run_id)
        self._sql("UPDATE runs SET finished_at = :f, counts = :c WHERE run_id = :r",
                  {"f": _now(), "c": json.dumps({k: int(v) for k, v in counts.items()}, sort_keys=True),
                   "r": run_id})
        self._sql("COMMIT")
        self._open_run = None

    def abort_run(self, run_id: str) -> None:
        """Discard everything the open run wrote."""
        self._check_open(run_id)
        self._open_run = None
        self._rollback()

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
        """Committed runs, oldest first, with their metadata, counts and table names."""
        result = self._sql(f"SELECT run_id, {', '.join(RUN_FIELDS)}, finished_at, counts, meta FROM runs "
                           "WHERE finished_at != '' ORDER BY started_at, run_id")
        out = []
        for row in result.mappings().all():
            item: dict[str, object] = dict(row)
            item["counts"] = json.loads(str(item["counts"]))
            item["meta"] = json.loads(str(item["meta"]))
            item["tables"] = [r[0] for r in self._rows(
                "SELECT DISTINCT name FROM run_columns WHERE run_id = :r ORDER BY name", {"r": item["run_id"]})]
            out.append(item)
        return out

    def load_table(self, run_id: str, name: str) -> Columns:
        """The table ``name`` of a run, with the columns, dtypes and row order it was saved with."""
        return self.load_rows(run_id, name, 0, self.row_count(run_id, name))

    def row_count(self, run_id: str, name: str) -> int:
        """How many rows the run saved in table ``name``."""
        return int(self._spec(run_id, name)[0][2])

    def load_rows(self, run_id: str, name: str, start: int, end: int) -> Columns:
        """Rows ``start`` (inclusive) to ``end`` (exclusive) of a run's table, for reading in chunks."""
        spec = self._spec(run_id, name)
        cols = ", ".join(quote(c) for c, _, _ in spec)
        rows = self._backend.fetch(self._conn, f"SELECT {cols} FROM {quote(name)} WHERE run_id = ? "
                                   "AND row_index >= ? AND row_index < ? ORDER BY row_index", (run_id, start, end))
        values = list(zip(*rows)) if rows else [() for _ in spec]
        return Columns({c: from_sql(v, d) for (c, d, _), v in zip(spec, values)})

    def load_quarantine(self, run_id: str) -> list[Quarantined]:
        """The quarantined records of a run, in the order saved."""
        rows = self._rows("SELECT source, row, reason, record FROM quarantine WHERE run_id = :r ORDER BY id",
                          {"r": run_id})
        return [Quarantined(s, int(r), why, json.loads(rec)) for s, r, why, rec in rows]

    # ------------------------------------------------------------------ helpers

    def _spec(self, run_id: str, name: str) -> list[tuple[str, str, int]]:
        check_name(name, "table")
        spec = self._rows("SELECT column_name, dtype, n_rows FROM run_columns WHERE run_id = :r AND name = :n "
                          "ORDER BY position", {"r": run_id, "n": name})
        if not spec:
            raise StoreError(f"run {run_id!r} has no table {name!r}")
        return [(str(c), str(d), int(n)) for c, d, n in spec]

    def _ensure_table(self, name: str, dtypes: dict[str, str]) -> None:
        types = self._backend.types
        self._sql(f"CREATE TABLE IF NOT EXISTS {quote(name)} (run_id TEXT NOT NULL, "
                  f"row_index {types['int']} NOT NULL, PRIMARY KEY (run_id, row_index))")
        present = self._backend.columns_of(self._conn, name)
        for column, dtype in dtypes.items():
            wanted = types[SQL_TYPES[dtype]]
            if column not in present:
                self._sql(f"ALTER TABLE {quote(name)} ADD COLUMN {quote(column)} {wanted}")
            elif present[column] != wanted:
                raise StoreError(f"table {name!r} column {column!r} holds {present[column]}, "
                                 f"but this run saves {dtype} values ({wanted})")
