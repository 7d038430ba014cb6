"""OpenAlex merged_ids CSV: rules, not papers."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from corpus_db.importers import openalex_merged
from corpus_db.model import MergedId, Rejected

FIXTURE = Path(__file__).parent / "fixtures" / "openalex-merged-ids.csv.gz"


def test_rows_become_merge_rules_and_a_bad_row_is_rejected() -> None:
    data = gzip.decompress(FIXTURE.read_bytes())
    assert openalex_merged.sniff(data, "x.csv")
    items = list(openalex_merged.parse(io.BytesIO(data), "x.csv"))
    assert items[0] == MergedId(1, 2, "openalex_id", "W1", "W2")
    assert isinstance(items[1], Rejected) and items[1].line == 3


def test_other_csv_is_not_sniffed() -> None:
    assert not openalex_merged.sniff(b"id,title\n1,x\n", "x.csv")
