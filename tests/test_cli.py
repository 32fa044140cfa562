"""The command line, in-process through click's CliRunner (and once as ``python -m truceline``)."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from truceline.cli import cli
from truceline.geodesy import GEOD

EXTERNAL = Path(__file__).parent / "data" / "external"
TRUE_SPOTS = [(25.300, 45.100), (25.380, 45.010), (25.250, 45.000), (25.430, 45.090)]
"""Where the explosions behind tests/data/external/picks.csv were (lon, lat; 340 m/s, 30 ms noise)."""
MALFORMED_ROWS = {"7", "22", "32"}  # picks.csv lines: snr 'loud', unknown sensor, time 'yesterday at noon'


def command_paths(cmd: click.Command = cli, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = [path]
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            out += command_paths(sub, path + (name,))
    return out


def invoke(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def ints(text: str, label: str) -> int:
    """The first integer printed after ``label`` (a regular expression)."""
    return int(re.search(rf"{label} (\d+)", text).group(1))


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(("truceline",) + p))
def test_help_works_for_every_command(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_python_dash_m_truceline() -> None:
    done = subprocess.run([sys.executable, "-m", "truceline", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "process" in done.stdout and "agreement" in done.stdout


def test_inspect_prints_format_and_counts() -> None:
    result = invoke("inspect", EXTERNAL / "picks.csv")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "picks-csv" in text
    assert "received 43, accepted 41, duplicates 0, quarantined 2" in text  # no sensor file: 2 bad rows


def test_inspect_empty_file_fails_naming_it(tmp_path: Path) -> None:
    empty = tmp_path / "nothing.csv"
    empty.write_bytes(b"")
    result = CliRunner().invoke(cli, ["inspect", str(empty)])
    assert result.exit_code != 0
    assert "nothing.csv" in result.output


def test_simulate_process_evaluate_report(tmp_path: Path) -> None:
    scenario, work = tmp_path / "scenario", tmp_path / "work"
    assert invoke("simulate", "--out", scenario, "--engagements", 4, "--calm").exit_code == 0
    result = invoke("process", "--picks", scenario / "picks.csv", "--sensors", scenario / "sensors.csv",
                    "--agreement", scenario / "agreement.yaml", "--out", work)
    assert result.exit_code == 0, result.output
    assert (work / "events.csv").exists() and (work / "store.sqlite").exists()
    report = (work / "daily_report.md").read_text(encoding="utf-8")
    assert "## Who opened fire: engagements" in report and "sensors needing service" in report
    assert (work / "engagements.csv").exists() and (work / "pick_assignments.csv").exists()
    result = invoke("evaluate", "--truth", scenario / "truth", "--events", work / "events.csv")
    assert result.exit_code == 0, result.output
    assert "Precision" in result.output and "Recall" in result.output
    (work / "daily_report.html").unlink()
    result = invoke("report", "--dir", work, "--agreement", scenario / "agreement.yaml")
    assert result.exit_code == 0, result.output
    assert (work / "daily_report.html").stat().st_size > 0
    again = (work / "daily_report.md").read_text(encoding="utf-8")
    section = again.split("## Who opened fire: engagements")[1].split("##")[0]
    assert ("G00001" in section) == ((work / "engagements.csv").read_text().count("\n") > 1)  # same as processing


def test_external_line_and_feeds_work_without_editing_anything(tmp_path: Path) -> None:
    """`agreement init` on a line GeoJSON, then `process` on picks and sensors Truceline did not write."""
    agreement = tmp_path / "agreement.yaml"
    result = invoke("agreement", "init", "--line", EXTERNAL / "line.geojson", "--out", agreement,
                    "--effective", "2026-11-20T00:00:00Z")
    assert result.exit_code == 0, result.output
    assert invoke("agreement", "validate", agreement).exit_code == 0
    out = tmp_path / "out"
    result = invoke("process", "--picks", EXTERNAL / "picks.csv", "--sensors", EXTERNAL / "sensors.csv",
                    "--agreement", agreement, "--out", out)
    assert result.exit_code == 0, result.output

    with open(out / "events.csv", newline="", encoding="utf-8") as fh:
        events = list(csv.DictReader(fh))
    near = 0
    for lon, lat in TRUE_SPOTS:
        dist = [GEOD.inv(lon, lat, float(e["lon"]), float(e["lat"]))[2] for e in events]
        near += bool(dist) and min(dist) <= 1_500.0
    assert near >= 2, events

    with open(out / "quarantine.csv", newline="", encoding="utf-8") as fh:
        quarantined = list(csv.DictReader(fh))
    assert {q["row"] for q in quarantined} == MALFORMED_ROWS
    assert all(q["source"].endswith("picks.csv") for q in quarantined)

    text = " ".join(result.output.split())
    received, accepted = ints(text, "picks: received"), ints(text, "= accepted")
    duplicates, q = ints(text, r"\+ duplicates"), ints(text, r"\+ quarantined")
    assert received == accepted + duplicates + q == 43
    assert q == len(quarantined) == 3
    assert ints(text, "sensors: received") == 10
