"""OpenAlex snapshot `merged_ids/works/*.csv.gz`: `merge_date,id,merge_into_id` rows, each saying that a
work id was merged into another. They are MergedId rules, not papers: the store keeps them, moves a
paper that held the old id to the new one, and resolves the old id to the new one from then on."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from corpus_db.importers._fields import text_lines
from corpus_db.importers.base import Importer
from corpus_db.model import MergedId, Rejected
from corpus_db.rules.normalize import normalize_openalex_id

HEADER = ("merge_date", "id", "merge_into_id")


def sniff(head: bytes, path: str) -> bool:
    """CSV whose header is OpenAlex's merged-ids header."""
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().decode("utf-8", errors="replace")
    return tuple(cell.strip() for cell in first.split(",")) == HEADER


def parse(fh: BinaryIO, path: str) -> Iterator[MergedId | Rejected]:  # type: ignore[override]
    """One rule per row after the header."""
    position = 0
    for number, line in text_lines(fh, path):
        text = line.rstrip("\r\n")
        if number == 1 or not text.strip():
            continue
        position += 1
        try:
            row = next(csv.reader(io.StringIO(text)), [])
        except csv.Error:  # a stray carriage return or quote inside the row: this row only
            row = []
        old_id = normalize_openalex_id(row[1]) if len(row) == 3 else None
        new_id = normalize_openalex_id(row[2]) if len(row) == 3 else None
        if old_id is None or new_id is None or old_id == new_id:
            yield Rejected(position, number, "not a merge_date,id,merge_into_id row of two work ids", text[:200])
        else:
            yield MergedId(position, number, "openalex_id", old_id, new_id)


IMPORTER = Importer(
    name="openalex-merged",
    description="OpenAlex snapshot merged_ids CSV (merge_date,id,merge_into_id): merged work ids are honoured.",
    sniff=sniff,
    parse=parse,  # type: ignore[arg-type]
)
