"""Exported papers as CSV, JSON, BibTeX or RIS text. Pure: rows in, text out."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMATS = ("csv", "json", "bibtex", "ris")
CSV_COLUMNS = ("id", "title", "authors", "year", "published", "arxiv_id", "doi", "venue", "abstract", "pdf_url",
               "paper_url", "code_urls", "project_urls", "tags", "keywords")
LIST_SEPARATOR = "; "


def to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """One line per paper; lists joined by "; " (a spreadsheet has no lists)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([LIST_SEPARATOR.join(v) if isinstance(v := row.get(c), list) else ("" if v is None else v)
                         for c in CSV_COLUMNS])
    return out.getvalue()


def to_json(rows: Iterable[Mapping[str, Any]]) -> str:
    return json.dumps(list(rows), ensure_ascii=False, indent=1) + "\n"


def _bib_value(text: str) -> str:
    """Braces balanced (dropped when not), so a title never breaks the entry."""
    text = " ".join(str(text).split())
    return text if text.count("{") == text.count("}") else text.replace("{", "").replace("}", "")


def citation_key(row: Mapping[str, Any]) -> str:
    first = (row.get("authors") or ["anon"])[0].split()[-1] if row.get("authors") else "anon"
    word = next((w for w in re.findall(r"[A-Za-z]{4,}", row.get("title") or "")), "paper")
    key = f"{first}{row.get('year') or ''}{word}".lower()
    return re.sub(r"[^a-z0-9]", "", key) + f"_{row['id']}"


def to_bibtex(rows: Iterable[Mapping[str, Any]]) -> str:
    entries = []
    for row in rows:
        fields = [("title", row.get("title")), ("author", " and ".join(row.get("authors") or []) or None),
                  ("year", row.get("year")), ("journal", row.get("venue")), ("doi", row.get("doi")),
                  ("eprint", row.get("arxiv_id")), ("archiveprefix", "arXiv" if row.get("arxiv_id") else None),
                  ("url", row.get("paper_url")), ("abstract", row.get("abstract")),
                  ("keywords", ", ".join(row.get("tags") or []) or None)]
        body = ",\n".join(f"  {name} = {{{_bib_value(value)}}}" for name, value in fields if value not in (None, ""))
        kind = "article" if row.get("venue") else "misc"
        entries.append(f"@{kind}{{{citation_key(row)},\n{body}\n}}\n")
    return "\n".join(entries)


def to_ris(rows: Iterable[Mapping[str, Any]]) -> str:
    lines: list[str] = []
    for row in rows:
        lines.append("TY  - " + ("JOUR" if row.get("venue") else "GEN"))
        lines += [f"AU  - {a}" for a in row.get("authors") or []]
        for tag, value in (("TI", row.get("title")), ("PY", row.get("year")), ("DA", row.get("published")),
                           ("JO", row.get("venue")), ("DO", row.get("doi")), ("UR", row.get("paper_url")),
                           ("L1", row.get("pdf_url")), ("AB", row.get("abstract"))):
            if value not in (None, ""):
                lines.append(f"{tag}  - {' '.join(str(value).split())}")
        lines += [f"UR  - {u}" for u in row.get("code_urls") or []]
        lines += [f"KW  - {t}" for t in row.get("tags") or []]
        lines.append("ER  - ")
        lines.append("")
    return "\n".join(lines)


def render(rows: Iterable[Mapping[str, Any]], fmt: str) -> str:
    """Text of the rows in one of FORMATS."""
    writers = {"csv": to_csv, "json": to_json, "bibtex": to_bibtex, "ris": to_ris}
    return writers[fmt](list(rows))
