"""The two engines behind :class:`~truceline.store.Store`: an SQLite file and a PostgreSQL server.

Everything that differs between them lives here: how a target names a database, column types,
how a write transaction begins, the durability settings, and the fast paths for bulk rows (the
DB-API driver's ``executemany`` on SQLite, ``COPY`` on PostgreSQL). Ordinary statements are
SQLAlchemy Core ``text()`` and are written once, for both.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection
from sqlalchemy.pool import NullPool

from truceline.store.schema import StoreError, quote

WRITE_LOCK = int.from_bytes(b"trucelin", "big")
"""PostgreSQL advisory lock that serialises writers, as ``BEGIN IMMEDIATE`` does on SQLite."""


def to_url(target: str | Path) -> URL:
    """The SQLAlchemy URL of a store target: a path, ``sqlite:///path`` or ``postgresql://…``."""
    if isinstance(target, Path) or "://" not in str(target):
        return URL.create("sqlite", database=str(Path(target).expanduser().resolve()))
    try:
        url = sa.make_url(str(target))
    except sa.exc.ArgumentError:
        url = None
    if url is not None and url.drivername == "sqlite" and url.database not in (None, "", ":memory:"):
        return url.set(database=str(Path(url.database).expanduser().resolve()))
    if url is not None and url.drivername in ("postgresql", "postgresql+psycopg") and url.database:
        return url.set(drivername="postgresql+psycopg")
    raise StoreError(f"store URL {str(target)!r} is neither a path, sqlite:///path nor postgresql://host/db")


def backend_for(url: URL) -> "Backend":
    """The engine-specific half of a store at ``url`` (see :func:`to_url`)."""
    return SqliteBackend() if url.get_backend_name() == "sqlite" else PostgresBackend()


def connect(url: URL) -> Connection:
    """One autocommit connection; :class:`Backend` issues ``BEGIN``/``COMMIT`` itself."""
    args: dict[str, Any] = {"timeout": 30.0} if url.get_backend_name() == "sqlite" else {
        "connect_timeout": 10, "application_name": "truceline"}
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args=args)
    return engine.connect()


def public_url(url: URL) -> str:
    """``url`` as text, without its password and with the plain driver name."""
    name = "sqlite" if url.get_backend_name() == "sqlite" else "postgresql"
    bare = URL.create(name, url.username, None, url.host, url.port, url.database, url.query)
    return bare.render_as_string(hide_password=False)


