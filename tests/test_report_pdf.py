"""The printed daily report: a PDF whose first page renders, carrying the engagements, the coverage
figures and the places named from the gazetteer."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

from truceline.report import render_daily
from truceline.report.daily import place_line


def test_the_pdf_renders_and_carries_engagements_coverage_and_places(demo_day, tmp_path: Path) -> None:
    p, out = demo_day["processed"], demo_day["outputs"]
    paths = render_daily(agreement=p.history.at(p.period[0]), events=p.events, sensors=p.sensors.table,
                         coverage=p.coverage, ingest=p.ingest_counts, run={"code_version": "test"},
                         period_start=p.period[0], period_end=p.period[1], out_dir=tmp_path,
                         engagements=p.engagements, incidents=out.incidents.incidents, pdf=True)
    pdf = pdfium.PdfDocument(paths["pdf"])
    assert len(pdf) >= 2
    first = np.asarray(pdf[0].render(scale=1.5).to_pil().convert("L"))
    assert first.shape[0] > 500 and first.std() > 10, "the first page is not blank"
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    text = re.sub(r"\s+", " ", text)
    assert "Who opened fire" in text and str(p.engagements["engagement_id"][0]) in text
    assert "P(detect launch)" in text
    side = p.coverage.sides[0]
    assert f"{side.p_detect_launch:.2f}" in text
    where = place_line(float(p.engagements["lon"][0]), float(p.engagements["lat"][0]), 3)
    town = where.split(" · ")[0]
    assert re.fullmatch(r"(\d+ km (N|NE|E|SE|S|SW|W|NW) of|in) \S.*", town), town
    assert town in text and "MGRS" in text
