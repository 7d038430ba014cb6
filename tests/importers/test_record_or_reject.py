"""record_or_reject: whatever one record's parse raises that is about the record becomes that record's
reject (the dump's other records go on), with its position, line and excerpt."""

from __future__ import annotations

from datetime import datetime, timedelta

from corpus_db.importers.base import record_or_reject
from corpus_db.model import Rejected


def _overflowing() -> object:
    return datetime(2024, 1, 1) + timedelta(days=10**9)  # past year 9999: OverflowError


def test_a_number_too_large_for_a_date_rejects_only_its_record() -> None:
    rejected = record_or_reject(_overflowing, position=3, line=7, source=lambda: "the record's text")  # type: ignore[arg-type]
    assert isinstance(rejected, Rejected)
    assert (rejected.position, rejected.line, rejected.reason) == (3, 7, "a number too large to read")
    assert rejected.excerpt == "the record's text"
