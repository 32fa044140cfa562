"""The one Ed25519 rule, and the key strings of C2SP signed notes.

Parties that distrust each other verify the same signatures with different software, and Ed25519
libraries disagree on edge cases (small-order points, non-canonical encodings, mixed-order keys).
Truceline therefore pins **one** rule, and every signature in the project is checked through
:func:`is_valid_signature`:

    A signature counts as valid if and only if

    1. the public key passes :func:`check_public_key`: it is 32 bytes, a canonical encoding
       (y < p), a point on the curve, not of small order, and in the prime-order subgroup (no
       low-order component): libsodium's ``crypto_core_ed25519_is_valid_point``; and
    2. the signature is 64 bytes and libsodium's strict verification (``crypto_sign_open``,
       which runs ``crypto_sign_verify_detached``) accepts it: S is canonical (S < L), R is not
       of small order, the key is canonical and not of small order, and the canonical encoding of
       [S]B - [k]A equals the 32 bytes of R (cofactorless, so a non-canonical R never passes).

Honestly generated keys (A = [a]B) always satisfy 1; the rule only refuses keys a careful signer
would never produce. Over the 914 CCTV edge-case vectors it accepts exactly one (the unflagged
vector), see ``tests/test_signing.py``.

Key strings follow Go's ``golang.org/x/mod/sumdb/note`` / C2SP signed-note::

    verifier key  <name>+<hex key id>+<base64(0x01 || public key)>
    private key   PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>
    key id        SHA-256(name || 0x0A || 0x01 || public key)[:4]
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata
from dataclasses import dataclass, field
from typing import ClassVar, Self

import nacl.bindings
from nacl.exceptions import CryptoError

#: The signature type byte of plain Ed25519 note signatures (C2SP signed-note).
ED25519 = 0x01
#: The signature type byte of timestamped Ed25519 cosignatures (C2SP tlog-cosignature).
COSIGNATURE_V1 = 0x04

PUBLIC_KEY_BYTES = 32
SEED_BYTES = 32
SIGNATURE_BYTES = 64


class KeyRejected(ValueError):
    """A public key (or key string) that Truceline refuses to register or use."""


class SignatureError(ValueError):
    """A signature that does not verify under the one rule."""


# ---------------------------------------------------------------------------- the rule


def check_public_key(key: bytes) -> None:
    """Refuse a public key that is not a canonical, prime-order-subgroup Ed25519 point.

    libsodium's ``crypto_core_ed25519_is_valid_point`` returns true only for an encoding that is
    canonical (y < p), decodes to a point on the curve, is not of small order (order 1, 2, 4 or 8)
    and has no low-order component ([L]A is the identity). Raises :class:`KeyRejected`.
    """
    if not isinstance(key, (bytes, bytearray)):
        raise KeyRejected(f"public key must be bytes, not {type(key).__name__}")
    if len(key) != PUBLIC_KEY_BYTES:
        raise KeyRejected(f"public key must be {PUBLIC_KEY_BYTES} bytes, not {len(key)}")
    if not nacl.bindings.crypto_core_ed25519_is_valid_point(bytes(key)):
        raise KeyRejected(f"public key {bytes(key).hex()} is not a canonical prime-order Ed25519 "
                          "point (non-canonical encoding, not on the curve, small order, or with a "
                          "low-order component)")


def is_valid_public_key(key: bytes) -> bool:
    """True when :func:`check_public_key` accepts ``key``."""
    try:
        check_public_key(key)
    except KeyRejected:
        return False
    return True


def is_valid_signature(key: bytes, message: bytes, signature: bytes) -> bool:
    """THE Ed25519 rule (see the module docstring). Never raises for bad input."""
    if not all(isinstance(x, (bytes, bytearray)) for x in (key, message, signature)):
        return False
    if len(signature) != SIGNATURE_BYTES or not is_valid_public_key(key):
        return False
    try:
        nacl.bindings.crypto_sign_open(bytes(signature) + bytes(message), bytes(key))
    except (CryptoError, ValueError, TypeError):
        return False
    return True


def verify(key: bytes, message: bytes, signature: bytes) -> None:
    """Raise :class:`SignatureError` unless :func:`is_valid_signature` accepts."""
    if not is_valid_signature(key, message, signature):
        raise SignatureError("Ed25519 signature does not verify")


def generate() -> tuple[bytes, bytes]:
    """A fresh key pair: (32-byte seed, 32-byte public key)."""
    public_key, secret_key = nacl.bindings.crypto_sign_keypair()
    return nacl.bindings.crypto_sign_ed25519_sk_to_seed(secret_key), public_key


def public_key_of(seed: bytes) -> bytes:
    """The Ed25519 public key of a 32-byte seed."""
    if len(seed) != SEED_BYTES:
        raise ValueError(f"seed must be {SEED_BYTES} bytes, not {len(seed)}")
    return nacl.bindings.crypto_sign_seed_keypair(bytes(seed))[0]


def sign(seed: bytes, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message`` with the key of ``seed``."""
    if len(seed) != SEED_BYTES:
        raise ValueError(f"seed must be {SEED_BYTES} bytes, not {len(seed)}")
    _, secret_key = nacl.bindings.crypto_sign_seed_keypair(bytes(seed))
    return nacl.bindings.crypto_sign(bytes(message), secret_key)[:SIGNATURE_BYTES]


# ---------------------------------------------------------------------------- encodings