class Backend:
    """What differs between engines. Statements run on a SQLAlchemy ``Connection``."""

    name = ""
    types: dict[str, str] = {}
    """SQL types by role: ``int``, ``real``, ``text``, ``blob`` and ``serial`` (an auto key)."""
    mark = "?"
    """The driver's parameter placeholder, for the bulk paths that bypass SQLAlchemy."""

    def prepare(self, conn: Connection) -> None:
        """Set the session's durability settings; refuse a database that cannot keep them."""
        raise NotImplementedError

    def durability(self, conn: Connection) -> dict[str, str]:
        """The durability settings in force, read back from the database."""
        raise NotImplementedError

    def begin_write(self, conn: Connection) -> None:
        """Begin a transaction that holds the store's single write lock until it ends."""
        raise NotImplementedError

    def columns_of(self, conn: Connection, table: str) -> dict[str, str]:
        """Column name -> declared SQL type (upper case) of ``table``; empty if it does not exist."""
        raise NotImplementedError

    def insert_rows(self, conn: Connection, table: str, columns: Sequence[tuple[str, str]],
                    rows: Iterable[Sequence[Any]]) -> None:
        """Insert many rows through the DB-API driver (fast path); ``columns`` are (name, type role)."""
        raise NotImplementedError

    def fetch(self, conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` (placeholders written ``?``) through the DB-API driver (fast path)."""
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql.replace("?", self.mark), tuple(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()


class SqliteBackend(Backend):
    """One SQLite file: WAL journal, ``synchronous=FULL``, ``BEGIN IMMEDIATE`` for writers."""

    name = "sqlite"
    types = {"int": "INTEGER", "real": "REAL", "text": "TEXT", "blob": "BLOB", "serial": "INTEGER PRIMARY KEY"}

    def prepare(self, conn: Connection) -> None:
        mode = conn.execute(sa.text("PRAGMA journal_mode=WAL")).scalar()
        if str(mode).lower() != "wal":
            raise StoreError(f"{conn.engine.url.database}: SQLite refused WAL journal mode (got {mode!r})")
        conn.execute(sa.text("PRAGMA synchronous=FULL"))
        conn.execute(sa.text("PRAGMA foreign_keys=ON"))

    def durability(self, conn: Connection) -> dict[str, str]:
        level = int(conn.execute(sa.text("PRAGMA synchronous")).scalar_one())
        return {"journal_mode": str(conn.execute(sa.text("PRAGMA journal_mode")).scalar_one()).lower(),
                "synchronous": {0: "off", 1: "normal", 2: "full", 3: "extra"}.get(level, str(level))}

    def begin_write(self, conn: Connection) -> None:
        conn.execute(sa.text("BEGIN IMMEDIATE"))

    def columns_of(self, conn: Connection, table: str) -> dict[str, str]:
        rows = conn.execute(sa.text(f"PRAGMA table_info({quote(table)})")).all()
        return {str(r[1]): str(r[2]).upper() for r in rows}

    def insert_rows(self, conn: Connection, table: str, columns: Sequence[tuple[str, str]],
                    rows: Iterable[Sequence[Any]]) -> None:
        names = ", ".join(quote(name) for name, _ in columns)
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join('?' * len(columns))})"
        conn.connection.driver_connection.executemany(sql, rows)  # type: ignore[union-attr]


class PostgresBackend(Backend):
    """A PostgreSQL database: ``synchronous_commit=on``, ``fsync`` required, ``COPY`` for bulk rows."""

    name = "postgresql"
    types = {"int": "BIGINT", "real": "DOUBLE PRECISION", "text": "TEXT", "blob": "BYTEA",
             "serial": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"}
    mark = "%s"
    _copy_types = {"int": "int8", "real": "float8", "text": "text", "blob": "bytea"}

    def prepare(self, conn: Connection) -> None:
        conn.execute(sa.text("SET synchronous_commit = on"))
        check_durability(self.durability(conn), public_url(conn.engine.url))

    def durability(self, conn: Connection) -> dict[str, str]:
        names = ("synchronous_commit", "fsync", "full_page_writes")
        return {n: str(conn.execute(sa.text(f"SHOW {n}")).scalar_one()) for n in names}

    def begin_write(self, conn: Connection) -> None:
        conn.execute(sa.text("BEGIN"))
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})

    def columns_of(self, conn: Connection, table: str) -> dict[str, str]:
        rows = conn.execute(sa.text("SELECT column_name, data_type FROM information_schema.columns "
                                    "WHERE table_schema = current_schema() AND table_name = :t"), {"t": table}).all()
        return {str(name): str(kind).upper() for name, kind in rows}

    def insert_rows(self, conn: Connection, table: str, columns: Sequence[tuple[str, str]],
                    rows: Iterable[Sequence[Any]]) -> None:
        raw = conn.connection.driver_connection
        names = ", ".join(quote(name) for name, _ in columns)
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([self._copy_types[role] for _, role in columns])
                for row in rows:
                    copy.write_row(row)


def check_durability(settings: dict[str, str], where: str) -> None:
    """Refuse a PostgreSQL server whose settings would lose committed runs on a power loss."""
    unsafe = {k: v for k, v in settings.items() if k in ("synchronous_commit", "fsync", "full_page_writes")
              and v.lower() != "on"}
    if unsafe:
        found = ", ".join(f"{k}={v}" for k, v in unsafe.items())
        raise StoreError(f"PostgreSQL at {where} runs with {found}: a committed run could be lost on a power "
                         "failure; set them to on (postgresql.conf) before using it as a store")
