"""The bytes the ledger commits to: one canonical encoding per stored record and per leaf.

A **record** (one stored row: a pick, a sensor, an event) is committed as canonical JSON — the
row's columns in stored order, compact separators, UTF-8, floats as Python's shortest
round-tripping ``repr``, negative zero as ``0.0`` (SQLite does not keep the sign of zero), NaN as
``null``, times as Unix seconds. The encoding is a function of the
stored row alone, so ``truceline ledger verify`` re-hashes the rows in the store, and an edited row
no longer matches the hash the log committed to.

Sensitive fields (sensor positions) never appear in a record: they are replaced by
``position_commitment``, the hex SHA-256 of a 16-byte random salt followed by the canonical JSON
``[lon, lat, elevation_m]``. The salt stays in the store; a released proof shows the commitment
only, and the mission can later open it by releasing the salt.

A **leaf** of the log is canonical JSON too, with ``"leaf"`` naming its kind: ``batch`` (an input
or output table: its records' Merkle root), ``quarantine`` (one rejected record), ``run`` (a
processing run) or ``decision`` (a human decision).

>>> record_bytes(Columns({"pick_id": np.array(["p1"], dtype=object), "snr": np.array([12.5])}), "picks")
[b'{"pick_id":"p1","snr":12.5}']
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Mapping, Sequence

import numpy as np

from truceline.model.tables import Columns

SALT_BYTES = 16
SENSITIVE: dict[str, tuple[str, ...]] = {"sensors": ("lon", "lat", "elevation_m")}
"""Per stored table, the columns committed only through a salted hash (``position_commitment``)."""
LEAF_KINDS = ("batch", "quarantine", "run", "decision")

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False,
                           allow_nan=False, sort_keys=False).encode


def canonical_json(value: Any) -> bytes:
    """Compact, key-sorted JSON as UTF-8 (the encoding of leaves and commitments)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True, allow_nan=False).encode()


def new_salts(n: int) -> list[bytes]:
    """``n`` fresh random salts for the sensitive fields of ``n`` records."""
    raw = os.urandom(SALT_BYTES * n)
    return [raw[i:i + SALT_BYTES] for i in range(0, len(raw), SALT_BYTES)]


def is_sensitive(table_name: str) -> bool:
    """Whether records of this stored table carry fields committed through salted hashes."""
    return table_name in SENSITIVE


def _python_values(values: np.ndarray) -> list[Any]:
    kind = np.asarray(values).dtype.kind
    if kind == "f":
        return [None if v != v else v + 0.0 for v in np.asarray(values, dtype=float).tolist()]  # -0.0 -> 0.0
    if kind in "iub":
        return np.asarray(values).tolist()
    return ["" if v is None else str(v) for v in np.asarray(values, dtype=object).tolist()]


def commitment(salt: bytes, values: Sequence[Any]) -> str:
    """Hex SHA-256 of ``salt`` followed by the canonical JSON of ``values``."""
    return hashlib.sha256(salt + _encode(list(values)).encode()).hexdigest()


def record_bytes(table: Columns, table_name: str, salts: Sequence[bytes] | None = None) -> list[bytes]:
    """Canonical bytes of every row of a stored table (salts needed for sensitive tables)."""
    hidden = SENSITIVE.get(table_name, ())
    hidden = tuple(c for c in hidden if c in table.names)
    if hidden and len(salts or ()) != len(table):
        raise ValueError(f"table {table_name!r} has sensitive columns {hidden}; one salt per row is needed")
    names = [n for n in table.names if n not in hidden]
    columns = [_python_values(table[n]) for n in names]
    if hidden:
        secret = list(zip(*(_python_values(table[c]) for c in hidden)))
        names.append("position_commitment")
        columns.append([commitment(s, v) for s, v in zip(salts or (), secret)])
    keys = tuple(names)
    return [_encode(dict(zip(keys, row))).encode() for row in zip(*columns)]


def decode_record(data: bytes) -> dict[str, Any]:
    """The record a proof carries, as a dict (raises ValueError if it is not a JSON object)."""
    value = json.loads(data.decode("utf-8"))
    if not isinstance(value, dict):
        raise ValueError("a record must be a JSON object")
    return value


def batch_leaf(*, run_id: str, table: str, source: str, status: str, n_records: int, records_root: bytes,
               detail: Mapping[str, Any] | None = None) -> bytes:
    """The leaf of one batch: which table of which run, its source, signature status and records root."""
    return canonical_json({"leaf": "batch", "v": 1, "run_id": run_id, "table": table, "source": source,
                           "status": status, "n_records": int(n_records), "records_root": records_root.hex(),
                           **dict(detail or {})})


def quarantine_leaf(*, run_id: str, source: str, row: int, reason: str, record_commitment: str) -> bytes:
    """The leaf of one quarantined record (the record itself through a salted hash)."""
    return canonical_json({"leaf": "quarantine", "v": 1, "run_id": run_id, "source": source, "row": int(row),
                           "reason": reason, "record_commitment": record_commitment})


def run_leaf(*, run_id: str, info: Mapping[str, Any]) -> bytes:
    """The leaf of one processing run: code version, parameters hash, agreement hash, inputs, range."""
    return canonical_json({"leaf": "run", "v": 1, "run_id": run_id, **dict(info)})


def decision_leaf(*, actor: str, action: str, subject: str, reason: str, at: str) -> bytes:
    """The leaf of one human decision (who decided what about which item, why, when)."""
    return canonical_json({"leaf": "decision", "v": 1, "actor": actor, "action": action, "subject": subject,
                           "reason": reason, "at": at})


def parse_leaf(data: bytes) -> dict[str, Any]:
    """A leaf's payload as a dict; raises ValueError when it is not one of the leaf kinds."""
    value = decode_record(data)
    if value.get("leaf") not in LEAF_KINDS:
        raise ValueError(f"not a Truceline leaf (kind {value.get('leaf')!r})")
    return value
