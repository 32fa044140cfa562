"""Persistence: runs, their tables, quarantine, the evidence ledger's tables and the desk's
(tokens, review cases, claims, publications).

One interface over two engines: an SQLite file (the embedded default; WAL, ``synchronous=FULL``)
or a PostgreSQL database (``synchronous_commit=on``, ``fsync`` required). A run is one
transaction on both; see docs/formats.md, section ``store.sqlite``.

>>> with Store.open("work/store.sqlite") as store:                       # doctest: +SKIP
...     with store.run({"params_hash": "ab12"}) as run_id:
...         store.save_table(run_id, "picks", picks)
...         store.save_quarantine(run_id, result.quarantine)
...         store.set_counts(run_id, {"picks": len(picks)})
>>> Store.open("postgresql://truceline@db.example:5432/truceline")      # doctest: +SKIP
"""

from truceline.store.desk_tables import DeskStore
from truceline.store.engines import to_url
from truceline.store.ledger_tables import LedgerStore
from truceline.store.runs import RunStore
from truceline.store.schema import SCHEMA_VERSION, StoreError


class Store(RunStore, LedgerStore, DeskStore):
    """Runs, their tables and quarantine, the ledger's tables and the desk's, in SQLite or PostgreSQL.

    Open with :meth:`Store.open` (a path, ``sqlite:///path`` or ``postgresql://user@host/db``);
    ``store.engine`` says which, ``store.url`` where, ``store.durability()`` how safely.
    """


__all__ = ["SCHEMA_VERSION", "Store", "StoreError", "to_url"]
