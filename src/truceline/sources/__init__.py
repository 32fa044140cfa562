"""Input formats: one module per format (``can_read`` / ``read``) and a registry that detects them."""

from truceline.sources.base import Format, FormatError, Quarantined, ReadResult
from truceline.sources.registry import detect, formats, read

__all__ = ["Format", "FormatError", "Quarantined", "ReadResult", "detect", "formats", "read"]
