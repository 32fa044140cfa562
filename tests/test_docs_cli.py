"""docs/cli.md documents every command of the click tree and every option of each command."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from truceline.cli import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def commands(cmd: click.Command = cli, path: tuple[str, ...] = ("truceline",)):
    """(command path, command) for the root and every command and subcommand below it."""
    yield " ".join(path), cmd
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from commands(sub, path + (name,))


COMMANDS = dict(commands())


def sections() -> dict[str, str]:
    """Level-2 and level-3 heading -> its text up to the next level-2 or level-3 heading."""
    parts = re.split(r"^#{2,3} (.+)$", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def test_walk_finds_the_nested_commands() -> None:
    assert {"truceline agreement init", "truceline agreement validate", "truceline process"} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS)
def test_every_command_has_a_section(path: str) -> None:
    assert path in sections(), f"docs/cli.md has no '## {path}' (or '### {path}') heading"


@pytest.mark.parametrize("path", COMMANDS)
def test_every_option_is_in_its_command_section(path: str) -> None:
    text = sections().get(path, "")
    longs = [o for p in COMMANDS[path].params if isinstance(p, click.Option)
             for o in (*p.opts, *p.secondary_opts) if o.startswith("--")]
    missing = [o for o in longs if not re.search(rf"`{re.escape(o)}(?![\w-])", text)]
    assert not missing, f"docs/cli.md section '{path}' does not document option(s) {missing}"
