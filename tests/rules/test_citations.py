"""Export formats: one clean record per paper in CSV, JSON, BibTeX and RIS."""

from __future__ import annotations

import csv
import io
import json

from corpus_db.rules.citations import render

ROW = {"id": 7, "title": "Mamba: Linear-Time {Sequence} Modeling", "authors": ["Albert Gu", "Tri Dao"],
       "year": 2023,
       "published": "2023-12-01", "arxiv_id": "2312.00752", "doi": None, "venue": None, "abstract": "We\n present.",
       "pdf_url": "https://arxiv.org/pdf/2312.00752", "paper_url": "https://arxiv.org/abs/2312.00752",
       "code_urls": ["https://github.com/state-spaces/mamba"], "project_urls": [],
       "tags": ["state-space-models", "cs.LG"],
       "keywords": []}


def test_csv_has_one_line_per_paper_and_lists_joined() -> None:
    rows = list(csv.DictReader(io.StringIO(render([ROW, ROW], "csv"))))
    assert len(rows) == 2 and rows[0]["authors"] == "Albert Gu; Tri Dao"
    assert rows[0]["tags"] == "state-space-models; cs.LG"


def test_json_keeps_lists_as_lists() -> None:
    assert json.loads(render([ROW], "json"))[0]["authors"] == ["Albert Gu", "Tri Dao"]


def test_bibtex_and_ris() -> None:
    bib = render([ROW], "bibtex")
    assert bib.startswith("@misc{gu2023mamba_7,") and "author = {Albert Gu and Tri Dao}" in bib
    assert "eprint = {2312.00752}" in bib and "title = {Mamba: Linear-Time {Sequence} Modeling}" in bib
    ris = render([ROW], "ris").splitlines()
    assert ris[0] == "TY  - GEN" and "AU  - Tri Dao" in ris and "AB  - We present." in ris and ris[-1] == "ER  - "
