"""Truceline: ceasefire monitoring and verification.

``truceline.read(path)`` is the front door for files: it detects the format from the registry of
format modules, validates, and returns a :class:`~truceline.sources.ReadResult` with the table and
the accounting (received = accepted + duplicates + quarantined).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from truceline.sources import ReadResult, read

try:
    __version__ = version("truceline")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["ReadResult", "read", "__version__"]
