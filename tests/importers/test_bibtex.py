"""The BibTeX/BibLaTeX importer against two real .bib files, a hand-made sample of the tricky parts,
and broken input."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corpus_db.importers import FORMATS, bibtex
from corpus_db.model import PaperRecord, ParseError, Rejected, RepoLink
from tests.importers.support import all_sample_files, first_record_read, head, parse_bytes, parse_file
from tests.paths import realdata

ICLR = "bibtex/iclr-2018.bib"
JEPA = "bibtex/jepa.bib"
IMPORTER = bibtex.IMPORTER

SAMPLE = r"""% a comment with an @ sign and a brace {
@string{jmlr = "Journal of Machine Learning Research"}
@preamble{"\newcommand{\noop}[1]{}"}
@comment{ not a paper }

@article{key1,
  title = {{BERT}: Pre-training with {\"u} and \'e and \c{c}},
  author = {M{\"u}ller, J{\"o}rg and Garc\'{\i}a, Ana and {Barnes and Noble}},
  journal = jmlr # " Workshop",
  year = 2019,
  month = nov,
  keywords = {deep learning; NLP, transformers},
  url = {https://github.com/org/repo},
  doi = {https://doi.org/10.1000/ABC},
  abstract = {About ~15M parameters, 50% fewer \& faster: $\ell_1$.},
}

@misc{key2,
  title = "A {BibLaTeX} entry",
  eprinttype = {arxiv},
  eprint = {2401.01234v2},
  date = {2024-01-05},
}

@article{key3,
  title = {Preprint},
  journal = {arXiv preprint arXiv:1706.03762},
  year = {2017},
  month = {June},
}
@misc{key4, title={Old}, eprint={math/0611918}, archivePrefix={arXiv}, url={https://proceedings.mlr.press/v1/a.html}}
"""


def test_registered() -> None:
    assert FORMATS["bibtex"] is IMPORTER


def test_real_counts() -> None:
    iclr = parse_file(IMPORTER, realdata(ICLR))
    jepa = parse_file(IMPORTER, realdata(JEPA))
    assert len(iclr) == 336  # the leading @comment is not a paper
    assert len(jepa) == 93  # % comment lines are not papers
    assert sum(1 for r in jepa if r.arxiv_id) == 87  # every entry with eprint + archiveprefix
    assert all(r.abstract for r in iclr)


def test_dblp_entry_field_by_field() -> None:
    path = realdata(ICLR)
    record = parse_file(IMPORTER, path)[0]
    assert record.line == 6 and record.position == 1
    assert record.title == "Learning One-hidden-layer Neural Networks with Landscape Design"
    assert record.authors == ("Rong Ge 0001", "Jason D. Lee", "Tengyu Ma 0001")  # raw; display_name drops 0001
    assert record.venue == "ICLR (Poster)"
    assert record.published == "2018"
    assert record.arxiv_id is None and record.doi is None
    assert record.repos == ()
    assert record.extra["url"] == "https://openreview.net/forum?id=BkwHObbRZ"
    assert record.extra["pdf"] == "https://openreview.net/pdf/863e62bd1cc682b616a5c8fcbd9bc2a81a7d59bf.pdf"
    assert record.extra["entry_type"] == "inproceedings" and record.extra["key"] == "p00012018learning"
    assert "file" not in record.extra  # a path on someone's disk
    assert record.abstract is not None
    assert record.abstract.startswith("We consider the problem of learning a one-hidden-layer neural network")
    assert "$y = a σ(Bx) + ξ$" in record.abstract and "\n" not in record.abstract
    text = path.read_text(encoding="utf-8")
    assert record.raw.startswith("@inproceedings{p00012018learning,") and record.raw in text


def test_percent_in_an_abstract_is_text_not_a_comment() -> None:
    records = {r.extra["key"]: r for r in parse_file(IMPORTER, realdata(ICLR))}
    abstracts = [r.abstract or "" for r in records.values()]
    assert any("error rates of 3.9%, 18.5% and 26.0%" in a for a in abstracts)


def test_accents_and_last_first_names() -> None:
    record = parse_file(IMPORTER, realdata(JEPA))[0]
    assert record.extra["key"] == "schmidhuber1993discovering"
    assert record.line == 14
    assert record.authors == ("Schmidhuber, Jürgen", "Prelinger, Daniel")  # J{\"u}rgen
    assert record.title == "Discovering Predictable Classifications"
    assert record.doi == "10.1162/neco.1993.5.4.625"
    assert record.venue == "Neural Computation"
    assert record.published == "1993"
    assert record.extra["pages"] == "625--635"


def test_eprint_double_braces_and_arxiv_urls() -> None:
    records = {r.extra["key"]: r for r in parse_file(IMPORTER, realdata(JEPA))}
    assran = records["assran2023self"]
    assert assran.arxiv_id == "2301.08243"
    assert assran.doi == "10.1109/cvpr52729.2023.01499"
    assert assran.venue == "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)"
    assert assran.extra["url"] == "https://arxiv.org/abs/2301.08243"
    assert assran.extra["openreview"] == "https://openreview.net/forum?id=a6fSe7BUFS"
    assert assran.extra["primaryclass"] == "cs.CV"
    leworld = records["maes2026leworldmodel"]
    assert leworld.title.startswith("LeWorldModel: Stable End-to-End")  # {{LeWorldModel}}
    assert leworld.arxiv_id == "2603.19312"
    assert leworld.venue is None  # @misc arXiv preprint
    assert leworld.abstract is not None and "With ~15M parameters" in leworld.abstract


def test_sample_macros_month_keywords_and_github() -> None:
    records = parse_bytes(IMPORTER, SAMPLE.encode())
    assert [r.extra["key"] for r in records] == ["key1", "key2", "key3", "key4"]
    first = records[0]
    assert first.line == 6
    assert first.title == "BERT: Pre-training with ü and é and ç"
    assert first.authors == ("Müller, Jörg", "García, Ana", "Barnes and Noble")
    assert first.venue == "Journal of Machine Learning Research Workshop"  # @string + # concatenation
    assert first.published == "2019-11"  # month = nov
    assert first.tags == ("deep learning", "NLP", "transformers")
    assert first.repos == (RepoLink("https://github.com/org/repo", "bibtex:url"),)
    assert first.doi == "10.1000/abc"
    assert first.abstract == "About ~15M parameters, 50% fewer & faster: $\\ell_1$."


def test_sample_biblatex_and_arxiv_journal() -> None:
    _, key2, key3, key4 = parse_bytes(IMPORTER, SAMPLE.encode())
    assert (key2.title, key2.arxiv_id, key2.extra["version"], key2.published) == (
        "A BibLaTeX entry",
        "2401.01234",
        "v2",
        "2024-01-05",
    )
    assert (key3.arxiv_id, key3.venue, key3.published) == ("1706.03762", None, "2017-06")
    assert (key4.arxiv_id, key4.line) == ("math/0611918", 31)
    assert key4.extra["url"] == "https://proceedings.mlr.press/v1/a.html"


def test_truncated_file_names_the_cut_entry() -> None:
    data = realdata(ICLR).read_bytes()
    cut = data[: len(data) // 2]
    last_entry_line = cut[: cut.rindex(b"\n@")].count(b"\n") + 2
    with pytest.raises(ParseError, match="cannot parse") as caught:
        parse_bytes(IMPORTER, cut, "iclr.bib")
    assert caught.value.line == last_entry_line
    assert str(caught.value).startswith(f"iclr.bib:{last_entry_line}:")


def _only_reject(data: str) -> Rejected:
    """The one Rejected among the items of `data` (the other entries still come out as records)."""
    items = parse_bytes(IMPORTER, data.encode(), "s.bib")
    [reject] = [item for item in items if isinstance(item, Rejected)]
    assert any(isinstance(item, PaperRecord) for item in items)
    return reject


def test_unbalanced_braces_reject_the_entry() -> None:
    reject = _only_reject(SAMPLE.replace("title = {Preprint}", "title = {Preprint"))
    assert re.search(r"cannot parse this @-block.*Unexpected block start", reject.reason)
    assert reject.line == 25 and "Preprint" in reject.excerpt


def test_duplicate_key_rejects_the_second_entry() -> None:
    reject = _only_reject(SAMPLE + "\n@misc{key2, title = {Again}}\n")
    assert "duplicate entry key 'key2'" in reject.reason and reject.line == 33


def test_missing_title_rejects_the_entry() -> None:
    reject = _only_reject(SAMPLE.replace('  title = "A {BibLaTeX} entry",\n', ""))
    assert "entry 'key2' has no title" in reject.reason and reject.line == 18


def test_invalid_utf8_names_the_line() -> None:
    data = realdata(JEPA).read_bytes().replace(b"Prelinger", b"Prel\xe9nger", 1)
    with pytest.raises(ParseError, match="not UTF-8") as caught:
        parse_bytes(IMPORTER, data)
    assert caught.value.line == 15


def test_first_record_before_the_whole_file() -> None:
    record, read, size = first_record_read(IMPORTER, realdata(ICLR))
    assert record.extra["key"] == "p00012018learning"
    assert read < size // 4


@pytest.mark.parametrize("sample", all_sample_files(), ids=lambda p: p.name)
def test_sniffer_accepts_only_bib_files(sample: Path) -> None:
    assert IMPORTER.sniff(head(sample), str(sample)) == sample.name.endswith(".bib")


def test_missing_comma_rejects_the_entry_naming_the_field_line() -> None:
    reject = _only_reject(SAMPLE.replace("year = {2017},", "year = {2017}"))
    assert "field 'year' of entry 'key3' is malformed" in reject.reason and reject.line == 28


def test_a_string_bomb_is_rejected_and_its_macro_stays_undefined() -> None:
    bomb = ['@string{a0 = "xxxxxxxxxx"}'] + [
        f"@string{{a{n} = " + " # ".join([f"a{n - 1}"] * 10) + "}" for n in range(1, 10)
    ]
    items = parse_bytes(IMPORTER, ("\n".join(bomb) + "\n@misc{k, title = a9}\n").encode())
    rejects = [item for item in items if isinstance(item, Rejected)]
    assert rejects and all("expands to" in r.reason for r in rejects)
    [record] = [item for item in items if isinstance(item, PaperRecord)]
    assert len(record.title) < 10_000  # a6 stayed undefined, so a9 is its name repeated 1,000 times


def test_a_commented_out_entry_is_not_a_paper() -> None:
    items = parse_bytes(IMPORTER, b"% @article{ghost, title = {Ghost}}\n@misc{real, title = {Real}}\n")
    assert [item.title for item in items] == ["Real"]  # type: ignore[union-attr]
