"""Spot reports: one incident, three languages, HTML and PDF, with its proof status and place."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pypdfium2 as pdfium

from truceline.report.spot import spot_report


def test_a_spot_report_for_a_corroborated_violation(demo_day, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(demo_day["out"], out)
    incidents = demo_day["outputs"].incidents.incidents
    k = next(i for i in range(len(incidents)) if incidents["confidence"][i] == "corroborated"
             and incidents["is_violation"][i])
    iid = str(incidents["incident_id"][k])
    paths = spot_report(out, iid)
    assert set(paths) == {f"{kind}_{lang}" for kind in ("html", "pdf") for lang in ("en", "uk", "ru")}
    en = paths["html_en"].read_text(encoding="utf-8")
    assert f"Spot report — incident {iid}" in en and "verified: included in the signed checkpoint" in en
    assert re.search(r"\d+ km (N|NE|E|SE|S|SW|W|NW) of |in \w", en) and "MGRS" in en
    uk = paths["html_uk"].read_text(encoding="utf-8")
    assert "перевірено: включено" in uk and "підтверджено" in uk and "Spot report" not in uk
    numbers = [_numbers(paths[f"html_{lang}"].read_text(encoding="utf-8")) for lang in ("en", "uk", "ru")]
    assert numbers[0] == numbers[1] == numbers[2]
    page = pdfium.PdfDocument(paths["pdf_ru"])[0]
    assert "Срочный отчёт" in page.get_textpage().get_text_range()


def _numbers(html: str):
    from collections import Counter
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style.*?</style>", "", html, flags=re.S))
    return Counter(re.findall(r"\d+(?:[.,:]\d+)*", text))
