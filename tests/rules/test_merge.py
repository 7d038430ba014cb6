from corpus_db.model import PaperRecord
from corpus_db.rules.merge import merge_fields, record_fields


def fields(**kwargs: object) -> dict[str, object]:
    return record_fields(PaperRecord(position=1, raw="", **kwargs))  # type: ignore[arg-type]


def test_a_full_abstract_beats_one_cut_short() -> None:
    paper = fields(title="T", abstract="Short start", abstract_truncated=True)
    full = fields(title="T", abstract="Short start and the full ending.", abstract_truncated=False)
    assert merge_fields(paper, full) == {"abstract": full["abstract"], "abstract_truncated": False}
    assert merge_fields(full, paper) == {}


def test_a_later_record_never_blanks_a_field() -> None:
    paper = fields(title="T", abstract="Text.", doi="10.1/x", venue="ICLR", published="2020-01-02")
    empty = fields(title="T")
    assert merge_fields(paper, empty) == {}


def test_identifiers_are_filled_not_overwritten_and_identity_follows() -> None:
    paper = fields(title="Layer Normalization")
    with_id = fields(title="Layer Normalization", arxiv_id="1607.06450v1")
    changes = merge_fields(paper, with_id)
    assert changes["arxiv_id"] == "1607.06450"
    assert changes["identity_key"] == "arxiv:1607.06450"
    other = fields(title="Layer Normalization", arxiv_id="9999.99999")
    assert "arxiv_id" not in merge_fields({**paper, **changes}, other)


def test_dates_only_get_more_precise_when_they_agree() -> None:
    paper = fields(title="T", published="2024")
    assert merge_fields(paper, fields(title="T", published="2024-05-27"))["published"] == "2024-05-27"
    assert merge_fields(paper, fields(title="T", published="2023-01-01")) == {}


def test_titles_are_unwrapped_and_single_spaced() -> None:
    wrapped = fields(title="Deep Learning for\n  Contrastive   Things")
    assert wrapped["title"] == "Deep Learning for Contrastive Things"
    assert wrapped["title_key"] == "deep learning for contrastive things"


def test_a_source_correcting_its_own_record_replaces_what_it_said() -> None:
    from corpus_db.rules.merge import revise_fields

    paper = fields(title="Old Title", arxiv_id="2401.00001", abstract="Old text.", venue="Workshop")
    newer = fields(title="New Title", arxiv_id="2401.00001", abstract="Corrected text.", venue="Conference")
    changes = revise_fields(paper, newer)
    assert changes["title"] == "New Title" and changes["abstract"] == "Corrected text."
    assert changes["venue"] == "Conference" and "identity_key" not in changes
    cut = fields(title="Old Title", arxiv_id="2401.00001", abstract="Corr", abstract_truncated=True)
    assert "abstract" not in revise_fields(paper, cut)
