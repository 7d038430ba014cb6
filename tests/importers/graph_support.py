"""Reading a dump the way an import does (gunzipped when it is gzip), for the scholarly-graph tests."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from corpus_db.importers.base import Importer
from corpus_db.model import PaperRecord, Rejected


def content(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def parse_path(importer: Importer, path: Path) -> list[PaperRecord | Rejected]:
    return list(importer.parse(io.BytesIO(content(path)), str(path)))


def papers(items: list[PaperRecord | Rejected]) -> list[PaperRecord]:
    assert not [i for i in items if isinstance(i, Rejected)], [i for i in items if isinstance(i, Rejected)]
    return [i for i in items if isinstance(i, PaperRecord)]
