"""Hostile and broken dumps, built at run time (nothing large in git): each case is a small recipe that
writes its file into a folder. Sizes are chosen to show the failure class, not to stress the machine."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GOOD_TITLE = "Scaling Laws for Fine-Grained Mixture of Experts"
GOOD_ABSTRACT = "Mixture of Experts models reduce the cost of large language models; we study their scaling."


@dataclass(frozen=True)
class Case:
    """A hostile dump: its file name, how to write it, and what an import must end in."""

    name: str
    filename: str
    build: Callable[[], bytes]
    outcome: str  # "failed" (the source fails with a clear error) or "rejects" (records and rejects)
    message: str = ""  # a regular expression the error must match, for failed cases


# -- record templates, one per format ---------------------------------------------------------------


def oai(records: list[tuple[str, str, str]]) -> bytes:
    """An OAI-PMH ListRecords page (metadataPrefix=arXiv) of (id, title, abstract xml)."""
    body = "".join(
        f"<record><header><identifier>oai:arXiv.org:{i}</identifier><datestamp>2020-01-01</datestamp></header>"
        f'<metadata><arXiv xmlns="http://arxiv.org/OAI/arXiv/"><id>{i}</id><title>{t}</title>'
        f"<abstract>{a}</abstract></arXiv></metadata></record>\n"
        for i, t, a in records
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">\n'
        '<request verb="ListRecords" metadataPrefix="arXiv">http://export.arxiv.org/oai2</request>\n'
        f"<ListRecords>\n{body}</ListRecords>\n</OAI-PMH>\n"
    ).encode()


def atom(entries: list[tuple[str, str, str]]) -> bytes:
    """An arXiv API Atom feed of (id, title, summary xml)."""
    body = "".join(
        f"<entry><id>http://arxiv.org/abs/{i}v1</id><published>2020-01-01T00:00:00Z</published>"
        f"<title>{t}</title><summary>{s}</summary><author><name>A. Author</name></author></entry>\n"
        for i, t, s in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        '<link href="http://arxiv.org/api/query?search_query=x" rel="self"/>\n'
        f"<title>ArXiv Query</title>\n{body}</feed>\n"
    ).encode()


def hf_entry(arxiv_id: str, title: str, extra: str = "") -> str:
    return (
        f'{{"paper": {{"id": "{arxiv_id}", "authors": [{{"name": "A. Author"}}], '
        f'"publishedAt": "2024-02-12T18:33:47.000Z", "title": {json.dumps(title)}, '
        f'"summary": {json.dumps(GOOD_ABSTRACT)}, "upvotes": 1{extra}}}, "numComments": 0}}'
    )


def hf(entries: list[str]) -> bytes:
    return ("[\n" + ",\n".join(entries) + "\n]\n").encode()


def jsonl_line(arxiv_id: str, title: str, extra: str = "") -> str:
    return (
        f'{{"id": "{arxiv_id}", "submitter": "A", "authors": "A. Author", "title": {json.dumps(title)}, '
        f'"abstract": {json.dumps(GOOD_ABSTRACT)}, "categories": "cs.LG", '
        '"versions": [{"version": "v1", "created": "Mon, 12 Feb 2024 18:33:47 GMT"}], '
        f'"update_date": "2024-02-13", "authors_parsed": [["Author", "A.", ""]]{extra}}}'
    )


def jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def csl_item(key: str, title: str, extra: str = "") -> str:
    return (f'{{"id": "{key}", "type": "article-journal", "title": {json.dumps(title)}, '
            f'"author": [{{"family": "Author", "given": "A."}}]{extra}}}')


def csl(items: list[str]) -> bytes:
    return ("[\n" + ",\n".join(items) + "\n]\n").encode()


def pwc_paper(n: int, title: str, extra: str = "") -> str:
    return (
        f'{{"paper_url": "https://paperswithcode.com/paper/p{n}", "arxiv_id": null, "title": {json.dumps(title)}, '
        f'"abstract": {json.dumps(GOOD_ABSTRACT)}, "url_abs": "https://example.org/abs/{n}", '
        f'"url_pdf": "https://example.org/pdf/{n}", "authors": ["A. Author"], "date": "2020-01-01"{extra}}}'
    )


def pwc(items: list[str]) -> bytes:
    return ("[\n" + ",\n".join(items) + "\n]\n").encode()


def pwc_eval(rows: list[str]) -> bytes:
    return (
        '[{"task": "Image Classification", "categories": [], "description": "", "subtasks": [], '
        '"datasets": [{"dataset": "ImageNet", "description": "", "subdatasets": [], '
        '"sota": {"metrics": ["Top 1"], "rows": [' + ", ".join(rows) + "]}}]}]\n"
    ).encode()


def pwc_row(n: int, title: str | None) -> str:
    title_part = f'"paper_title": {json.dumps(title)}, ' if title is not None else ""
    return (
        f'{{"model_name": "M{n}", {title_part}"paper_url": "https://arxiv.org/abs/2001.{n:05d}", '
        f'"paper_date": "2020-01-01", "code_links": [], "metrics": {{"Top 1": "80"}}}}'
    )


def bib_entry(key: str, title: str, extra: str = "") -> str:
    return f"@article{{{key},\n  title = {{{title}}},\n  author = {{Author, A.}},\n  year = {{2020}}{extra}\n}}\n"


def listing(pairs: list[tuple[str, str]]) -> bytes:
    head = "Get trending papers in your email inbox!\nSubscribe\n"
    return (head + "".join(f"{t}\n{a}\n" for t, a in pairs)).encode()


def good_ids(n: int) -> list[str]:
    return [f"2001.{i:05d}" for i in range(1, n + 1)]


# -- the cases ------------------------------------------------------------------------------------------

DEPTH = 1_200  # past Python's default recursion limit of 1,000


def _deep_xml(depth: int = DEPTH) -> str:
    return "<b>" * depth + "deep" + "</b>" * depth


def _deep_json(depth: int = DEPTH * 10) -> str:
    return "[" * depth + "]" * depth


def _with_deep(good: list[str], bad: str) -> list[str]:
    """A bad record in the middle of good ones: the good ones must still import."""
    half = len(good) // 2
    return [*good[:half], bad, *good[half:]]


def deep_nesting_cases(good: int = 20) -> list[Case]:
    ids = good_ids(good)
    return [
        Case("deep-oai", "deep.oai.xml", lambda: oai(
            [(i, f"{GOOD_TITLE} {i}", GOOD_ABSTRACT) for i in ids[:10]] + [("2002.00001", "Deep", _deep_xml())]
            + [(i, f"{GOOD_TITLE} {i}", GOOD_ABSTRACT) for i in ids[10:]]), "rejects"),
        Case("deep-atom", "deep.atom.xml", lambda: atom(
            [(i, f"{GOOD_TITLE} {i}", GOOD_ABSTRACT) for i in ids[:10]] + [("2002.00001", "Deep", _deep_xml())]
            + [(i, f"{GOOD_TITLE} {i}", GOOD_ABSTRACT) for i in ids[10:]]), "rejects"),
        Case("deep-hf", "deep.hf.json", lambda: hf(_with_deep(
            [hf_entry(i, f"{GOOD_TITLE} {i}") for i in ids], hf_entry("2002.00001", "Deep", f', "x": {_deep_json()}'))),
            "rejects"),
        Case("deep-jsonl", "deep.jsonl", lambda: jsonl(_with_deep(
            [jsonl_line(i, f"{GOOD_TITLE} {i}") for i in ids],
            jsonl_line("2002.00001", "Deep", f', "x": {_deep_json()}'))), "rejects"),
        Case("deep-csl", "deep.csl.json", lambda: csl(_with_deep(
            [csl_item(f"k{i}", f"{GOOD_TITLE} {i}") for i in ids], csl_item("deep", "Deep", f', "x": {_deep_json()}'))),
            "rejects"),
        Case("deep-pwc", "deep.pwc.json", lambda: pwc(_with_deep(
            [pwc_paper(n, f"{GOOD_TITLE} {n}") for n in range(good)],
            pwc_paper(999, "Deep", f', "x": {_deep_json()}'))), "rejects"),
        Case("deep-bibtex-braces", "deep-braces.bib", lambda: "".join(
            [bib_entry(f"k{n}", f"{GOOD_TITLE} {n}") for n in range(good)]
            + [bib_entry("deep", "{" * 10_000 + "x" + "}" * 10_000)]).encode(), "rejects"),
        Case("deep-bibtex-textbf", "deep-textbf.bib", lambda: "".join(
            [bib_entry(f"k{n}", f"{GOOD_TITLE} {n}") for n in range(good)]
            + [bib_entry("deep", "\\textbf{" * 3_000 + "x" + "}" * 3_000)]).encode(), "rejects"),
    ]


def gzip_bomb(expanded: int, *, line: bytes = b"\n", head: bytes = b"") -> bytes:
    """A gzip stream of `expanded` bytes of one repeated byte pattern, compressed about 1000:1, built
    without holding the expanded bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = (line * ((1 << 20) // len(line) + 1))[: 1 << 20]
    out = [compressor.compress(head)] + [compressor.compress(block) for _ in range(expanded >> 20)]
    out.append(compressor.flush())
    return b"".join(out)


def _first_record() -> bytes:
    """A real first line, so the bomb is sniffed as the dump it pretends to be."""
    return jsonl([jsonl_line("2001.00001", GOOD_TITLE)])


def bomb_cases(expanded: int = 2 << 30) -> list[Case]:
    """Compression and expansion bombs. `expanded` is what a gzip bomb would expand to (2 GB default,
    about 2 MB on disk); the limits must stop it long before."""
    return [
        Case("gzip-bomb-newlines", "bomb-lines.jsonl.gz", lambda: gzip_bomb(expanded, head=_first_record()), "failed",
             r"blank space in a row"),
        Case("gzip-bomb-one-line", "bomb-line.jsonl.gz", lambda: gzip.compress(
            b'{"id": "2001.00001", "authors_parsed": [], "update_date": "", "versions": [], "title": "'
            + b"a" * (64 << 20)), "failed", r"line|longer"),
        Case("long-line-plain", "long.jsonl", lambda: jsonl(
            [jsonl_line(i, GOOD_TITLE) for i in good_ids(3)]) + b"{" + b"x" * (80 << 20), "failed", r"line|longer"),
        Case("bibtex-string-bomb", "bomb.bib", lambda: _string_bomb().encode(), "rejects"),
        Case("json-one-huge-value", "huge.hf.json", lambda: hf(
            [hf_entry("2001.00001", GOOD_TITLE), hf_entry("2001.00002", "T" * (20 << 20))]), "failed",
             r"entry 2: an entry larger than 16 MiB"),
        Case("xml-one-huge-record", "huge.oai.xml", lambda: oai(
            [("2001.00001", GOOD_TITLE, GOOD_ABSTRACT), ("2001.00002", GOOD_TITLE, "a" * (20 << 20))]), "failed",
             r"a record larger than 16 MiB"),
    ]


def _string_bomb(levels: int = 9) -> str:
    lines = ['@string{a0 = "xxxxxxxxxx"}']
    for n in range(1, levels + 1):
        lines.append(f"@string{{a{n} = " + " # ".join([f"a{n - 1}"] * 10) + "}")
    lines.append(bib_entry("ok", GOOD_TITLE))
    lines.append(f"@article{{bomb, title = a{levels}, year = {{2020}}}}")
    return "\n".join(lines) + "\n"


def quadratic_cases() -> list[Case]:
    """Text that made link finding quadratic: one record, long runs of trailing punctuation."""
    return [
        Case("parens-after-link", "parens.txt", lambda: listing(
            [(GOOD_TITLE, "Code at https://github.com/a/b" + ")" * 99_000)]), "imports"),
        Case("dots-after-link", "dots.txt", lambda: listing(
            [(GOOD_TITLE, "Code at https://example.org/x" + "." * 99_000)]), "imports"),
    ]


CONTROL_CHARS = "\x00\x07\x1b\u202e\u2066"
CONTROL = "\x00\x07\x1b[31m\u202e\u2066"


def control_char_cases() -> list[Case]:
    return [
        Case("control-chars-title", "control.jsonl", lambda: jsonl(
            [jsonl_line("2001.00001", f"Evil{CONTROL} Title"), jsonl_line("2001.00002", GOOD_TITLE)]), "rejects"),
    ]


def oversize_cases() -> list[Case]:
    return [
        Case("huge-title", "huge.jsonl", lambda: jsonl(
            [jsonl_line("2001.00002", GOOD_TITLE), jsonl_line("2001.00001", "T" * (2 << 20))]), "rejects"),
    ]


def reject_cases() -> list[Case]:
    """One bad record among good ones: the good ones import, the bad one is a reject."""
    ids = good_ids(200)
    lines = [jsonl_line(i, f"{GOOD_TITLE} {i}") for i in ids]
    lines[100] = lines[100][:40]  # a mangled line
    return [
        Case("jsonl-one-mangled-line", "mangled.jsonl", lambda: jsonl(lines), "rejects"),
        Case("pwc-eval-row-without-title", "evaluation-tables.json", lambda: pwc_eval(
            [pwc_row(n, f"{GOOD_TITLE} {n}") for n in range(1, 200)] + [pwc_row(999, None)]), "rejects"),
        Case("bibtex-commented-entry", "commented.bib", lambda: (
            "% @article{ghost, title = {Ghost Paper}, year = {2020}}\n" + bib_entry("real", GOOD_TITLE)).encode(),
            "comment"),
    ]


def all_cases() -> list[Case]:
    return deep_nesting_cases() + bomb_cases() + quadratic_cases() + control_char_cases() + oversize_cases() \
        + reject_cases()


def write_case(case: Case, folder: Path) -> Path:
    path = folder / case.filename
    path.write_bytes(case.build())
    return path
