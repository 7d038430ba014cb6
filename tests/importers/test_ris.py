"""RIS exports from Scopus, Embase (BOM, T1/A1/N2) and PubMed via Zotero."""

from __future__ import annotations

import io

from corpus_db.importers import ris
from corpus_db.model import Rejected
from tests.importers.graph_support import papers, parse_path
from tests.paths import realdata


def test_scopus() -> None:
    records = papers(parse_path(ris.IMPORTER, realdata("ris/scopus-export.ris")))
    assert len(records) == 6 and all(r.abstract and r.doi for r in records)
    first = records[0]
    assert first.doi == "10.1016/j.psyneuen.2019.104501" and first.published == "2020"
    assert first.authors[:2] == ("Labanski, A.", "Langhorst, J.") and first.venue == "Psychoneuroendocrinology"
    assert "Brain-gut axis" in first.tags and first.line == 1


def test_embase_with_bom_and_its_own_tags() -> None:
    records = papers(parse_path(ris.IMPORTER, realdata("ris/embase-export.ris")))
    assert len(records) == 6 and all(r.abstract for r in records)  # N2, not AB
    assert records[0].title.startswith("Duplication cysts") and records[0].authors == ("Liu R.", "Adler D.G.")
    assert records[0].venue == "Endoscopic Ultrasound" and records[0].published == "2014"


def test_pubmed_via_zotero() -> None:
    records = papers(parse_path(ris.IMPORTER, realdata("ris/pubmed-via-zotero.ris")))
    assert len(records) == 6 and all(r.doi for r in records)
    assert records[1].published == "2019-10"


def test_continuation_lines_repeated_tags_and_a_record_without_title() -> None:
    data = (b"\xef\xbb\xbfTY  - JOUR\r\nTI  - A title\r\nAB  - First line\r\ncontinued here\r\n"
            b"AU  - One\r\nAU  - Two\r\n"
            b"DA  - 2014/05/03/\r\nUR  - https://arxiv.org/abs/2401.00001v2\r\nER  - \r\n\r\nTY  - BOOK\r\nAU  - X\r\n"
            b"ER  -\r\nTY  - CHAP\r\nT1  - Cut short\r\n")
    items = list(ris.parse(io.BytesIO(data), "x.ris"))
    first, bad, last = items
    assert first.abstract == "First line continued here" and first.authors == ("One", "Two")
    assert (first.published, first.arxiv_id, first.line) == ("2014-05-03", "2401.00001", 1)
    assert isinstance(bad, Rejected) and bad.line == 11 and bad.position == 2
    assert last.title == "Cut short" and last.position == 3


def test_ris_fields_name_every_tag_once() -> None:
    tags = [tag for group in ris.RIS_FIELDS.values() for tag in group]
    assert len(tags) == len(set(tags))
