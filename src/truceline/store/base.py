"""What every part of the store shares: the connection, its engine, and the transaction rules.

Statements run in autocommit mode unless a transaction is open. A run is one transaction, from
``begin_run`` to ``finish_run``; a write outside a run (a ledger append, a checkpoint) is its own
transaction, committed durably before the method returns. Only one writer holds the store at a
time: ``BEGIN IMMEDIATE`` on SQLite, an advisory transaction lock on PostgreSQL.
"""

from __future__ import annotations

from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Iterator, Mapping, Sequence, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from truceline.store.engines import Backend, backend_for, connect, public_url, to_url
from truceline.store.schema import StoreError, ensure_schema

S = TypeVar("S", bound="StoreBase")


class StoreBase:
    """The connection and transactions of a store. Open one with :meth:`open`."""

    def __init__(self, conn: Connection, backend: Backend, url: str, path: Path | None) -> None:
        self._conn = conn
        self._backend = backend
        self.url = url
        """Where the store is, as a URL without password (``sqlite:////abs/path`` or ``postgresql://…``)."""
        self.path = path
        """The SQLite file, or ``None`` on PostgreSQL."""
        self._open_run: str | None = None

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls: type[S], target: str | Path) -> S:
        """Open (creating if needed) the store at a path, ``sqlite:///path`` or ``postgresql://user@host/db``.

        SQLite files get a WAL journal with ``synchronous=FULL``; PostgreSQL sessions run with
        ``synchronous_commit=on`` and a server with ``fsync=off`` is refused. The schema is created,
        upgraded from version 1, or refused if newer.
        """
        url = to_url(target)
        backend = backend_for(url)
        path = Path(url.database or "") if backend.name == "sqlite" else None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = connect(url)
        except sa.exc.OperationalError as error:
            raise StoreError(f"cannot open the store at {public_url(url)}: {error.orig}") from error
        try:
            backend.prepare(conn)
            ensure_schema(conn, backend, str(path) if path is not None else public_url(url))
        except BaseException:
            conn.close()
            raise
        return cls(conn, backend, public_url(url), path)

    def close(self) -> None:
        """Roll back a run still open, then close the connection."""
        try:
            if self._open_run is not None:
                self._open_run = None
                self._rollback()
        finally:
            self._conn.close()

    def __enter__(self: S) -> S:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def engine(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self._backend.name

    def durability(self) -> dict[str, str]:
        """The durability settings in force, read back from the database.

        SQLite: ``journal_mode`` (``wal``) and ``synchronous`` (``full``); PostgreSQL:
        ``synchronous_commit``, ``fsync`` and ``full_page_writes`` (all ``on``).
        """
        return self._backend.durability(self._conn)

    # ------------------------------------------------------------------ for the parts of the store

    def _sql(self, statement: str, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None
             ) -> sa.CursorResult[Any]:
        """Run one ordinary statement (named ``:params``; a list of them runs it for each)."""
        return self._conn.execute(sa.text(statement), params)

    def _rows(self, statement: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """All rows of a query, as tuples."""
        return [tuple(r) for r in self._sql(statement, params).all()]

    @contextmanager
    def _write(self) -> Iterator[None]:
        """Join the open run's transaction, or else be one transaction committed at the end."""
        if self._open_run is not None:
            yield
            return
        self._backend.begin_write(self._conn)
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        self._sql("COMMIT")

    def _rollback(self) -> None:
        """End the transaction, keeping nothing; a connection already gone has kept nothing either."""
        with suppress(sa.exc.DBAPIError):
            self._sql("ROLLBACK")

    def _check_open(self, run_id: str) -> None:
        if self._open_run != run_id:
            raise StoreError(f"run {run_id!r} is not the open run ({self._open_run!r})")
