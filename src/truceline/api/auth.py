"""Tokens: issued once, stored as argon2id hashes, checked on every request.

A token reads ``tl_<token id>_<secret>``; the store keeps the id, the holder's name, role and
party, and the argon2id hash of the secret (never the secret). Verifying argon2 costs tens of
milliseconds by design, so a verified token is remembered in this process for ``CACHE_S``
seconds under its SHA-256 (a revocation through this process takes effect at once; through
another, within ``CACHE_S``).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from truceline.model.desk import PUBLIC, ROLES, Principal

CACHE_S = 60.0
_HASHER = PasswordHasher()   # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)


class TokenError(ValueError):
    """A token that is malformed, unknown, revoked or wrong (the caller answers 401)."""


def issue_token(store: Any, name: str, role: str, party: str = "") -> str:
    """Create a token for ``name`` with ``role`` (and ``party`` for a liaison or operator); returns
    the token text, which is shown once and never stored."""
    if role not in ROLES or role == "public":
        raise ValueError(f"role must be one of {', '.join(r for r in ROLES if r != 'public')}, not {role!r}")
    if role in ("liaison", "operator") and not party:
        raise ValueError(f"a {role} token needs --party (the party a liaison speaks for, the owner an operator runs)")
    if not name.strip():
        raise ValueError("a token needs the holder's name")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    store.put_token(token_id, name.strip(), role, party if role in ("liaison", "operator") else "",
                    _HASHER.hash(secret))
    return f"tl_{token_id}_{secret}"


class TokenBook:
    """Checks tokens against the store, remembering verified ones for a while (thread-safe)."""

    def __init__(self, store: Any, lock: threading.Lock) -> None:
        self._store = store
        self._lock = lock            # the store's connection is shared: one user at a time
        self._cache: dict[str, tuple[float, Principal]] = {}

    def cached(self, authorization: str | None) -> Principal | None:
        """Who the header names if that is known without verifying (no header, or verified lately)."""
        if not authorization:
            return PUBLIC
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        hit = self._cache.get(hashlib.sha256(token.strip().encode()).hexdigest())
        if hit is not None and time.monotonic() - hit[0] < CACHE_S:
            return hit[1]
        return None

    def principal(self, authorization: str | None) -> Principal:
        """Who an ``Authorization`` header value names; no header is the public."""
        known = self.cached(authorization)
        if known is not None:
            return known
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenError("Authorization must be 'Bearer <token>'")
        who = self._verify(token.strip())
        self._cache[hashlib.sha256(token.strip().encode()).hexdigest()] = (time.monotonic(), who)
        return who

    def forget(self, token_id: str) -> None:
        """Drop cached entries of a token (after revoking it)."""
        for key, (_, who) in list(self._cache.items()):
            if who.token_id == token_id:
                del self._cache[key]

    def _verify(self, token: str) -> Principal:
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "tl":
            raise TokenError("not a Truceline token (expected tl_<id>_<secret>)")
        with self._lock:
            row = self._store.token(parts[1])
        if row is None or row["revoked_at"]:
            raise TokenError("unknown or revoked token")
        try:
            _HASHER.verify(row["secret_hash"], parts[2])
        except (VerificationError, InvalidHashError):
            raise TokenError("unknown or revoked token") from None
        return Principal(row["token_id"], row["name"], row["role"], row["party"])
