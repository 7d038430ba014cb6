"""PubMed XML: a tab-indented efetch response and a compact baseline-style sample."""

from __future__ import annotations

import io

from corpus_db.importers import pubmed
from corpus_db.model import Rejected
from tests.importers.graph_support import papers, parse_path
from tests.paths import realdata


def test_efetch_structured_abstract_and_mesh() -> None:
    [record] = papers(parse_path(pubmed.IMPORTER, realdata("pubmed/efetch-pmid-29768149.xml")))
    assert (record.pmid, record.doi, record.published) == ("29768149", "10.1056/nejmoa1715274", "2018-05-17")
    assert record.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma"
    assert record.abstract.startswith("BACKGROUND: In patients with mild asthma")
    assert "METHODS: We conducted" in record.abstract and "β 2-agonist" in record.abstract  # <sub>2</sub> kept
    assert len(record.authors) == 10 and record.authors[0] == "Paul M O'Byrne"
    assert len(record.tags) == 23 and record.venue == "The New England journal of medicine"


def test_compact_sample() -> None:
    records = papers(parse_path(pubmed.IMPORTER, realdata("pubmed/pubmed-2024-sample.xml.gz")))
    assert [r.pmid for r in records] == ["36400559", "2930949", "11446611", "28786991"]
    assert [bool(r.abstract) for r in records] == [True, True, False, True]
    assert sum(bool(r.doi) for r in records) == 3
    assert [r.pmcid for r in records][1:] == ["PMC1306303", "PMC4951901", "PMC5546677"]
    assert records[2].published == "2001-05"  # Season May-Jun
    # The cited works' ids (ReferenceList) are not the article's.
    assert records[0].doi == "10.1016/j.ncl.2022.07.002"


def test_article_without_title_is_rejected() -> None:
    data = (b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article></Article></MedlineCitation>"
            b"</PubmedArticle><DeleteCitation><PMID>2</PMID></DeleteCitation></PubmedArticleSet>")
    [item] = list(pubmed.parse(io.BytesIO(data), "x.xml"))
    assert isinstance(item, Rejected) and "PubMed article 1 has no title" in item.reason
