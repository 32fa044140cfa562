"""docs/formats.md documents every column contract and every installed format."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from truceline.model.tables import CONTRACTS
from truceline.sources import formats

DOC = Path(__file__).resolve().parents[1] / "docs" / "formats.md"
HEADINGS = ("sensors.csv", "picks.csv", "events.csv", "events.geojson", "pick_assignments.csv", "engagements.csv",
            "truth/events.csv",
            "quarantine.csv",
            "store.sqlite", "Signed manifests", "sources.yaml", "checkpoint.txt", "evidence.json")
SECTION_OF = {"sensors": "sensors.csv", "picks": "picks.csv", "events": "events.csv",
              "pick_assignments": "pick_assignments.csv", "engagements": "engagements.csv",
              "truth_events": "truth/events.csv"}
"""Where each contract's table is; a contract not listed must at least be mentioned somewhere."""


def sections() -> dict[str, str]:
    """Level-2 heading -> its text."""
    parts = re.split(r"^## (.+)$", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def test_headings_exist() -> None:
    assert set(HEADINGS) <= set(sections())


@pytest.mark.parametrize("contract", CONTRACTS.values(), ids=CONTRACTS.keys())
def test_every_contract_column_is_documented(contract) -> None:
    text = sections().get(SECTION_OF.get(contract.name, ""), DOC.read_text(encoding="utf-8"))
    missing = [c for c in contract.names if f"`{c}`" not in text]
    assert not missing, f"docs/formats.md does not document {contract.name} column(s) {missing}"


def test_every_installed_format_is_named() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in formats() if f"`{name}`" not in text]
    assert not missing, f"docs/formats.md does not name installed format(s) {missing}"