def from_base64(text: str, what: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4): no stray characters, canonical padding bits."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError) as exc:
        raise ValueError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError(f"{what} is not canonical base64")
    return raw


def to_base64(raw: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(raw).decode("ascii")


def check_name(name: str) -> None:
    """A key name: non-empty, no '+', no whitespace (Unicode spaces included), no control chars."""
    if not isinstance(name, str) or not name:
        raise ValueError("key name must be a non-empty string")
    for ch in name:
        if ch == "+" or ch.isspace() or unicodedata.category(ch) in ("Zs", "Zl", "Zp", "Cc"):
            raise ValueError(f"key name {name!r} contains {ch!r} (no '+', spaces or control "
                             "characters allowed)")


def key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || type || public key)[:4], the C2SP note key id."""
    data = name.encode("utf-8") + b"\n" + bytes([signature_type]) + bytes(public_key)
    return hashlib.sha256(data).digest()[:4]


def _parse_hex_id(text: str) -> bytes:
    if len(text) != 8 or any(c not in "0123456789abcdef" for c in text):
        raise KeyRejected(f"key id {text!r} must be 8 lowercase hex digits")
    return bytes.fromhex(text)


def _parse_key_material(text: str, signature_type: int, what: str) -> bytes:
    try:
        raw = from_base64(text, what)
    except ValueError as exc:
        raise KeyRejected(str(exc)) from exc
    if len(raw) != 33:
        raise KeyRejected(f"{what} must decode to 33 bytes (type byte + 32), not {len(raw)}")
    if raw[0] != signature_type:
        raise KeyRejected(f"{what} has signature type 0x{raw[0]:02x}, expected "
                          f"0x{signature_type:02x}")
    return raw[1:]


# ---------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key as it appears in note signature lines (type 0x01)."""

    name: str
    key_id: bytes
    public_key: bytes
    signature_type: ClassVar[int] = ED25519

    def __post_init__(self) -> None:
        check_name(self.name)
        if len(self.public_key) != PUBLIC_KEY_BYTES:
            raise KeyRejected(f"public key of {self.name!r} must be 32 bytes")
        expected = key_id(self.name, self.signature_type, self.public_key)
        if bytes(self.key_id) != expected:
            raise KeyRejected(f"key id {bytes(self.key_id).hex()} of {self.name!r} does not "
                              f"match its public key (expected {expected.hex()})")

    @classmethod
    def from_public_key(cls, name: str, public_key: bytes) -> Self:
        """The verifier for ``public_key`` under ``name`` (key id computed)."""
        check_name(name)
        return cls(name, key_id(name, cls.signature_type, public_key), bytes(public_key))

    @classmethod
    def from_string(cls, text: str) -> Self:
        """Parse ``<name>+<hex key id>+<base64(type || public key)>``."""
        parts = text.strip().split("+", 2)  # base64 may itself contain '+'
        if len(parts) != 3:
            raise KeyRejected(f"verifier key {text!r} must be <name>+<hex key id>+<base64 key>")
        name, hex_id, material = parts
        try:
            check_name(name)
        except ValueError as exc:
            raise KeyRejected(str(exc)) from exc
        ident = _parse_hex_id(hex_id)
        public_key = _parse_key_material(material, cls.signature_type, f"key of {name!r}")
        return cls(name, ident, public_key)

    def to_string(self) -> str:
        """``<name>+<hex key id>+<base64(type || public key)>``."""
        raw = bytes([self.signature_type]) + bytes(self.public_key)
        return f"{self.name}+{self.key_id.hex()}+{to_base64(raw)}"

    @property
    def key_ref(self) -> str:
        """``<name>+<hex key id>``: how manifests and reports name this key."""
        return f"{self.name}+{self.key_id.hex()}"

    def is_valid(self, message: bytes, signature: bytes) -> bool:
        """The one rule, applied with this key."""
        return is_valid_signature(self.public_key, message, signature)


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key (the seed stays out of repr)."""

    name: str
    seed: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_name(self.name)
        if len(self.seed) != SEED_BYTES:
            raise ValueError(f"seed of {self.name!r} must be {SEED_BYTES} bytes")

    @classmethod
    def generate(cls, name: str) -> Self:
        """A fresh signer named ``name``."""
        return cls(name, generate()[0])

    @classmethod
    def from_string(cls, text: str) -> Self:
        """Parse ``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>``."""
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise KeyRejected("private key must be PRIVATE+KEY+<name>+<hex key id>+<base64 seed>")
        name, hex_id, material = parts[2:]
        try:
            check_name(name)
        except ValueError as exc:
            raise KeyRejected(str(exc)) from exc
        ident = _parse_hex_id(hex_id)
        signer = cls(name, _parse_key_material(material, ED25519, f"private key of {name!r}"))
        if signer.verifier.key_id != ident:
            raise KeyRejected(f"key id {hex_id} of private key {name!r} does not match its seed")
        return signer

    def to_string(self) -> str:
        """``PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || seed)>`` (keep it secret)."""
        raw = bytes([ED25519]) + bytes(self.seed)
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{to_base64(raw)}"

    @property
    def public_key(self) -> bytes:
        """The 32-byte Ed25519 public key."""
        return public_key_of(self.seed)

    @property
    def verifier(self) -> Verifier:
        """The matching :class:`Verifier` (type 0x01)."""
        return Verifier.from_public_key(self.name, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``message``."""
        return sign(self.seed, message)
