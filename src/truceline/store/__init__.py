"""Persistence: runs, their tables and quarantine. SQLite (WAL) is the embedded default."""

from truceline.store.sqlite import SCHEMA_VERSION, Store, StoreError

__all__ = ["SCHEMA_VERSION", "Store", "StoreError"]
