"""Property tests: every importer, fed arbitrary bytes or real dumps with bytes flipped, inserted, deleted
or repeated, yields records and rejects or raises one ParseError, and nothing else. A short run is part
of `make test`; `make fuzz` runs many more examples (HYPOTHESIS_PROFILE=fuzz)."""

from __future__ import annotations

import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_db.importers import FORMATS
from corpus_db.model import PaperRecord, ParseError, Rejected
from tests.hostile import cases
from tests.paths import REALDATA, ROOT

settings.register_profile(
    "default", max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
settings.register_profile(
    "fuzz", max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

SEED_BYTES = 16 * 1024  # a seed is the start of a real dump: mutations near records, not megabytes of them


def _seeds() -> list[bytes]:
    files = sorted(p for p in (ROOT / "tests" / "ingest" / "fixtures" / "cross_format").rglob("*") if p.is_file())
    files += sorted(p for p in REALDATA.rglob("*") if p.is_file() and not p.name.endswith((".gz", ".md", ".dtd")))
    built = [
        cases.oai([("2001.00001", cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]),
        cases.atom([("2001.00001", cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]),
        cases.pwc_eval([cases.pwc_row(1, cases.GOOD_TITLE)]),
        cases.pwc([cases.pwc_paper(1, cases.GOOD_TITLE)]),
        cases.listing([(cases.GOOD_TITLE, cases.GOOD_ABSTRACT)]),
    ]
    return [p.read_bytes()[:SEED_BYTES] for p in files] + built


SEEDS = _seeds()


def check(importer_name: str, data: bytes) -> None:
    """The contract: records and rejects, or exactly one ParseError (naming the file), nothing else."""
    importer = FORMATS[importer_name]
    try:
        for item in importer.parse(io.BytesIO(data), "fuzz.dump"):
            assert isinstance(item, PaperRecord | Rejected), type(item)
            if isinstance(item, Rejected):
                assert item.reason and len(item.excerpt) <= 300
    except ParseError as exc:
        assert "fuzz.dump" in str(exc)


def seeds_for(name: str) -> list[bytes]:
    """The seeds the importer recognises (its own format), else every seed."""
    own = [seed for seed in SEEDS if FORMATS[name].sniff(seed, "seed")]
    return own or SEEDS


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "nest"]))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "repeat":
            piece = data[at : at + draw(st.integers(1, 64))]
            data[at:at] = piece * draw(st.integers(1, 50))
        else:  # deep nesting of whatever bracket is there
            opener = draw(st.sampled_from([b"[", b"{", b"<b>", b"\\textbf{"]))
            data[at:at] = opener * draw(st.integers(100, 3000))
    return bytes(data)


NAMES = sorted(FORMATS)


@pytest.mark.parametrize("name", NAMES)
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes(name: str, data: bytes) -> None:
    check(name, data)


@pytest.mark.parametrize("name", NAMES)
def test_mutated_real_dumps(name: str) -> None:
    @given(data=mutated(seeds_for(name)))
    def run(data: bytes) -> None:
        check(name, data)

    run()


def test_seeds_are_there() -> None:
    assert len(SEEDS) >= 5
