"""The daily report: what was detected, beside what could be observed, in HTML, PDF and Markdown,
in English, Ukrainian and Russian.

Pure rendering from already-computed data (events of the period, coverage, ingest counts and
run information): every document is built from one :class:`~truceline.report.content.DailyContent`
per language, through one HTML template, so they say the same thing and carry the same numbers.
The HTML is self-contained (inline CSS, the map embedded as a base64 PNG); the Markdown (English)
refers to ``map.png`` written beside it.

>>> paths = render_daily(agreement=a, events=ev, sensors=s, coverage=cov,           # doctest: +SKIP
...                      ingest={"received": 10, "accepted": 9, "duplicates": 1, "quarantined": 0},
...                      run={"code_version": "0.1.0"}, period_start=t0, period_end=t0 + 86400,
...                      out_dir=Path("out"))
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined

from truceline.model.agreement import Agreement
from truceline.model.coverage import Coverage
from truceline.model.tables import Columns
from truceline.report.content import DailyContent, Table, build_content, period_label, place_line
from truceline.report.i18n import LANGUAGES, LANGUAGE_NAMES
from truceline.report.mapplot import render_map

if TYPE_CHECKING:
    from truceline.report.drones import DroneTables

__all__ = ["DailyContent", "Table", "build_content", "period_label", "place_line", "render_daily", "to_html",
           "to_markdown", "to_pdf"]


# ------------------------------------------------------------------ rendering

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> str:
    lines = ["| " + " | ".join(_md_cell(h) for h in table.headers) + " |",
             "|" + "|".join("---" for _ in table.headers) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def to_markdown(content: DailyContent, map_name: str = "map.png") -> str:
    """The report as GitHub-flavoured Markdown (the map referenced as a file beside it)."""
    t = content.t
    violations = _md_table(content.violations) if content.violations.rows else t("none.violations")
    engagements = _md_table(content.engagements) if content.engagements.rows else t("none.engagements")
    parts: Sequence[str] = (
        f"# {content.title}", content.agreement_line, f"## {t('h.summary')}", content.summary,
        f"## {t('h.engagements')}", engagements, f"*{t('note.engagement')}*",
        f"## {t('h.incidents')}", content.incident_line,
        *((_md_table(content.incidents),) if content.incidents.rows else ()), f"*{t('note.incident')}*",
        f"## {t('h.by_party')}", _md_table(content.by_party),
        f"*{t('note.detection')}*", f"## {t('h.by_sector')}", _md_table(content.by_sector),
        f"## {t('h.map')}", f"![{t('map.md')}]({map_name})", f"*{content.map_caption}*",
        f"## {t('h.violations')}", violations, *_md_drones(content), f"## {t('h.unobserved')}",
        "\n".join(f"- {s}" for s in content.unobserved), f"## {t('h.notes')}", t("note.neutrality"),
        content.ingest_line, _md_table(Table(t.headers("h.run"), content.run_rows)),
    )
    return "\n\n".join(parts) + "\n"


def _md_drones(content: DailyContent) -> tuple[str, ...]:
    d, t = content.drones, content.t
    if d is None:
        return ()
    return (f"## {t('h.drones')}", d.line, _md_table(d.weapons) if d.weapons.rows else t("none.weapons"),
            f"### {t('h.storage')}", _md_table(d.storage) if d.storage.rows else t("none.storage"),
            f"### {t('h.zones')}", _md_table(d.zones), f"*{d.note}*")


def to_html(content: DailyContent, map_png: bytes, printed: bool = False) -> str:
    """The report as one self-contained HTML page (inline CSS, the map as a data URI); ``printed``:
    the variant the PDF is made from (the per-event violation list left to the HTML and CSV)."""
    env = Environment(loader=PackageLoader("truceline.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    data_uri = "data:image/png;base64," + base64.b64encode(map_png).decode("ascii")
    others = [(lang, LANGUAGE_NAMES[lang], _file_name(lang, "html")) for lang in LANGUAGES if lang != content.language]
    return env.get_template("daily.html.j2").render(c=content, t=content.t, map_uri=data_uri, printed=printed,
                                                  others=others)


def _file_name(language: str, suffix: str) -> str:
    """``daily_report.<suffix>`` in English, ``daily_report.<language>.<suffix>`` otherwise."""
    return f"daily_report.{suffix}" if language == "en" else f"daily_report.{language}.{suffix}"


def to_pdf(content: DailyContent, map_png: bytes, path: Path) -> Path:
    """The printed report (A4 landscape) as PDF, laid out by WeasyPrint from the printed HTML."""
    import weasyprint
    weasyprint.HTML(string=to_html(content, map_png, printed=True)).write_pdf(path)
    return path


def render_daily(*, agreement: Agreement, events: Columns, sensors: Columns | None, coverage: Coverage,
                 ingest: dict[str, int], run: dict[str, str], period_start: float, period_end: float,
                 out_dir: Path, engagements: Columns | None = None,
                 incidents: Columns | None = None, drones: "DroneTables | None" = None,
                 pdf: bool = False, period_text: str | None = None) -> dict[str, Path]:
    """Write the daily report into ``out_dir``: ``daily_report.html`` (English),
    ``daily_report.uk.html`` and ``daily_report.ru.html``, ``daily_report.md`` and ``map.png``
    (and with ``pdf``, ``daily_report.pdf``, ``.uk.pdf``, ``.ru.pdf``).

    ``events`` are the period's events (``EVENTS`` contract); ``ingest`` holds received,
    accepted, duplicates and quarantined counts; ``run`` names the processing run (code
    version, parameter and agreement hashes, generation time); ``drones`` the drone tables;
    ``period_text`` names the period in the title (a cut-off period in local time) instead of UTC.
    Returns the paths by name: ``{"html", "markdown", "map"}`` (English), ``"html_uk"``,
    ``"html_ru"`` (and ``"pdf"``, ``"pdf_uk"``, ``"pdf_ru"``).
    """
    from truceline.report.drones import drone_section
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    contents = {lang: build_content(agreement=agreement, events=events, sensors=sensors, coverage=coverage,
                                    ingest=ingest, run=run, period_start=period_start, period_end=period_end,
                                    engagements=engagements, incidents=incidents, language=lang,
                                    period_text=period_text,
                                    drones=drone_section(agreement, *drones, language=lang) if drones else None)
                for lang in LANGUAGES}
    english = contents["en"]
    buffer = io.BytesIO()
    n = len(english.violations.rows)
    render_map(agreement, events, sensors, buffer, title=f"{english.title} — {english.t.count(n, 'violation')}")
    png = buffer.getvalue()
    paths = {"html": out / "daily_report.html", "markdown": out / "daily_report.md", "map": out / "map.png"}
    paths["map"].write_bytes(png)
    paths["markdown"].write_text(to_markdown(english, paths["map"].name), encoding="utf-8")
    for lang, content in contents.items():
        key = "html" if lang == "en" else f"html_{lang}"
        paths[key] = out / _file_name(lang, "html")
        paths[key].write_text(to_html(content, png), encoding="utf-8")
        if pdf:
            paths["pdf" if lang == "en" else f"pdf_{lang}"] = to_pdf(content, png, out / _file_name(lang, "pdf"))
    return paths
