"""The daily report in English, Ukrainian and Russian from one template: the catalogue is complete
and consistent, and the three versions carry identical numbers."""

from __future__ import annotations

import re
import string
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from truceline.report import render_daily
from truceline.report.drones import DroneTables
from truceline.report.i18n import LANGUAGES, Translator, plural_form
from truceline.report.messages import MESSAGES, PLURALS, TERMS


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_three_versions_with_the_same_fields(key: str) -> None:
    versions = MESSAGES[key]
    assert len(versions) == 3
    if isinstance(versions[0], tuple):
        assert len({len(v) for v in versions}) == 1, f"{key}: headers differ in number"
    else:
        assert _fields(versions[1]) == _fields(versions[0]) == _fields(versions[2]), key
        assert re.findall(r"\d+(?:\.\d+)?", versions[1]) == re.findall(r"\d+(?:\.\d+)?", versions[0]) \
            == re.findall(r"\d+(?:\.\d+)?", versions[2]), f"{key}: the versions quote different numbers"


def test_terms_and_plurals() -> None:
    assert all(len(v) == 2 for v in TERMS.values())
    assert all(len(en) == 2 and len(uk) == 3 and len(ru) == 3 for en, uk, ru in PLURALS.values())
    assert [plural_form("uk", n) for n in (1, 2, 5, 11, 12, 21, 22, 25, 111)] == [0, 1, 2, 2, 2, 0, 1, 2, 2]
    assert Translator("ru").count(21, "explosion") == "21 взрыв" and Translator("en").count(1, "explosion") == "1 explosion"
    with pytest.raises(ValueError, match="en, uk, ru"):
        Translator("de")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.parts)


def test_the_three_versions_carry_identical_numbers(demo_day, tmp_path: Path) -> None:
    p, out = demo_day["processed"], demo_day["outputs"]
    d = out.drones
    paths = render_daily(agreement=p.history.at(p.period[0]), events=p.events, sensors=p.sensors.table,
                         coverage=p.coverage, ingest=p.ingest_counts, run={"code version": "test"},
                         period_start=p.period[0], period_end=p.period[1], out_dir=tmp_path,
                         engagements=p.engagements, incidents=out.incidents.incidents,
                         drones=DroneTables(d.findings, d.storage, d.zones))
    texts = {lang: _text(paths["html" if lang == "en" else f"html_{lang}"]) for lang in LANGUAGES}
    numbers = {lang: Counter(re.findall(r"\d+(?:[.,:]\d+)*", t)) for lang, t in texts.items()}
    assert sum(numbers["en"].values()) > 5000, "the demo report is full of figures"
    assert numbers["uk"] == numbers["en"] and numbers["ru"] == numbers["en"]
    english_words = ("Summary", "Who opened fire", "Violations by sector", "corroborated", "What could not be observed",
                     "Storage sites", "explosions", "probability")
    for lang in ("uk", "ru"):
        assert not [w for w in english_words if w in texts[lang]], f"{lang} version still has English"
        assert Translator(lang)("h.engagements") in texts[lang]
    assert 'lang="uk"' in paths["html_uk"].read_text(encoding="utf-8")
    assert "daily_report.uk.html" in paths["html"].read_text(encoding="utf-8")
