"""The daily report's words in English, Ukrainian and Russian: one catalogue, one template.

Every sentence, heading and table header of the report is a message here, with its three
versions; the controlled vocabulary of the findings (confidence levels, attribution grades, event
kinds, weapon classes, storage and zone statuses, sources) is translated as terms. Numbers are
formatted the same way in every language, so all three versions carry identical figures (a test
compares them). Party, sector and place names are data and stay as given.

>>> tr = Translator("uk")
>>> tr.count(3, "explosion")
'3 вибухи'
>>> tr.term("corroborated")
'підтверджено'
"""

from __future__ import annotations

from dataclasses import dataclass

from truceline.report.messages import MESSAGES, PLURALS, TERMS

LANGUAGES = ("en", "uk", "ru")
LANGUAGE_NAMES = {"en": "English", "uk": "Українська", "ru": "Русский"}


def plural_form(language: str, n: int) -> int:
    """Which form a count takes: English one/other (0, 1); Ukrainian and Russian one/few/many (0, 1, 2)."""
    if language == "en":
        return 0 if n == 1 else 1
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


@dataclass(frozen=True)
class Translator:
    """The report's words in one language."""

    language: str = "en"

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"language {self.language!r} is not one of {', '.join(LANGUAGES)}")

    @property
    def _k(self) -> int:
        return LANGUAGES.index(self.language)

    def __call__(self, key: str, **values: object) -> str:
        """Message ``key`` in this language, with ``values`` filled in."""
        return MESSAGES[key][self._k].format(**values)

    def headers(self, key: str) -> tuple[str, ...]:
        """A table's headers (a message whose versions are tuples)."""
        return tuple(MESSAGES[key][self._k])

    def term(self, value: str) -> str:
        """A controlled term of the findings (unknown values are returned as they are)."""
        if self.language == "en" or value not in TERMS:
            return value
        return TERMS[value][self._k - 1]

    def terms(self, values: str, sep: str = " ") -> str:
        """Space-separated terms, each translated."""
        return sep.join(self.term(v) for v in values.split())

    def count(self, n: int, noun: str) -> str:
        """``n`` and the noun in the form the count takes ("3 explosions", "3 вибухи", "3 взрыва")."""
        forms = PLURALS[noun][self._k]
        return f"{n} {forms[plural_form(self.language, n)]}"
