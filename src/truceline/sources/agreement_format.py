"""The agreement as a registered format: YAML plus GeoJSON (see docs/agreement.md)."""

from __future__ import annotations

from pathlib import Path

from truceline.sources.agreement_yaml import is_agreement_file, load_agreement
from truceline.sources.base import Format, ReadResult


def read(path: Path, **_: object) -> ReadResult:
    """Load and validate an agreement; raises ``AgreementError`` naming file, field and reason."""
    history = load_agreement(path)
    return ReadResult("agreement-yaml", str(path), None, history, received=1)


FORMAT = Format("agreement-yaml", "Ceasefire agreement as data (YAML with inline or linked GeoJSON)",
                "docs/agreement.md", is_agreement_file, read)
