"""Kept for older imports: the store is :mod:`truceline.store` (SQLite or PostgreSQL)."""

from truceline.store import SCHEMA_VERSION, Store, StoreError

__all__ = ["SCHEMA_VERSION", "Store", "StoreError"]
