"""Nouns only: frozen dataclasses and the column contracts of Truceline's tables. No I/O."""
