"""Spot reports: one urgent incident, as soon as it is found, in English, Ukrainian and Russian,
as HTML and PDF (``truceline report --spot INCIDENT``).

Pure rendering of one row of ``incidents.csv`` with the proof status of its evidence and the
signed checkpoint of the moment; words from the report's catalogue, numbers alike in every language.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from truceline.report.content import DASH, place_line
from truceline.report.cutoff import ZONE
from truceline.report.i18n import LANGUAGES, Translator


@dataclass(frozen=True)
class SpotContent:
    language: str
    title: str
    rows: tuple[tuple[str, str], ...]
    note: str
    checkpoint: str


def spot_content(incident: Mapping[str, Any], proof: tuple[str, dict[str, Any]], checkpoint: str,
                 language: str = "en", zone: str = ZONE) -> SpotContent:
    """What a spot report says about one incident (a row of ``incidents.csv`` as read, times in epoch s);
    ``proof``: a ``proof.*`` message key and its values."""
    tr = Translator(language)
    start, end = float(incident["start"]), float(incident["end"])
    local = ZoneInfo(zone)
    p = float(incident["attribution_p"])
    cov = float(incident["thermal_coverage_p"])
    values = (
        f"{datetime.fromtimestamp(start, timezone.utc):%Y-%m-%d %H:%M:%S} – "
        f"{datetime.fromtimestamp(end, timezone.utc):%H:%M:%S}",
        f"{datetime.fromtimestamp(start, local):%Y-%m-%d %H:%M:%S %Z} ({zone})",
        place_line(float(incident["lon"]), float(incident["lat"]), 4, language),
        tr.terms(str(incident["modalities"])), tr.term(str(incident["confidence"])),
        tr.term(str(incident["attributed_side"])),
        tr.term(str(incident["attribution"])) + ("" if p != p else f" (p = {p:.2f})"),
        tr("spot.yes") if bool(incident["is_violation"]) else tr("spot.no"),
        str(incident["event_ids"]) or DASH, tr(proof[0], **proof[1]), str(incident["thermal_ids"]) or DASH,
        str(incident["weapon_ids"]) or DASH, str(incident["damage_ids"]) or DASH,
        DASH if cov != cov else f"p = {cov:.2f}")
    return SpotContent(language, tr("spot.title", id=incident["incident_id"]),
                       tuple(zip(tr.headers("spot.rows"), values)), tr("spot.note"), checkpoint)


def render_spot(incident: Mapping[str, Any], proof: tuple[str, dict[str, Any]], checkpoint: str, out_dir: Path,
                pdf: bool = True) -> dict[str, Path]:
    """Write ``spot_<incident>.html`` (and ``.uk.html``, ``.ru.html``; with ``pdf`` the same as PDF)."""
    import weasyprint
    env = Environment(loader=PackageLoader("truceline.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    out = Path(out_dir)
    paths = {}
    for lang in LANGUAGES:
        html = env.get_template("spot.html.j2").render(s=spot_content(incident, proof, checkpoint, lang))
        stem = f"spot_{incident['incident_id']}" + ("" if lang == "en" else f".{lang}")
        paths[f"html_{lang}"] = out / f"{stem}.html"
        paths[f"html_{lang}"].write_text(html, encoding="utf-8")
        if pdf:
            paths[f"pdf_{lang}"] = out / f"{stem}.pdf"
            weasyprint.HTML(string=html).write_pdf(paths[f"pdf_{lang}"])
    return paths


@lru_cache(maxsize=64)
def release_check(folder: str) -> tuple[str, dict[str, Any], dict[str, list[str]]]:
    """Whether a processed folder's released evidence (``evidence.json``) verifies against its signed
    checkpoint: (``proof.*`` message key, its values, cited items by event id). Checked once per folder."""
    from truceline.ledger.evidence import EvidenceError, verify_release
    from truceline.ledger.signing import Verifier
    path = Path(folder) / "evidence.json"
    if not path.exists():
        return "proof.none", {}, {}
    release = json.loads(path.read_text(encoding="utf-8"))
    findings = {f["event_id"]: list(f["cites"]) for f in release.get("findings", [])}
    try:
        head = verify_release(release, Verifier.from_string(release["log_key"]))
    except (EvidenceError, ValueError, KeyError) as exc:
        return "proof.failed", {"reason": str(exc)}, findings
    return "proof.verified", {"size": head.size}, findings


def release_status(folder: str) -> tuple[str, int, dict[str, list[str]]]:
    """:func:`release_check` in English words, with the checkpoint size (0 unless verified)."""
    key, values, findings = release_check(folder)
    return Translator("en")(key, **values), int(values.get("size", 0)), findings


def spot_report(folder: Path, incident_id: str, pdf: bool = True) -> dict[str, Path]:
    """The spot report of one incident of a processed folder, written beside its daily report."""
    from truceline.model.tables import INCIDENTS
    from truceline.report.export import read_table_csv
    folder = Path(folder)
    table = read_table_csv(folder / "incidents.csv", INCIDENTS)
    row = next((r for r in table.rows() if r["incident_id"] == incident_id), None)
    if row is None:
        raise ValueError(f"{folder / 'incidents.csv'}: no incident {incident_id!r}")
    key, values, findings = release_check(str(folder.resolve()))
    cited = any(e in findings for e in str(row["event_ids"]).split())
    proof = (key, values) if cited else ("proof.none", {})
    checkpoint = (folder / "checkpoint.txt").read_text(encoding="utf-8") if (folder / "checkpoint.txt").exists() else ""
    return render_spot(row, proof, checkpoint, folder, pdf)
