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


_LINE_PARTS = st.one_of(
    st.sampled_from([b'{"id": "2401.00001", "title": "A", "abstract": "B"}', b"\xef\xbb\xbf{}", b"", b"   ", b"[1]",
                     "\u00a0\u2003".encode(), b"\xff\xfe not utf-8", b'{"title": "caf\xc3\xa9"}', b"{", b"\r"]),
    st.binary(max_size=40),
)


def _outcome(items: object) -> list[object] | str:
    try:
        return list(items)  # type: ignore[call-overload]
    except ParseError as exc:
        return f"ParseError: {exc}"


@given(lines=st.lists(st.tuples(_LINE_PARTS, st.sampled_from([b"\n", b"\r\n", b""])), max_size=12),
       picks=st.lists(st.booleans(), max_size=12))
def test_skim_is_split_with_the_known_lines_as_tokens(lines: list[tuple[bytes, bytes]], picks: list[bool]) -> None:
    """A re-import skims lines as bytes: whatever the bytes, it yields split's records and rejects (or its
    ParseError), except that a record whose text is known and whose line ends in a line break is its token."""
    from corpus_db.importers import arxiv_jsonl

    data = b"".join(body + end for body, end in lines)
    split = _outcome(arxiv_jsonl.split(io.BytesIO(data), "fuzz.dump"))
    texts = sorted({raw.text for raw in split if hasattr(raw, "text")}) if isinstance(split, list) else []
    known = {text.encode() for text, pick in zip(texts, picks, strict=False) if pick}

    def recognise(block: list[bytes]) -> list[object]:
        return [("known", body) if body in known else None for body in block]

    skimmed = _outcome(arxiv_jsonl.skim(io.BytesIO(data), "fuzz.dump", recognise))
    if isinstance(split, str):
        assert skimmed == split
        return
    assert isinstance(skimmed, list) and len(skimmed) == len(split)
    last_line = data.count(b"\n") + 1  # the number of a last line without a line break
    for raw, item in zip(split, skimmed, strict=True):
        text = getattr(raw, "text", None)
        unfinished = raw.line == last_line and not data.endswith(b"\n")
        if text is not None and text.encode() in known and not unfinished:
            assert item == ("known", text.encode())
        else:
            assert item == raw
