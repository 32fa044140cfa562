"""Key files on disk: a signer's private key (mode 0600) and the verifier key beside it.

A private key file holds one line, ``PRIVATE+KEY+<name>+<key id>+<base64>``; its public half,
``<name>+<key id>+<base64>``, sits in ``<file>.pub``. Both are the Go / C2SP note encodings, so
other tools read them too. A verifier may be given as a file or as the key string itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from truceline.ledger.signing import Signer, Verifier


def write_signer(path: Path, signer: Signer) -> Path:
    """Write ``signer`` to ``path`` (mode 0600) and its verifier to ``path.pub``; returns the .pub path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(signer.to_string() + "\n")
    pub = public_path(path)
    pub.write_text(signer.verifier.to_string() + "\n", encoding="utf-8")
    return pub


def public_path(path: Path) -> Path:
    """Where the verifier key of the private key file ``path`` lives."""
    return Path(str(path) + ".pub")


def read_signer(path: Path) -> Signer:
    """The signer in a private key file; errors name the file."""
    try:
        return Signer.from_string(Path(path).read_text(encoding="utf-8").strip())
    except ValueError as exc:
        raise ValueError(f"{path}: not a private key file ({exc})") from None


def load_or_create_signer(path: Path, name: str) -> tuple[Signer, bool]:
    """The signer at ``path``, creating a fresh key named ``name`` if there is none; (signer, created)."""
    path = Path(path)
    if path.exists():
        return read_signer(path), False
    signer = Signer.generate(name)
    write_signer(path, signer)
    return signer, True


def read_verifier(value: str | Path) -> Verifier:
    """A verifier key from a file (``.pub`` or a private key file's ``.pub`` twin) or the key string."""
    text = str(value)
    candidate = Path(text)
    if candidate.exists():
        text = candidate.read_text(encoding="utf-8").strip()
        if text.startswith("PRIVATE+KEY+"):
            return Signer.from_string(text).verifier
    try:
        return Verifier.from_string(text)
    except ValueError as exc:
        raise ValueError(f"{value}: not a verifier key or key file ({exc})") from None
